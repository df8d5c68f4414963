using System.Globalization;
using Tomlyn.Model;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Testing;

/// <summary>One tool configured for a gate, with extra arguments.</summary>
public sealed record GateToolSetting(string Tool, IReadOnlyList<string> Arguments);

/// <summary>
/// The gate settings of one project, from [tool.x0tta6bl4] / x0tta6bl4.toml:
/// <code>
/// coverage_threshold = 75
/// python_versions = ["3.10", "3.11", "3.12"]
/// pester_path = "tools/Pester/5.7.1/Pester.psd1"
/// [tool.x0tta6bl4.gates]
/// lint = "ruff"                      # a tool, a list of tools, or "none"
/// format = { tool = "ruff" }
/// test = { tool = "pytest", args = ["-x"] }
/// </code>
/// </summary>
public sealed class GateSettings
{
    public const string GatesKey = "gates";
    public const string CoverageThresholdKey = "coverage_threshold";
    public const string PythonVersionsKey = "python_versions";
    public const string PesterPathKey = "pester_path";
    /// <summary>Gates whose tool may be missing without failing a strict run or a release: ["type", "format"].</summary>
    public const string OptionalGatesKey = "optional_gates";
    /// <summary>Files Pester measures, instead of the module's scripts outside its tests (globs relative to the project).</summary>
    public const string PesterCoverageKey = "pester_coverage";
    /// <summary>Reports a release gates on instead of running the tests (an earlier job's junit.xml, coverage.xml; globs).</summary>
    public const string TestReportsKey = "test_reports";

    /// <summary>Default tools per ecosystem and gate: the reference pipeline's.</summary>
    public static IReadOnlyList<string> Defaults(ProjectKind kind, GateKind gate) => (kind, gate) switch
    {
        (ProjectKind.Python, GateKind.Test) => ["pytest"],
        (ProjectKind.Python, GateKind.Lint) => ["flake8"],
        (ProjectKind.Python, GateKind.Type) => ["mypy"],
        (ProjectKind.Python, GateKind.Format) => ["black"],
        (ProjectKind.DotNet, GateKind.Test) => ["dotnet-test"],
        (ProjectKind.DotNet, GateKind.Format) => ["dotnet-format"],
        (ProjectKind.PowerShell, GateKind.Test) => ["pester"],
        (ProjectKind.PowerShell, GateKind.Lint) => ["psscriptanalyzer"],
        _ => [],
    };

    /// <summary>Tools a gate may be configured to use, per ecosystem.</summary>
    public static IReadOnlyList<string> Allowed(ProjectKind kind, GateKind gate) => (kind, gate) switch
    {
        (ProjectKind.Python, GateKind.Test) => ["pytest"],
        (ProjectKind.Python, GateKind.Lint) => ["flake8", "ruff"],
        (ProjectKind.Python, GateKind.Type) => ["mypy"],
        (ProjectKind.Python, GateKind.Format) => ["black", "ruff"],
        (ProjectKind.DotNet, GateKind.Test) => ["dotnet-test"],
        (ProjectKind.DotNet, GateKind.Format) => ["dotnet-format"],
        (ProjectKind.PowerShell, GateKind.Test) => ["pester"],
        (ProjectKind.PowerShell, GateKind.Lint) => ["psscriptanalyzer"],
        _ => [],
    };

    public Dictionary<GateKind, IReadOnlyList<GateToolSetting>> Tools { get; } = new();
    public double? CoverageThreshold { get; private init; }
    public IReadOnlyList<string>? PythonVersions { get; private init; }
    public string? PesterPath { get; private init; }
    public IReadOnlySet<GateKind> OptionalGates { get; private init; } = new HashSet<GateKind>();
    public IReadOnlyList<string>? PesterCoverage { get; private init; }
    public IReadOnlyList<string> Warnings { get; private init; } = Array.Empty<string>();
    public IReadOnlyList<string> Sources { get; private init; } = Array.Empty<string>();

    /// <summary>coverage_threshold of the configuration at <paramref name="root"/>, or null.</summary>
    public static double? LoadThreshold(string root) => Load(new DetectedProject(ProjectKind.Report, root, root, "."), root).CoverageThreshold;

