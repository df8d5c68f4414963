using Microsoft.Extensions.FileSystemGlobbing;
using System.Text.Json;

namespace X0tta6bl4.Core.Testing.Tools;

/// <summary>Shared by the PowerShell gates: the pwsh to start and the scripts it runs.</summary>
internal static class PowerShellHost
{
    public const string Hint = "Install PowerShell 7 (pwsh) and put it on PATH";

    public static ToolCommand? Find(GateRunContext ctx) =>
        ctx.PowerShell ?? (ctx.Locator.FindOnPath("pwsh") is { } p ? new ToolCommand(p) : null);

    public static IEnumerable<string> FileArguments(string script) => ["-NoProfile", "-NonInteractive", "-File", script];

    public const string PesterScript = """
        param([string] $PesterPath, [string] $Root, [string] $JUnitPath, [string] $CoveragePath, [string] $CoverageList)
        $ErrorActionPreference = 'Stop'
        if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
        Import-Module $PesterPath -Force
        $config = New-PesterConfiguration
        $config.Run.Path = $Root
        $config.Run.PassThru = $true
        $config.Output.Verbosity = 'Normal'
        $config.TestResult.Enabled = $true
        $config.TestResult.OutputFormat = 'JUnitXml'
        $config.TestResult.OutputPath = $JUnitPath
        $files = @(Get-Content -LiteralPath $CoverageList | Where-Object { $_ })
        if ($files.Count -gt 0) {
            $config.CodeCoverage.Enabled = $true
            $config.CodeCoverage.Path = $files
            $config.CodeCoverage.OutputFormat = 'Cobertura'
            $config.CodeCoverage.OutputPath = $CoveragePath
        }
        $result = Invoke-Pester -Configuration $config
        if ($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount -gt 0) { exit 1 }
        exit 0
        """;

    public const string AnalyzerScript = """
        param([string] $ModulePath, [string] $Root, [string] $OutputPath)
        $ErrorActionPreference = 'Stop'
        Import-Module $ModulePath -Force
        $arguments = @{ Path = $Root; Recurse = $true }
        $settings = Join-Path $Root 'PSScriptAnalyzerSettings.psd1'
        if (Test-Path -LiteralPath $settings) { $arguments.Settings = $settings }
        $records = @(Invoke-ScriptAnalyzer @arguments | Select-Object RuleName, Severity, ScriptName, ScriptPath, Line, Column, Message)
        ConvertTo-Json -InputObject $records -Depth 3 -EnumsAsStrings | Set-Content -LiteralPath $OutputPath -Encoding utf8NoBOM
        exit 0
        """;
}

/// <summary>Test gate: Pester 5+ with JUnit XML and Cobertura coverage of the module's scripts.</summary>
internal sealed class PesterJob : GateJob
{
    private readonly string? _configuredPester;
    private readonly IReadOnlyList<string>? _coverage;

    public PesterJob(GateResult result, GateToolSetting setting, string? configuredPester, IReadOnlyList<string>? coverage = null) : base(result, setting)
    {
        _configuredPester = configuredPester;
        _coverage = coverage;
    }

    public override async Task RunAsync(GateRunContext ctx)
    {
        var pwsh = PowerShellHost.Find(ctx);
        if (pwsh is null)
        {
            NotAvailable("pwsh is not on PATH", PowerShellHost.Hint);
            return;
        }
        var (pester, searched) = ctx.Locator.FindPester(_configuredPester);
        if (pester is null)
        {
            NotAvailable($"Pester 5 or later was not found (searched: {string.Join("; ", searched)})",
                "Install-PSResource Pester (or Install-Module Pester -MinimumVersion 5.0); or set pester_path in [tool.x0tta6bl4] or the X0_PESTER_PATH environment variable to Pester.psd1");
            return;
        }
        ctx.X0.Log.Verbose($"Pester: {pester}");
        var script = Path.Combine(ctx.ScriptDirectory, $"x0-pester-{Slug}.ps1");
        await File.WriteAllTextAsync(script, PowerShellHost.PesterScript, ctx.Cancellation).ConfigureAwait(false);
        var junit = Path.Combine(ctx.WorkDirectory, $"pester-{Slug}.xml");
        var coverage = Path.Combine(ctx.WorkDirectory, $"pester-coverage-{Slug}.xml");
        var list = Path.Combine(ctx.WorkDirectory, $"pester-coverage-{Slug}.txt");
        var files = _coverage is null ? CoveredScripts(Project.Root) : ConfiguredScripts(Project.Root, _coverage);
        await File.WriteAllLinesAsync(list, files, ctx.Cancellation).ConfigureAwait(false);
        foreach (var stale in new[] { junit, coverage }.Where(File.Exists)) File.Delete(stale);

        var r = await RunToolAsync(ctx, pwsh, PowerShellHost.FileArguments(script).Concat(
            ["-PesterPath", pester, "-Root", Project.Root, "-JUnitPath", junit, "-CoveragePath", coverage, "-CoverageList", list])).ConfigureAwait(false);
        if (r is null) return;
        FinishTestGate(r, [junit], files.Count > 0 ? [coverage] : [], ctx);
    }

