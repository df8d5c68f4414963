using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Git;

/// <summary>What the real git sees of a token: asked through git's own URL matching, no network needed.</summary>
public class GitCliTests
{
    private static async Task<string?> HeaderFor(GitCli cli, string url)
    {
        var result = await cli.RunAsync(new[] { "config", "--get-urlmatch", "http.extraheader", url }, TestContext.Current.CancellationToken, throwOnError: false);
        return result.Succeeded ? result.StandardOutput.Trim() : null;
    }

    [Fact]
    public async Task Token_goes_to_the_github_server_only()
    {
        using var repo = new GitRepoFixture("cli");
        var token = "ghs_" + Guid.NewGuid().ToString("N");
        var cli = new GitCli(repo.Root, token + "\n", "https://github.com");

        var header = await HeaderFor(cli, "https://github.com/o/r.git");
        Assert.NotNull(header);
        Assert.StartsWith("AUTHORIZATION: basic ", header);
        Assert.DoesNotContain(token, header);                     // base64 of x-access-token:<token>
        Assert.True(SecretRedactor.IsRegistered(token));
        Assert.True(SecretRedactor.IsRegistered(header["AUTHORIZATION: basic ".Length..]));

        Assert.Null(await HeaderFor(cli, "https://gitlab.com/o/r.git"));
        Assert.Null(await HeaderFor(cli, "https://github.com.evil.example/o/r.git"));
    }

    [Fact]
    public async Task Enterprise_server_url_scopes_the_token()
    {
        using var repo = new GitRepoFixture("cli");
        var cli = new GitCli(repo.Root, "ghs_" + Guid.NewGuid().ToString("N"), "https://ghe.example.com/");
        Assert.NotNull(await HeaderFor(cli, "https://ghe.example.com/o/r.git"));
        Assert.Null(await HeaderFor(cli, "https://github.com/o/r.git"));
    }

    [Fact]
    public async Task Without_a_token_no_header_is_configured()
    {
        using var repo = new GitRepoFixture("cli");
        Assert.Null(await HeaderFor(new GitCli(repo.Root), "https://github.com/o/r.git"));
    }

    [Fact]
    public async Task Failure_names_the_command_and_the_fix()
    {
        using var repo = new GitRepoFixture("cli");
        var ex = await Assert.ThrowsAsync<X0Exception>(() => new GitCli(repo.Root).RunAsync(new[] { "rev-parse", "no-such-ref" }, TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.GitCommandFailed, ex.ErrorId);
        Assert.Contains("'git rev-parse'", ex.Message);
    }
}
