// Tests pass their own tokens where cancellation is the subject; elsewhere the runner has nothing to cancel.
#pragma warning disable xUnit1051
using System.Xml.Linq;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Processes;
using X0tta6bl4.Core.Testing;

namespace X0tta6bl4.Core.Tests.Testing;

/// <summary>
/// Coverage measures the project's own code: with pytest, pytest-cov and coverage.py as they are, on the Debian
/// Python and on a virtual environment built from it, with and without the project's coverage configuration.
/// </summary>
public sealed class CoverageScopeTests
{
    private const string Module = "def double(x):\n    return 2 * x\n";
    private const string Extra = "def triple(x):\n    return 3 * x\n";
    private const string Test = "from mini import double\nfrom mini.extra import triple\n\n\ndef test_double():\n    assert double(2) == 4\n    assert triple(1) == 3\n";

    /// <summary>A src-layout project with no coverage configuration at all: one package, fully covered by its test.</summary>
    private static PythonProject Minimal(string name)
    {
        var p = new PythonProject(name);
        p.Write("pyproject.toml", "[project]\nname = \"mini\"\nversion = \"0.1.0\"\n\n[tool.pytest.ini_options]\npythonpath = [\"src\"]\n");
        File.Delete(Path.Combine(p.Root, "src", "calc", "__init__.py"));
        Directory.Delete(Path.Combine(p.Root, "src", "calc"));
        File.Delete(Path.Combine(p.Root, "tests", "test_calc.py"));
        p.Write("src/mini/__init__.py", Module).Write("src/mini/extra.py", Extra).Write("tests/test_mini.py", Test);
        return p;
    }

    private static Task<TestRunResult> Run(string root, Action<Dictionary<string, string?>>? env = null)
    {
        var e = PythonProject.LocalEnvironment();
        env?.Invoke(e);
        return new TestGateRunner().RunAsync(new TestGateRequest { Path = root, Environment = e, Gates = [GateKind.Test], CoverageThreshold = 75 }, X0Context.None);
    }

