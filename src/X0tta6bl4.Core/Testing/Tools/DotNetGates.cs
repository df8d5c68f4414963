using System.Security.Cryptography;
using System.Text.Json;

namespace X0tta6bl4.Core.Testing.Tools;

/// <summary>Shared by the .NET gates: finding the dotnet host.</summary>
internal static class DotNetHost
{
    public const string Hint = "Install the .NET SDK (8.0 or later) and make sure dotnet is on PATH or DOTNET_ROOT is set";

    public static string? Find(ToolLocator locator)
    {
        if (locator.FindOnPath("dotnet") is { } onPath) return onPath;
        if (locator.Env("DOTNET_ROOT") is { } root)
        {
            var candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            if (File.Exists(candidate)) return candidate;
        }
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? current : null;
    }

    /// <summary>True when the project file (or a project below a solution's folder) is a test project.</summary>
    public static bool IsTestProject(string projectFile)
    {
        var text = File.ReadAllText(projectFile);
        return text.Contains("Microsoft.NET.Test.Sdk", StringComparison.OrdinalIgnoreCase) ||
               text.Contains("<IsTestProject>true</IsTestProject>", StringComparison.OrdinalIgnoreCase) ||
               text.Contains("MSTest.Sdk", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True when the project configures its test run itself (a .runsettings file, or RunSettingsFilePath in a project or props file).</summary>
    public static bool HasRunSettings(string root) =>
        ProjectFiles(root, "*.runsettings").Any() ||
        ProjectFiles(root, "*.csproj", "*.fsproj", "*.vbproj", "*.props").Any(f => File.ReadAllText(f).Contains("RunSettingsFilePath", StringComparison.Ordinal));

    /// <summary>Assembly names of the test projects and of every project under a tests/ or test/ folder.</summary>
    public static IReadOnlyList<string> TestAssemblies(string root)
    {
        var names = new List<string>();
        foreach (var f in ProjectFiles(root, "*.csproj", "*.fsproj", "*.vbproj"))
        {
            var rel = Path.GetRelativePath(root, f).Replace('\\', '/').Split('/');
            var underTests = rel.Take(rel.Length - 1).Any(p => p.Equals("tests", StringComparison.OrdinalIgnoreCase) || p.Equals("test", StringComparison.OrdinalIgnoreCase));
            if (!underTests && !IsTestProject(f)) continue;
            var text = File.ReadAllText(f);
            var declared = System.Text.RegularExpressions.Regex.Match(text, @"<AssemblyName>\s*([^<$]+?)\s*</AssemblyName>");
            names.Add(declared.Success ? declared.Groups[1].Value : Path.GetFileNameWithoutExtension(f));
        }
        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> ProjectFiles(string root, params string[] patterns)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 5, IgnoreInaccessible = true };
        foreach (var pattern in patterns)
        {
            foreach (var f in Directory.EnumerateFiles(root, pattern, options))
            {
                var rel = Path.GetRelativePath(root, f).Replace('\\', '/');
                if (rel.Contains("/bin/", StringComparison.Ordinal) || rel.Contains("/obj/", StringComparison.Ordinal) || rel.StartsWith("bin/", StringComparison.Ordinal) || rel.StartsWith("obj/", StringComparison.Ordinal)) continue;
                yield return f;
            }
        }
    }

    /// <summary>True when some project or props file under <paramref name="root"/> references coverlet.collector.</summary>
    public static bool UsesCoverletCollector(string root)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 5, IgnoreInaccessible = true };
        foreach (var pattern in new[] { "*.csproj", "*.fsproj", "*.vbproj", "*.props" })
        {
            foreach (var f in Directory.EnumerateFiles(root, pattern, options))
            {
                var rel = Path.GetRelativePath(root, f).Replace('\\', '/');
                if (rel.Contains("/bin/", StringComparison.Ordinal) || rel.Contains("/obj/", StringComparison.Ordinal)) continue;
                if (File.ReadAllText(f).Contains("coverlet.collector", StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }
}

/// <summary>Test gate: dotnet test with the TRX logger and coverlet's Cobertura output when the project uses coverlet.collector.</summary>
internal sealed class DotNetTestJob : GateJob
{
    public DotNetTestJob(GateResult result, GateToolSetting setting) : base(result, setting) { }

    public override async Task RunAsync(GateRunContext ctx)
    {
        var dotnet = DotNetHost.Find(ctx.Locator);
        if (dotnet is null)
        {
            NotAvailable("dotnet is not on PATH", DotNetHost.Hint);
            return;
        }
        var isSolution = Project.Target.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || Project.Target.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase);
        if (!isSolution && !DotNetHost.IsTestProject(Project.Target))
        {
            Result.Status = GateStatus.Skipped;
            Result.Message = $"{Path.GetFileName(Project.Target)} is not a test project";
            return;
        }
        var results = Path.Combine(ctx.WorkDirectory, $"dotnet-test-{Slug}");
        if (Directory.Exists(results)) Directory.Delete(results, recursive: true);
        var args = new List<string> { "test", Project.Target, "--nologo", "--logger", "trx;LogFilePrefix=x0", "--results-directory", results };
        var inlineSettings = new List<string>();
        if (DotNetHost.UsesCoverletCollector(Project.Root))
        {
            args.AddRange(["--collect", "XPlat Code Coverage"]);
            var exclude = Setting.Arguments.Count == 0 && !DotNetHost.HasRunSettings(Project.Root) ? DotNetHost.TestAssemblies(Project.Root) : Array.Empty<string>();
            if (exclude.Count > 0)
            {
                // Coverage of the project's own code: test projects and helpers under tests/ are not what is measured.
                inlineSettings.AddRange(["--", $"DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Exclude={string.Join(',', exclude.Select(a => $"[{a}]*"))}"]);
                ctx.X0.Log.Verbose($"coverlet leaves out {string.Join(", ", exclude)}");
            }
        }
        else
        {
            ctx.X0.Log.Verbose($"{Project.RelativePath} does not reference coverlet.collector: no coverage.");
        }
        var r = await RunToolAsync(ctx, new ToolCommand(dotnet), args.Concat(inlineSettings)).ConfigureAwait(false);
        if (r is null) return;
        var build = DiagnosticParsers.MsBuild(r.StandardOutput + "\n" + r.StandardError, "dotnet build", Project.Root, ctx.RunRoot);
        Result.Diagnostics.AddRange(build);

        var trx = Directory.Exists(results)
            ? Directory.EnumerateFiles(results, "*.trx", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToList()
            : new List<string>();
        if (trx.Count == 0)
        {
            var errors = build.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                Fail($"the build failed with {errors.Count} error(s); first: {errors[0].File}({errors[0].Line},{errors[0].Column}): {errors[0].Code} {errors[0].Message}");
                return;
            }
            if (r.ExitCode == 0)
            {
                Fail("dotnet test found no test to run (no TRX report was written)");
                return;
            }
        }
        FinishTestGate(r, trx, DistinctCoverage(results), ctx);
    }

    /// <summary>The collector leaves copies of the same report in several folders: keep one per content.</summary>
    private static IReadOnlyList<string> DistinctCoverage(string results)
    {
        if (!Directory.Exists(results)) return Array.Empty<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        foreach (var f in Directory.EnumerateFiles(results, "coverage.cobertura.xml", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(f);
            if (seen.Add(Convert.ToHexString(SHA256.HashData(stream)))) list.Add(f);
        }
        return list;
    }
}

/// <summary>Format gate: dotnet format --verify-no-changes with its JSON report.</summary>
internal sealed class DotNetFormatJob : GateJob
{
    public DotNetFormatJob(GateResult result, GateToolSetting setting) : base(result, setting) { }

    public override async Task RunAsync(GateRunContext ctx)
    {
        var dotnet = DotNetHost.Find(ctx.Locator);
        if (dotnet is null)
        {
            NotAvailable("dotnet is not on PATH", DotNetHost.Hint);
            return;
        }
        var reportDir = Path.Combine(ctx.WorkDirectory, $"dotnet-format-{Slug}");
        if (Directory.Exists(reportDir)) Directory.Delete(reportDir, recursive: true);
        Directory.CreateDirectory(reportDir);
        var r = await RunToolAsync(ctx, new ToolCommand(dotnet), ["format", Project.Target, "--verify-no-changes", "--report", reportDir]).ConfigureAwait(false);
        if (r is null) return;
        var diagnostics = new List<GateDiagnostic>();
        var report = Path.Combine(reportDir, "format-report.json");
        if (File.Exists(report))
        {
            try
            {
                diagnostics = DiagnosticParsers.DotnetFormatReport(File.ReadAllText(report), Project.Root, ctx.RunRoot);
            }
            catch (JsonException)
            {
                // The text output carries the same findings.
            }
        }
        if (diagnostics.Count == 0)
        {
            diagnostics = DiagnosticParsers.MsBuild(r.StandardOutput + "\n" + r.StandardError, "dotnet-format", Project.Root, ctx.RunRoot);
        }
        FinishDiagnosticGate(r, diagnostics, new HashSet<int> { 2 }, "formatting change");
    }
}
