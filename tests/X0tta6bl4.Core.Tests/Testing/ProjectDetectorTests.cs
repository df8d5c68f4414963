// Tests pass their own tokens where cancellation is the subject; elsewhere the runner has nothing to cancel.
#pragma warning disable xUnit1051
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing;

namespace X0tta6bl4.Core.Tests.Testing;

public sealed class ProjectDetectorTests
{
    private static string Tree(params string[] files)
    {
        var root = Directory.CreateTempSubdirectory("x0-detect-").FullName;
        foreach (var f in files)
        {
            var path = Path.Combine(root, f);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, f.EndsWith(".psd1", StringComparison.Ordinal) ? "@{ ModuleVersion = '1.0.0' }" : f.EndsWith("setup.cfg", StringComparison.Ordinal) ? "[flake8]\nmax-line-length = 100\n" : "x");
        }
        return root;
    }

    [Fact]
    public void A_repository_with_several_projects_yields_each_once()
    {
        var root = Tree(
            "pyproject.toml", "src/pkg/sub/pyproject.toml",                 // nested Python: the outer project owns it
            "dotnet/App.sln", "dotnet/src/App/App.csproj",                  // a solution owns its projects
            "tools/Mod/Mod.psd1", "tools/Mod/tests/Mod.Tests.ps1",          // a module with Pester tests
            "tools/Data/Data.psd1",                                         // a manifest without tests is not gated
            ".venv/lib/pyproject.toml", "node_modules/x/x.csproj",          // environments and dependencies are skipped
            "docs/setup.cfg");                                              // a setup.cfg with only tool settings
        var found = ProjectDetector.Detect(root);
        Assert.Equal(new[] { (ProjectKind.Python, "."), (ProjectKind.DotNet, "dotnet"), (ProjectKind.PowerShell, "tools/Mod") },
            found.Select(p => (p.Kind, p.RelativePath)));
        Assert.EndsWith("App.sln", found[1].Target);
    }

    [Fact]
    public void Loose_project_files_are_gated_one_by_one()
    {
        var root = Tree("src/Lib/Lib.csproj", "tests/Lib.Tests/Lib.Tests.csproj");
        Assert.Equal(new[] { "src/Lib", "tests/Lib.Tests" }, ProjectDetector.Detect(root).Select(p => p.RelativePath));
    }

    [Fact]
    public void A_missing_folder_and_an_empty_one_are_errors()
    {
        Assert.Equal(ErrorIds.PathNotFound, Assert.Throws<X0Exception>(() => ProjectDetector.Detect("/no/such/folder/x0")).ErrorId);
        Assert.Equal(ErrorIds.NotAProject, Assert.Throws<X0Exception>(() => ProjectDetector.Detect(Tree("README.md"))).ErrorId);
    }

    [Fact]
    public void Gate_settings_are_known_keys_and_invalid_ones_are_rejected()
    {
        var root = Tree();
        File.WriteAllText(Path.Combine(root, "x0tta6bl4.toml"), "coverage_threshold = 80\npython_versions = [\"3.11\"]\n[gates]\nlint = [\"flake8\", { tool = \"ruff\", args = [\"--select\", \"E\"] }]\nformat = \"none\"\n");
        Assert.Empty(ConfigLoader.Load(root).Warnings);
        var project = new DetectedProject(ProjectKind.Python, root, Path.Combine(root, "pyproject.toml"), ".");
        var settings = GateSettings.Load(project, root);
        Assert.Equal(80, settings.CoverageThreshold);
        Assert.Equal(new[] { "3.11" }, settings.PythonVersions);
        Assert.Equal(new[] { "flake8", "ruff" }, settings.Tools[GateKind.Lint].Select(t => t.Tool));
        Assert.Equal(new[] { "--select", "E" }, settings.Tools[GateKind.Lint][1].Arguments);
        Assert.Empty(settings.Tools[GateKind.Format]);
        Assert.Equal("mypy", Assert.Single(settings.Tools[GateKind.Type]).Tool);

        File.WriteAllText(Path.Combine(root, "x0tta6bl4.toml"), "[gates]\ntype = \"pyright\"\n");
        var ex = Assert.Throws<X0Exception>(() => GateSettings.Load(project, root));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
        Assert.Contains("pyright", ex.Message);
    }
}
