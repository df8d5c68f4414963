using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.VersionFiles;

public class MsBuildVersionFileTests
{
    private static VersionFile Props(string path, string root) => new MsBuildVersionFile(path, root);

    [Theory]
    [InlineData(FixtureEncoding.Utf8)]
    [InlineData(FixtureEncoding.Utf8Bom)]
    [InlineData(FixtureEncoding.Utf16LeBom)]
    public void Version_element_with_crlf_and_tabs(FixtureEncoding encoding)
    {
        var fixture = ByteFixture.Of(
            "<Project>\r\n\t<PropertyGroup>\r\n\t\t<Version>{{1.2.3|1.3.0-rc.1}}</Version>\r\n\t\t<FileVersion>1.2.3.0</FileVersion>\r\n\t</PropertyGroup>\r\n" +
            "\t<ItemGroup>\r\n\t\t<PackageVersion Include=\"Dep\" Version=\"1.2.3\" />\r\n\t</ItemGroup>\r\n</Project>", encoding);
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Props, "Directory.Build.props", "1.3.0-rc.1"));
    }

    [Fact]
    public void Version_wins_over_VersionPrefix()
    {
        var fixture = ByteFixture.Of("<Project><PropertyGroup><VersionPrefix>0.0.1</VersionPrefix><Version>{{1.2.3|1.2.4}}</Version></PropertyGroup></Project>\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Props, "x.csproj", "1.2.4"));
    }

    [Fact]
    public void Expression_Version_falls_back_to_the_literal_VersionPrefix()
    {
        var fixture = ByteFixture.Of("<Project><PropertyGroup>\n  <Version>$(VersionPrefix)-local</Version>\n  <VersionPrefix>{{1.2.3|2.0.0}}</VersionPrefix>\n</PropertyGroup></Project>\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Props, "x.csproj", "2.0.0"));
    }

    [Fact]
    public void Prefix_and_suffix_carry_a_prerelease_and_its_release()
    {
        var toRc = ByteFixture.Of("<Project>\n  <PropertyGroup>\n    <VersionPrefix>{{1.2.3|1.3.0}}</VersionPrefix>\n    <VersionSuffix>{{|rc.1}}</VersionSuffix>\n  </PropertyGroup>\n</Project>\n");
        toRc.AssertOnlyVersionBytesDiffer(toRc.Rewrite(Props, "Directory.Build.props", "1.3.0-rc.1"));

        var toRelease = ByteFixture.Of("<Project>\n  <PropertyGroup>\n    <VersionPrefix>{{1.3.0|1.3.0}}</VersionPrefix>\n    <VersionSuffix>{{rc.2|}}</VersionSuffix>\n  </PropertyGroup>\n</Project>\n");
        toRelease.Rewrite(Props, "Directory.Build.props", "1.3.0", out var reading);
        Assert.Equal("1.3.0-rc.2", reading.Version.ToString());
        toRelease.AssertOnlyVersionBytesDiffer(toRelease.Rewrite(Props, "Directory.Build.props", "1.3.0"));
    }

    [Fact]
    public void Prerelease_without_a_VersionSuffix_element_is_a_clear_error()
    {
        var fixture = ByteFixture.Of("<Project><PropertyGroup><VersionPrefix>1.2.3</VersionPrefix></PropertyGroup></Project>");
        Assert.Equal("1.2.4", System.Text.Encoding.UTF8.GetString(fixture.Rewrite(Props, "x.csproj", "1.2.4")).Split('>')[3].Split('<')[0]);
        var ex = Assert.Throws<X0Exception>(() => fixture.Rewrite(Props, "x.csproj", "1.3.0-rc.1"));
        Assert.Equal(ErrorIds.PatternNotFound, ex.ErrorId);
        Assert.Contains("<VersionSuffix>", ex.Message);
        Assert.Contains("x.csproj", ex.Message);
    }

    [Fact]
    public void No_literal_version_is_pattern_not_found()
    {
        var fixture = ByteFixture.Of("<Project><PropertyGroup><Version>$(Computed)</Version></PropertyGroup></Project>");
        Assert.Equal(ErrorIds.PatternNotFound, Assert.Throws<X0Exception>(() => fixture.Rewrite(Props, "x.csproj", "1.0.0")).ErrorId);
    }
}
