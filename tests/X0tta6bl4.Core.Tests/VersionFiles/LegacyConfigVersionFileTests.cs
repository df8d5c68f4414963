using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.VersionFiles;

public class LegacyConfigVersionFileTests
{
    [Theory]
    [InlineData(FixtureEncoding.Utf8)]
    [InlineData(FixtureEncoding.Utf8Bom)]
    public void Ini_current_version_in_a_crlf_file(FixtureEncoding encoding)
    {
        var fixture = ByteFixture.Of("[bumpversion]\r\ncurrent_version = {{1.2.3|1.3.0}}\r\ncommit = True\r\n\r\n[bumpversion:file:setup.py]\r\n", encoding);
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite((p, r) => new LegacyConfigVersionFile(p, r, "bumpversion", toml: false), ".bumpversion.cfg", "1.3.0"));
    }

    [Fact]
    public void Ini_section_in_setup_cfg_keeps_the_spelling_family()
    {
        var fixture = ByteFixture.Of("[metadata]\nversion = 1.2.0rc1\n\n[bumpversion]\ncurrent_version = {{1.2.0rc1|1.2.0rc2}}\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite((p, r) => new LegacyConfigVersionFile(p, r, "bumpversion", toml: false), "setup.cfg", "1.2.0-rc.2"));
    }

    [Fact]
    public void Toml_table_followed_by_files_array()
    {
        var fixture = ByteFixture.Of(
            "[project]\r\nversion = \"1.2.3\"\r\n\r\n[tool.bumpversion]\r\ncurrent_version = \"{{1.2.3|1.3.0}}\"\r\n\r\n[[tool.bumpversion.files]]\r\nfilename = \"src/x/__init__.py\"\r\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite((p, r) => new LegacyConfigVersionFile(p, r, "tool.bumpversion", toml: true), "pyproject.toml", "1.3.0"));
    }
}