    /// <summary>The files coverage.py measured, relative to the project, from the Cobertura file it wrote.</summary>
    private static List<string> MeasuredFiles(TestRunResult r)
    {
        var test = Assert.Single(r.Gates, g => g.Gate == GateKind.Test);
        var doc = XDocument.Load(Assert.Single(test.CoverageReports));
        var sources = doc.Descendants("source").Select(s => s.Value.Trim()).ToList();
        return doc.Descendants("class")
            .Select(c => c.Attribute("filename")!.Value)
            .Select(f => Path.IsPathRooted(f) ? f : Path.GetFullPath(Path.Combine(sources.FirstOrDefault() ?? r.Path, f)))
            .Select(f => Path.GetRelativePath(r.Path, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static void DebianPythonOnly(Dictionary<string, string?> env) => env["PATH"] = "/usr/bin:/bin";

    [Fact]
    public async Task Without_configuration_the_Debian_Python_measures_the_project_and_not_pytest()
    {
        PythonProject.RequireTools();
        using var p = Minimal("cov-debian");
        var r = await Run(p.Root, DebianPythonOnly);
        Assert.StartsWith("/usr/bin/python3 -m pytest", Assert.Single(r.Gates, g => g.Gate == GateKind.Test).Command);
        Assert.Equal(new[] { "src/mini/__init__.py", "src/mini/extra.py" }, MeasuredFiles(r));
        Assert.Equal(100, r.Coverage!.LinePercent);
        Assert.Equal(GateStatus.Passed, Assert.Single(r.Gates, g => g.Gate == GateKind.Coverage).Status);
        Assert.True(r.Succeeded);
    }

    [Fact]
    public async Task Without_configuration_a_virtualenv_with_system_packages_measures_the_project_only()
    {
        PythonProject.RequireTools();
        using var p = Minimal("cov-venv");
        var venv = await ProcessRunner.RunAsync(new ProcessSpec("/usr/bin/python3", ["-m", "venv", "--without-pip", "--system-site-packages", Path.Combine(p.Root, ".venv")], p.Root));
        Assert.True(venv.Succeeded, venv.StandardError);
        var r = await Run(p.Root, DebianPythonOnly);
        Assert.StartsWith(Path.Combine(p.Root, ".venv", "bin", "python") + " -m pytest", Assert.Single(r.Gates, g => g.Gate == GateKind.Test).Command);
        Assert.Equal(new[] { "src/mini/__init__.py", "src/mini/extra.py" }, MeasuredFiles(r));
        Assert.Equal(100, r.Coverage!.LinePercent);
    }

    [Fact]
    public async Task An_uncalled_module_of_the_project_counts_and_tests_never_do()
    {
        PythonProject.RequireTools();
        using var p = Minimal("cov-unused");
        p.Write("src/mini/unused.py", "def never():\n    return 1\n");
        var r = await Run(p.Root, DebianPythonOnly);
        Assert.Equal(new[] { "src/mini/__init__.py", "src/mini/extra.py", "src/mini/unused.py" }, MeasuredFiles(r));
        // 4 lines run of 6: coverage.py's own figure for these files.
        Assert.Equal(new CoverageSummary(4, 6, 0, 0), r.Coverage);
    }

    [Fact]
    public async Task A_flat_layout_measures_its_package_and_leaves_setup_and_tests_out()
    {
        PythonProject.RequireTools();
        using var p = Minimal("cov-flat");
        Directory.Move(Path.Combine(p.Root, "src", "mini"), Path.Combine(p.Root, "mini"));
        Directory.Delete(Path.Combine(p.Root, "src"));
        p.Write("pyproject.toml", "[project]\nname = \"mini\"\nversion = \"0.1.0\"\n");
        p.Write("setup.py", "from setuptools import setup\n\nif __name__ == '__main__':\n    setup()\n");
        p.Write("mini/tests/test_inner.py", "def test_inner():\n    assert True\n");
        var r = await Run(p.Root, DebianPythonOnly);
        Assert.Equal(new[] { "mini/__init__.py", "mini/extra.py" }, MeasuredFiles(r));
        Assert.Equal(2, r.Tests.Passed);
    }

    [Fact]
    public async Task Tool_coverage_run_omit_without_source_is_honoured()
    {
        PythonProject.RequireTools();
        using var p = Minimal("cov-omit");
        p.Append("pyproject.toml", "\n[tool.coverage.run]\nomit = [\"*/extra.py\"]\n");
        var r = await Run(p.Root, DebianPythonOnly);
        Assert.Equal(new[] { "src/mini/__init__.py" }, MeasuredFiles(r));
    }

    [Fact]
    public async Task A_coveragerc_source_decides_what_is_measured()
    {
        PythonProject.RequireTools();
        using var p = Minimal("cov-rc");
        p.Write(".coveragerc", "[run]\nsource = src/mini\nomit =\n    src/mini/__init__.py\n");
        var r = await Run(p.Root, DebianPythonOnly);
        Assert.Equal(new[] { "src/mini/extra.py" }, MeasuredFiles(r));
        Assert.DoesNotContain("--cov-config", Assert.Single(r.Gates, g => g.Gate == GateKind.Test).Command);
    }

    [Fact]
    public async Task Setup_cfg_coverage_run_source_decides_what_is_measured()
    {
        PythonProject.RequireTools();
        using var p = Minimal("cov-setupcfg");
        p.Write("setup.cfg", "[flake8]\nmax-line-length = 100\n\n[coverage:run]\nsource =\n    tests\n");
        var r = await Run(p.Root, DebianPythonOnly);
        // The project asked for its tests to be measured: its wish, not ours.
        Assert.Equal(new[] { "tests/test_mini.py" }, MeasuredFiles(r));
    }
}
