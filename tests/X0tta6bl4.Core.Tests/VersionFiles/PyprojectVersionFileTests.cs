using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.VersionFiles;

public class PyprojectVersionFileTests
{
    private static VersionFile Project(string path, string root) => new PyprojectVersionFile(path, root);
    private static VersionFile Poetry(string path, string root) => new PyprojectVersionFile(path, root, "tool.poetry");

    [Theory]
    [InlineData(FixtureEncoding.Utf8)]
    [InlineData(FixtureEncoding.Utf8Bom)]
    [InlineData(FixtureEncoding.Utf16LeBom)]
    public void Crlf_file_in_each_encoding_changes_only_the_version_bytes(FixtureEncoding encoding)
    {
        var fixture = ByteFixture.Of(
            "[build-system]  # hatch\r\nrequires = [\"hatchling\"]\r\n\r\n[project]\r\nname = \"mape_k\"\r\n" +
            "version = \"{{3.2.0|3.3.0}}\"\r\ndescription = \"Über 3.2.0\"\r\n", encoding);
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Project, "pyproject.toml", "3.3.0"));
    }

    [Fact]
    public void No_final_newline_stays_without_one()
    {
        var fixture = ByteFixture.Of("[project]\nname = \"x\"\nversion = \"{{1.2.3|1.2.4}}\"");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Project, "pyproject.toml", "1.2.4"));
    }

    [Fact]
    public void Mixed_line_endings_and_tabs_survive()
    {
        var fixture = ByteFixture.Of(
            "[project]\r\nname = \"x\"\n\tversion\t=\t'{{1.2.3|2.0.0}}'   # the release\r\n  dependencies = [\n\t\"dep>=1.2.3\",\r\n]\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Project, "pyproject.toml", "2.0.0"));
    }

    [Fact]
    public void Version_twice_in_the_file_only_the_anchored_key_changes()
    {
        var fixture = ByteFixture.Of(
            "[project]\nname = \"x\"\nversion = \"{{1.2.3|1.3.0}}\"\ndependencies = [\"dep>=1.2.3\", \"other==1.2.3\"]\n\n" +
            "[tool.other]\nversion = \"1.2.3\"\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Project, "pyproject.toml", "1.3.0"));
    }

    [Fact]
    public void Poetry_table_gets_pep440_prerelease_spelling()
    {
        var fixture = ByteFixture.Of("[tool.poetry]\nname = \"x\"\nversion = \"{{1.2.3|1.3.0rc1}}\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n");
        fixture.Rewrite(Poetry, "pyproject.toml", "1.3.0-rc.1", out var reading);
        Assert.Equal("1.2.3", reading.Version.ToString());
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Poetry, "pyproject.toml", "1.3.0-rc.1"));
    }

    [Fact]
    public void Reads_pep440_prerelease_as_semver()
    {
        var fixture = ByteFixture.Of("[project]\nversion = \"{{1.2.0rc1|1.2.0rc2}}\"\n");
        var updated = fixture.Rewrite(Project, "pyproject.toml", "1.2.0-rc.2", out var reading);
        Assert.Equal("1.2.0-rc.1", reading.Version.ToString());
        fixture.AssertOnlyVersionBytesDiffer(updated);
    }

    [Fact]
    public void An_array_of_tables_header_ends_the_table()
    {
        // [[tool.x.entries]] right after [project] must not be read as part of [project].
        var fixture = ByteFixture.Of("[project]\nname = \"x\"\nversion = \"{{1.2.3|1.3.0}}\"\n[[tool.x.entries]]\nversion = \"9.9.9\"\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Project, "pyproject.toml", "1.3.0"));
    }

    [Fact]
    public void Missing_table_is_pattern_not_found()
    {
        var fixture = ByteFixture.Of("[tool.black]\nline-length = 100\n");
        var ex = Assert.Throws<X0Exception>(() => fixture.Rewrite(Project, "pyproject.toml", "1.0.0"));
        Assert.Equal(ErrorIds.PatternNotFound, ex.ErrorId);
        Assert.Contains("[project]", ex.Message);
    }
}
