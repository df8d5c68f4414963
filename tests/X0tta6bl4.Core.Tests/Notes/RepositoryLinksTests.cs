using X0tta6bl4.Core.Notes;

namespace X0tta6bl4.Core.Tests.Notes;

public class RepositoryLinksTests
{
    [Theory]
    [InlineData("https://github.com/x0tta6bl4/x0tta6bl4.git", "https://github.com/x0tta6bl4/x0tta6bl4")]
    [InlineData("https://github.com/x0tta6bl4/x0tta6bl4", "https://github.com/x0tta6bl4/x0tta6bl4")]
    [InlineData("https://x-access-token:secret@github.com/x0tta6bl4/x0tta6bl4.git", "https://github.com/x0tta6bl4/x0tta6bl4")]
    [InlineData("git@github.com:x0tta6bl4/x0tta6bl4.git", "https://github.com/x0tta6bl4/x0tta6bl4")]
    [InlineData("ssh://git@github.com/x0tta6bl4/x0tta6bl4.git", "https://github.com/x0tta6bl4/x0tta6bl4")]
    [InlineData("ssh://git@ghe.example.com:2222/org/repo.git", "https://ghe.example.com/org/repo")]
    [InlineData("https://ghe.example.com:8443/org/repo.git", "https://ghe.example.com:8443/org/repo")]
    [InlineData("git@GHE.Example.com:org/repo", "https://ghe.example.com/org/repo")]
    [InlineData("git://github.com/org/repo.git", "https://github.com/org/repo")]
    public void Remote_forms(string remote, string expected) => Assert.Equal(expected, RepositoryLinks.FromRemote(remote)!.BaseUrl);

    [Theory]
    [InlineData("/tmp/repo-origin.git")]
    [InlineData("../origin.git")]
    [InlineData("file:///tmp/origin.git")]
    [InlineData("C:\\repos\\origin.git")]
    [InlineData("")]
    [InlineData(null)]
    public void Local_remotes_have_no_links(string? remote) => Assert.Null(RepositoryLinks.FromRemote(remote));

    [Fact]
    public void Credentials_never_reach_a_link()
    {
        var links = RepositoryLinks.FromRemote("https://user:ghp_canary123@github.com/o/r.git")!;
        Assert.DoesNotContain("canary", links.Commit("abc") + links.Compare("v1", "v2"));
    }

    [Fact]
    public void Link_shapes_and_configured_override()
    {
        var links = RepositoryLinks.From("https://ghe.example.com/team/tool/", "git@github.com:o/r.git")!;
        Assert.Equal("https://ghe.example.com/team/tool/commit/abc", links.Commit("abc"));
        Assert.Equal("https://ghe.example.com/team/tool/pull/5", links.PullRequest(5));
        Assert.Equal("https://ghe.example.com/team/tool/issues/6", links.Issue(6));
        Assert.Equal("https://ghe.example.com/team/tool/compare/v1.0.0...v1.1.0", links.Compare("v1.0.0", "v1.1.0"));
        Assert.Equal("https://ghe.example.com/team/tool/releases/tag/v1.1.0", links.Tag("v1.1.0"));
    }
}