    /// <summary>Build and CI scripts at a module's root are not the module's code.</summary>
    private static readonly HashSet<string> BuildScripts = new(StringComparer.OrdinalIgnoreCase)
    {
        "build.ps1", "psakefile.ps1", "build.psake.ps1", "install.ps1", "bootstrap.ps1", "publish.ps1", "requirements.psd1",
    };

    /// <summary>The module's own scripts: not its tests (*.Tests.ps1, tests/ and test/ folders with their helpers), not its build scripts.</summary>
    internal static List<string> CoveredScripts(string root)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 6, IgnoreInaccessible = true };
        return new[] { "*.psm1", "*.ps1" }
            .SelectMany(p => Directory.EnumerateFiles(root, p, options))
            .Where(f => !f.EndsWith(".Tests.ps1", StringComparison.OrdinalIgnoreCase) && !f.EndsWith(".build.ps1", StringComparison.OrdinalIgnoreCase))
            .Where(f => !(Path.GetDirectoryName(f) == root.TrimEnd(Path.DirectorySeparatorChar) && BuildScripts.Contains(Path.GetFileName(f))))
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).SkipLast(1).Any(part =>
                part.StartsWith('.') || part is "bin" or "obj" or "out" or "artifacts" || part.Equals("tests", StringComparison.OrdinalIgnoreCase) || part.Equals("test", StringComparison.OrdinalIgnoreCase)))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>pester_coverage: paths or globs relative to the project.</summary>
    internal static List<string> ConfiguredScripts(string root, IReadOnlyList<string> patterns)
    {
        var matcher = new Matcher(StringComparison.Ordinal);
        foreach (var p in patterns) matcher.AddInclude(p.Replace('\\', '/'));
        return matcher.GetResultsInFullPath(root).Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
    }
}

/// <summary>Lint gate: PSScriptAnalyzer when it is installed (its records as JSON).</summary>
internal sealed class ScriptAnalyzerJob : GateJob
{
    public ScriptAnalyzerJob(GateResult result, GateToolSetting setting) : base(result, setting) { }

    public override async Task RunAsync(GateRunContext ctx)
    {
        var module = ctx.Locator.FindModule("PSScriptAnalyzer", new Version(1, 0));
        if (module is null)
        {
            NotAvailable("PSScriptAnalyzer is not installed (not found on PSModulePath)",
                "Install-PSResource PSScriptAnalyzer (or Install-Module PSScriptAnalyzer); to skip the gate set lint = \"none\" under [tool.x0tta6bl4.gates]");
            return;
        }
        var pwsh = PowerShellHost.Find(ctx);
        if (pwsh is null)
        {
            NotAvailable("pwsh is not on PATH", PowerShellHost.Hint);
            return;
        }
        var script = Path.Combine(ctx.ScriptDirectory, $"x0-analyzer-{Slug}.ps1");
        await File.WriteAllTextAsync(script, PowerShellHost.AnalyzerScript, ctx.Cancellation).ConfigureAwait(false);
        var output = Path.Combine(ctx.WorkDirectory, $"psscriptanalyzer-{Slug}.json");
        if (File.Exists(output)) File.Delete(output);
        var r = await RunToolAsync(ctx, pwsh, PowerShellHost.FileArguments(script).Concat(["-ModulePath", module, "-Root", Project.Root, "-OutputPath", output])).ConfigureAwait(false);
        if (r is null) return;
        if (r.ExitCode != 0 || !File.Exists(output))
        {
            Fail($"PSScriptAnalyzer failed with exit code {r.ExitCode}. Last output:\n{LastLines()}");
            return;
        }
        List<GateDiagnostic> diagnostics;
        try
        {
            diagnostics = DiagnosticParsers.PSScriptAnalyzer(await File.ReadAllTextAsync(output, ctx.Cancellation).ConfigureAwait(false), Project.Root, ctx.RunRoot);
        }
        catch (JsonException ex)
        {
            Fail($"PSScriptAnalyzer wrote unreadable output ({ex.Message})");
            return;
        }
        var blocking = diagnostics.Count(d => d.Severity != DiagnosticSeverity.Information);
        // Findings decide, not the exit code (the script always exits 0 once it has written them).
        FinishDiagnosticGate(r with { ExitCode = blocking > 0 ? 1 : 0 }, diagnostics, new HashSet<int> { 1 }, "finding");
    }
}
