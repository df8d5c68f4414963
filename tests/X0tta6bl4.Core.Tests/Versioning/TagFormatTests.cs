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
}
