using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.VersionFiles;

public class PackageJsonVersionFileTests
{
    private static VersionFile Package(string path, string root) => new PackageJsonVersionFile(path, root);

    [Theory]
    [InlineData(FixtureEncoding.Utf8)]
    [InlineData(FixtureEncoding.Utf8Bom)]
    [InlineData(FixtureEncoding.Utf16LeBom)]
    public void Only_the_top_level_version_changes(FixtureEncoding encoding)
    {
        // Non-ASCII text (and a surrogate pair) before the version checks the byte → char offset mapping.
        var fixture = ByteFixture.Of(
            "{\r\n  \"name\": \"@x/pkg\",\r\n  \"description\": \"Ünïcödé 😀 \\\"quoted\\\"\",\r\n  \"config\": { \"version\": \"1.2.3\" },\r\n" +
            "  \"version\": \"{{1.2.3|1.3.0-beta.1}}\",\r\n  \"dependencies\": {\r\n    \"version\": \"1.2.3\",\r\n    \"dep\": \"^1.2.3\"\r\n  },\r\n" +
            "  \"workspaces\": [ { \"version\": \"1.2.3\" } ]\r\n}", encoding);
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Package, "package.json", "1.3.0-beta.1"));
    }

    [Fact]
    public void Tab_indented_with_final_newline()
    {
        var fixture = ByteFixture.Of("{\n\t\"version\": \"{{0.9.0|1.0.0}}\",\n\t\"private\": true\n}\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Package, "package.json", "1.0.0"));
    }

    [Fact]
    public void Only_nested_versions_is_pattern_not_found()
    {
        var fixture = ByteFixture.Of("{ \"name\": \"x\", \"engines\": { \"version\": \"1.2.3\" } }");
        Assert.Equal(ErrorIds.PatternNotFound, Assert.Throws<X0Exception>(() => fixture.Rewrite(Package, "package.json", "1.3.0")).ErrorId);
    }
}
