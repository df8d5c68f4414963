using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Versioning;

public class TagFormatTests
{
    [Fact]
    public void Latest_uses_semver_precedence_not_lexical_order()
    {
        var tags = new[] { "v1.9.0", "v1.10.0", "v1.10.0-rc.2", "legacy-2019", "pkg@2.0.0", "v2", "vnext" };
        var format = new TagFormat("v{version}");
        Assert.Equal("1.10.0", format.Latest(tags)!.ToString());
        Assert.Equal("1.10.0", format.Latest(tags, includePrerelease: false)!.ToString());
    }

    [Fact]
    public void Prerelease_sorts_below_its_release()
    {
        var format = new TagFormat("v{version}");
        Assert.Equal("1.10.0-rc.2", format.Latest(new[] { "v1.9.0", "v1.10.0-rc.2", "v1.10.0-rc.10" is var s ? "v1.10.0-rc.1" : s })!.ToString());
    }

    [Fact]
    public void Prefix_templates_only_see_their_own_tags()
    {
        var format = new TagFormat("pkg@{version}");
        Assert.Equal("2.0.0", format.Latest(new[] { "v9.0.0", "pkg@2.0.0", "pkg@1.5.0", "other@3.0.0" })!.ToString());
        Assert.Equal("pkg@2.1.0", format.Format(VersionText.ParseSemVer("2.1.0")));
    }

    [Fact]
    public void Bumpversion_placeholder_is_accepted()
    {
        Assert.Equal("v", new TagFormat("v{new_version}").Prefix);
    }

    [Theory]
    [InlineData("v")]
    [InlineData("{version}-{version}")]
    public void Templates_without_exactly_one_placeholder_are_refused(string template) =>
        Assert.Throws<X0tta6bl4.Core.Diagnostics.X0Exception>(() => new TagFormat(template));

    [Theory]
    [InlineData("1.0.0a2", "1.0.0-alpha.2")]
    [InlineData("v2.34.0.dev1", "2.34.0-dev.1")]
    [InlineData("v3.1.0rc1", "3.1.0-rc.1")]
    public void Pep440_tags_of_python_projects_are_the_same_versions(string tag, string semver)
    {
        var format = new TagFormat(tag.StartsWith('v') ? "v{version}" : "{version}");
        Assert.True(format.TryParse(tag, out var v));
        Assert.Equal(semver, v!.ToString());
    }

    [Theory]
    [InlineData("v10")]
    [InlineData("v10.6")]
    [InlineData("v1.2.3.4")]
    public void Floating_major_and_minor_tags_are_not_releases(string tag) =>
        Assert.False(new TagFormat("v{version}").TryParse(tag, out _));
}
