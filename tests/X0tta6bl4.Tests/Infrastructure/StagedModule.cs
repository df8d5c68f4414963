using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;

namespace X0tta6bl4.Tests.Infrastructure;

/// <summary>The module as ./build.ps1 Build stages it, imported into runspaces of this test process.</summary>
public static class StagedModule
{
    private static readonly Lazy<string?> Manifest = new(Find);

    /// <summary>Path of out/x0tta6bl4/&lt;version&gt;/x0tta6bl4.psd1 for the repository's current version, or null.</summary>
    public static string? ManifestPath => Manifest.Value;

    /// <summary>Skips the test when the module is not staged (a failure in CI, where X0_REQUIRE_INTEGRATION=1).</summary>
    public static string ManifestOrSkip()
    {
        if (ManifestPath is null)
        {
            Assert.Skip("The staged module was not found: run ./build.ps1 Build (./build.ps1 Test does it first).");
        }
        return ManifestPath!;
    }

    /// <summary>A PowerShell with the default session state and the staged module imported.</summary>
    public static PowerShell CreateShell(out Runspace runspace)
    {
        var manifest = ManifestOrSkip();
        runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        var ps = PowerShell.Create(runspace);
        ps.AddCommand("Import-Module").AddParameter("Name", manifest).AddParameter("ErrorAction", "Stop").Invoke();
        ps.Commands.Clear();
        return ps;
    }

    private static string? Find()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("X0_MODULE_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var source = Path.Combine(dir.FullName, "x0tta6bl4.psd1");
            if (File.Exists(source) && File.Exists(Path.Combine(dir.FullName, "build.ps1")))
            {
                var version = Regex.Match(File.ReadAllText(source), @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;
                var staged = Path.Combine(dir.FullName, "out", "x0tta6bl4", version, "x0tta6bl4.psd1");
                return File.Exists(staged) ? staged : null;
            }
        }
        return null;
    }
}
