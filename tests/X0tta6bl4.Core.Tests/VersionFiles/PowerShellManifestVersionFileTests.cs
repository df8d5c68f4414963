using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.VersionFiles;

public class PowerShellManifestVersionFileTests
{
    private static VersionFile Manifest(string path, string root) => new PowerShellManifestVersionFile(path, root);

    private const string Template =
        "@{\r\n    RootModule = 'M.psm1'\r\n    ModuleVersion = '{{1.2.0|1.3.0}}'\r\n" +
        "    # ModuleVersion = '0.0.1'  (old)\r\n    <#\r\n    ModuleVersion = '0.0.2'\r\n    #>\r\n" +
        "    RequiredModules = @(\r\n        @{\r\n            ModuleName = 'Pester'\r\n            ModuleVersion = '5.0.0'\r\n        }\r\n    )\r\n" +
        "    PrivateData = @{\r\n        PSData = @{\r\n            Tags = @('a{b', 'release')\r\n            Prerelease = '{{|rc1}}'\r\n        }\r\n    }\r\n}\r\n";

    [Theory]
    [InlineData(FixtureEncoding.Utf8)]
    [InlineData(FixtureEncoding.Utf8Bom)]
    [InlineData(FixtureEncoding.Utf16LeBom)]
    public void ModuleVersion_and_Prerelease_change_and_nested_or_commented_versions_do_not(FixtureEncoding encoding)
    {
        var fixture = ByteFixture.Of(Template, encoding);
        var updated = fixture.Rewrite(Manifest, "M.psd1", "1.3.0-rc.1", out var reading);
        Assert.Equal("1.2.0", reading.Version.ToString());
        fixture.AssertOnlyVersionBytesDiffer(updated);
    }

    [Fact]
    public void Gallery_prerelease_rc1_reads_as_rc_dot_1_and_is_written_back_without_the_dot()
    {
        var fixture = ByteFixture.Of("@{\n  ModuleVersion = \"{{1.3.0|1.3.0}}\"\n  PrivateData = @{ PSData = @{\n    Prerelease = \"{{rc1|rc2}}\"\n  } }\n}\n");
        var updated = fixture.Rewrite(Manifest, "M.psd1", "1.3.0-rc.2", out var reading);
        Assert.Equal("1.3.0-rc.1", reading.Version.ToString());
        fixture.AssertOnlyVersionBytesDiffer(updated);
    }

    [Fact]
    public void Release_clears_Prerelease()
    {
        var fixture = ByteFixture.Of("@{\n  ModuleVersion = '{{1.3.0|1.3.0}}'\n  PrivateData = @{\n    PSData = @{\n      Prerelease = '{{beta7|}}'\n    }\n  }\n}");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Manifest, "M.psd1", "1.3.0"));
    }

    [Fact]
    public void Prerelease_without_a_Prerelease_entry_is_a_clear_error()
    {
        var fixture = ByteFixture.Of("@{\n  ModuleVersion = '1.2.0'\n}\n");
        var ex = Assert.Throws<X0Exception>(() => fixture.Rewrite(Manifest, "M.psd1", "1.3.0-rc.1"));
        Assert.Equal(ErrorIds.PatternNotFound, ex.ErrorId);
        Assert.Contains("Prerelease", ex.Message);
    }

    [Fact]
    public void Four_part_ModuleVersion_is_refused()
    {
        var fixture = ByteFixture.Of("@{ \n ModuleVersion = '1.2.3.4'\n}\n");
        Assert.Equal(ErrorIds.InvalidVersion, Assert.Throws<X0Exception>(() => fixture.Rewrite(Manifest, "M.psd1", "1.3.0")).ErrorId);
    }
}
