using System.Text;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;

using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Containers;

public sealed class RegistryCredentialTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "x0-cred-" + Guid.NewGuid().ToString("N")[..8]);

    public RegistryCredentialTests() => Directory.CreateDirectory(Path.Combine(_dir, "bin"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private RegistryCredentialResolver Resolver(string configJson, params (string, string?)[] extra)
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), configJson);
        var env = new Dictionary<string, string?>
        {
            ["DOCKER_CONFIG"] = _dir,
            ["PATH"] = Path.Combine(_dir, "bin") + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
        };
        foreach (var (k, v) in extra) env[k] = v;
        return new RegistryCredentialResolver(env);
    }

    private void Helper(string name, string script)
    {
        var path = Path.Combine(_dir, "bin", "docker-credential-" + name);
        File.WriteAllText(path, "#!/bin/sh\n" + script);
        FileModes.Set(path, "755");
    }

    private static ImageRepository Repo(string name) => ImageRepository.Parse(name);

    [Fact]
    public async Task explicit_credentials_win_then_github_token_for_ghcr()
    {
        var resolver = Resolver("{}", ("GITHUB_TOKEN", "ghs_exampletoken0001\n"), ("GITHUB_ACTOR", "octo"));
        var explicitCred = new RegistryCredential("me", "pw-explicit-1", "-Credential");
        Assert.Same(explicitCred, await resolver.ResolveAsync(Repo("ghcr.io/o/r"), explicitCred, TestContext.Current.CancellationToken));
        var gh = await resolver.ResolveAsync(Repo("ghcr.io/o/r"), null, TestContext.Current.CancellationToken);
        Assert.Equal(("octo", "ghs_exampletoken0001", "GITHUB_TOKEN"), (gh!.Username, gh.Secret, gh.Source));
        Assert.True(SecretRedactor.IsRegistered("ghs_exampletoken0001"));
        Assert.Null(await resolver.ResolveAsync(Repo("quay.io/o/r"), null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task auths_entries_are_decoded_by_host()
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:auths-secret-42"));
        var resolver = Resolver("{\"auths\":{\"https://registry.example.com/v1/\":{\"auth\":\"" + auth + "\"},\"https://index.docker.io/v1/\":{\"identitytoken\":\"idtoken-xyz-1\"}}}");
        var c = await resolver.ResolveAsync(Repo("registry.example.com/team/app"), null, TestContext.Current.CancellationToken);
        Assert.Equal(("alice", "auths-secret-42"), (c!.Username, c.Secret));
        var hub = await resolver.ResolveAsync(Repo("someone/app"), null, TestContext.Current.CancellationToken);
        Assert.True(hub!.IsIdentityToken);
        Assert.True(SecretRedactor.IsRegistered(auth));
    }

    [Fact]
    public async Task cred_helpers_and_the_store_are_run_with_the_server_on_stdin()
    {
        Helper("x0test", """
            read server
            if [ "$1" != get ]; then exit 3; fi
            if [ "$server" = "registry.example.com" ]; then
              printf '{"ServerURL":"%s","Username":"bob","Secret":"helper-secret-77"}' "$server"
            else
              echo "credentials not found in native keychain"; exit 1
            fi
            """);
        var resolver = Resolver("""{"credHelpers":{"registry.example.com":"x0test"},"credsStore":"x0test"}""");
        var c = await resolver.ResolveAsync(Repo("registry.example.com/team/app"), null, TestContext.Current.CancellationToken);
        Assert.Equal(("bob", "helper-secret-77", "docker-credential-x0test"), (c!.Username, c.Secret, c.Source));
        Assert.Null(await resolver.ResolveAsync(Repo("other.example.com/a"), null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task a_failing_or_missing_helper_is_a_clear_error_without_its_secret()
    {
        Helper("broken", "echo 'helper-output-secret-99' >&2; exit 2\n");
        SecretRedactor.Register("helper-output-secret-99");
        var ex = await Assert.ThrowsAsync<X0Exception>(() => Resolver("""{"credsStore":"broken"}""").ResolveAsync(Repo("r.example.com/a"), null, TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.CredentialHelperFailed, ex.ErrorId);
        Assert.DoesNotContain("helper-output-secret-99", ex.Message);
        var missing = await Assert.ThrowsAsync<X0Exception>(() => Resolver("""{"credsStore":"nonexistent"}""").ResolveAsync(Repo("r.example.com/a"), null, TestContext.Current.CancellationToken));
        Assert.Contains("docker-credential-nonexistent", missing.Message);
    }
}
