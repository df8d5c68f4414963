using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.VersionFiles;

public class PythonModuleVersionFileTests
{
    private static VersionFile Module(string path, string root) => new PythonModuleVersionFile(path, root);

    [Theory]
    [InlineData("__version__ = \"{{1.2.3|1.3.0}}\"\n")]
    [InlineData("__version__: str = \"{{1.2.3|1.3.0}}\"\n")]
    [InlineData("__version__: Final[str] = '{{1.2.3|1.3.0}}'")]
    [InlineData("\"\"\"Docs mention 1.2.3.\"\"\"\r\n\r\n__version__ = '{{1.2.3|1.3.0}}'  # keep\r\nREQUIRES = 'dep>=1.2.3'\r\n")]
    public void Rewrites_only_the_assignment(string template)
    {
        foreach (var encoding in Enum.GetValues<FixtureEncoding>())
        {
            var fixture = ByteFixture.Of(template, encoding);
            fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Module, "__init__.py", "1.3.0"));
        }
    }

    [Fact]
    public void Writes_dev_and_post_in_pep440()
    {
        var fixture = ByteFixture.Of("__version__ = \"{{1.3.0.dev2|1.3.0.dev3}}\"\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Module, "_version.py", "1.3.0-dev.3"));
    }

    [Fact]
    public void Indented_assignment_is_not_the_module_version()
    {
        var fixture = ByteFixture.Of("def f():\n    __version__ = \"0.0.1\"\n__version__ = \"{{1.2.3|1.2.4}}\"\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Module, "__init__.py", "1.2.4"));
    }

    [Fact]
    public void Two_assignments_are_ambiguous()
    {
        var fixture = ByteFixture.Of("__version__ = \"1.2.3\"\nif X:\n    pass\n__version__ = \"1.2.3\"\n");
        var ex = Assert.Throws<X0Exception>(() => fixture.Rewrite(Module, "__init__.py", "1.2.4"));
        Assert.Equal(ErrorIds.PatternAmbiguous, ex.ErrorId);
        Assert.Contains("lines 1, 4", ex.Message);
    }
}