    public static GateSettings Load(DetectedProject project, string runRoot)
    {
        var config = ConfigLoader.Load(project.Root);
        if (config.Sources.Count == 0 && !string.Equals(Path.GetFullPath(project.Root), Path.GetFullPath(runRoot), StringComparison.Ordinal))
        {
            // A project without its own settings inherits the repository's.
            var outer = ConfigLoader.Load(runRoot);
            if (outer.Sources.Count > 0) config = outer;
        }
        var table = config.Settings;
        var source = config.Sources.Count > 0 ? config.Sources[0] : "defaults";
        var warnings = config.Warnings.ToList();

        double? threshold = null;
        if (table.TryGetValue(CoverageThresholdKey, out var t))
        {
            threshold = t switch
            {
                long l => l,
                double d => d,
                string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => p,
                _ => throw Invalid(source, $"{CoverageThresholdKey} must be a number from 0 to 100"),
            };
            if (threshold is < 0 or > 100) throw Invalid(source, $"{CoverageThresholdKey} = {threshold} is outside 0..100");
        }

        IReadOnlyList<string>? versions = null;
        if (table.TryGetValue(PythonVersionsKey, out var pv))
        {
            versions = pv switch
            {
                TomlArray a => a.Select(x => Convert.ToString(x, CultureInfo.InvariantCulture) ?? string.Empty).Where(x => x.Length > 0).ToList(),
                string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                _ => throw Invalid(source, $"{PythonVersionsKey} must be a list such as [\"3.11\", \"3.12\"]"),
            };
        }

        var result = new GateSettings
        {
            OptionalGates = ParseGateList(table, OptionalGatesKey, source),
            PesterCoverage = table.TryGetValue(PesterCoverageKey, out var pc)
                ? pc is TomlArray pa ? pa.OfType<string>().ToList() : pc is string ps ? [ps] : throw Invalid(source, $"{PesterCoverageKey} must be a list of paths or globs")
                : null,
            CoverageThreshold = threshold,
            PythonVersions = versions,
            PesterPath = ConfigLoader.Str(table, PesterPathKey) is { } pp ? Path.GetFullPath(Path.Combine(config.Root, pp)) : null,
            Warnings = warnings,
            Sources = config.Sources,
        };

        var gates = table.TryGetValue(GatesKey, out var g) ? g as TomlTable ?? throw Invalid(source, $"[{GatesKey}] must be a table") : null;
        foreach (var gate in new[] { GateKind.Test, GateKind.Lint, GateKind.Type, GateKind.Format })
        {
            var key = gate.ToString().ToLowerInvariant();
            if (gates is null || !gates.TryGetValue(key, out var value))
            {
                result.Tools[gate] = Defaults(project.Kind, gate).Select(x => new GateToolSetting(x, Array.Empty<string>())).ToList();
                continue;
            }
            var entries = value switch
            {
                string s => new List<object> { s },
                TomlTable tt => new List<object> { tt },
                TomlArray a => a.Cast<object>().ToList(),
                TomlTableArray ta => ta.Cast<object>().ToList(),
                bool b when !b => new List<object>(),
                _ => throw Invalid(source, $"gates.{key} must be a tool name, a table {{ tool = \"…\", args = […] }}, a list of them, or \"none\""),
            };
            var tools = new List<GateToolSetting>();
            var ignoredForKind = 0;
            foreach (var e in entries)
            {
                string tool;
                IReadOnlyList<string> args = Array.Empty<string>();
                if (e is string s) tool = s;
                else if (e is TomlTable tt)
                {
                    tool = ConfigLoader.Str(tt, "tool") ?? throw Invalid(source, $"gates.{key} needs tool = \"…\"");
                    if (tt.TryGetValue("args", out var a))
                    {
                        args = a is TomlArray arr ? arr.Select(x => Convert.ToString(x, CultureInfo.InvariantCulture) ?? string.Empty).ToList()
                            : throw Invalid(source, $"gates.{key}.args must be a list of strings");
                    }
                }
                else throw Invalid(source, $"gates.{key} entries must be tool names or tables");
                tool = tool.Trim().ToLowerInvariant();
                if (tool is "none" or "") continue;
                if (tool is "ruff-format" && gate == GateKind.Format) tool = "ruff";
                var allowed = Allowed(project.Kind, gate);
                if (!allowed.Contains(tool))
                {
                    if (Enum.GetValues<ProjectKind>().Any(k => k != project.Kind && Allowed(k, gate).Contains(tool)))
                    {
                        // A repository-wide setting meant for another ecosystem: not this project's business.
                        ignoredForKind++;
                        continue;
                    }
                    throw Invalid(source, $"gates.{key} = \"{tool}\" is not a {gate} tool for {project.Kind} projects (allowed: {string.Join(", ", allowed.DefaultIfEmpty("none"))})");
                }
                tools.Add(new GateToolSetting(tool, args));
            }
            result.Tools[gate] = tools.Count == 0 && ignoredForKind > 0
                ? Defaults(project.Kind, gate).Select(x => new GateToolSetting(x, Array.Empty<string>())).ToList()
                : tools;
        }
        if (gates is not null)
        {
            foreach (var unknown in gates.Keys.Where(k => k is not ("test" or "lint" or "type" or "format")))
            {
                warnings.Add($"Unknown gate '{unknown}' in [{GatesKey}] of {source} is ignored (known: test, lint, type, format).");
            }
        }
        return result;
    }

    /// <summary>A list of gate names ("test", "lint", "type", "format", "coverage"), or "all".</summary>
    public static IReadOnlySet<GateKind> ParseGateList(TomlTable table, string key, string source)
    {
        if (!table.TryGetValue(key, out var value)) return new HashSet<GateKind>();
        var names = value switch
        {
            TomlArray a => a.Select(x => Convert.ToString(x, CultureInfo.InvariantCulture) ?? string.Empty).ToList(),
            string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            _ => throw Invalid(source, $"{key} must be a list of gate names such as [\"type\", \"format\"]"),
        };
        return ParseGateNames(names, $"{key} in {source}");
    }

    /// <summary>Gate names as a user types them ("Lint", "type", "all") → gates; an unknown name is an error naming <paramref name="source"/>.</summary>
    public static IReadOnlySet<GateKind> ParseGateNames(IEnumerable<string> names, string source)
    {
        var set = new HashSet<GateKind>();
        foreach (var name in names)
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase)) set.UnionWith(Enum.GetValues<GateKind>());
            else if (Enum.TryParse<GateKind>(name, ignoreCase: true, out var kind) && Enum.IsDefined(kind)) set.Add(kind);
            else throw Invalid(source, $"'{name}' is no gate (test, lint, type, format, coverage, or all)");
        }
        return set;
    }

    private static X0Exception Invalid(string source, string problem) =>
        new(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData, "valid gate settings", $"{problem} in {source}",
            "Fix the setting; see Get-Help Invoke-X0Test -Full for the format", source);
}
