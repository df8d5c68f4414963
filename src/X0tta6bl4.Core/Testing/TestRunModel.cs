using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Testing;

/// <summary>The ecosystems a repository can hold; each detected project is gated on its own. Report: a report file read by Import-X0TestReport.</summary>
public enum ProjectKind { Python, DotNet, PowerShell, Report }

/// <summary>The quality gates. Coverage is derived from the Test gate when a threshold applies.</summary>
public enum GateKind { Test, Lint, Type, Format, Coverage }

/// <summary>How a gate ended.</summary>
public enum GateStatus { Passed, Failed, NotAvailable, Skipped }

/// <summary>Severity of one diagnostic, as the tool reported it.</summary>
public enum DiagnosticSeverity { Error, Warning, Information }

/// <summary>A project found under the run's path.</summary>
/// <param name="Kind">Its ecosystem.</param>
/// <param name="Root">Absolute folder of the project.</param>
/// <param name="Target">The file the tools are pointed at (.sln/.csproj, .psd1, pyproject.toml...).</param>
/// <param name="RelativePath">Root relative to the run's path, with forward slashes ("." for the path itself).</param>
public sealed record DetectedProject(ProjectKind Kind, string Root, string Target, string RelativePath)
{
    public override string ToString() => $"{Kind} {RelativePath}";
}

/// <summary>One finding of a linter, type checker or formatter, with a location relative to the run's path.</summary>
public sealed record GateDiagnostic
{
    public string? File { get; init; }
    public int? Line { get; init; }
    public int? Column { get; init; }
    public string? Code { get; init; }
    public string Message { get; init; } = string.Empty;
    public DiagnosticSeverity Severity { get; init; } = DiagnosticSeverity.Error;
    public string Tool { get; init; } = string.Empty;

    public override string ToString() => $"{File}:{Line}:{Column}: {Code} {Message}";
}

/// <summary>One failed or errored test case.</summary>
public sealed record TestFailureInfo
{
    /// <summary>The enclosing &lt;testsuite&gt; name (for TRX, the test's class).</summary>
    public string Suite { get; init; } = string.Empty;
    /// <summary>The test case's classname, when the report gave one (pytest's module path, a Java or .NET class).</summary>
    public string? ClassName { get; init; }
    public string Test { get; init; } = string.Empty;
    public string Message { get; init; } = string.Empty;
    /// <summary>The source file of the failure, relative to the run's path when it lies inside it.</summary>
    public string? File { get; init; }
    public int? Line { get; init; }
    /// <summary>Captured stdout/stderr of the test, or the failure's detail text.</summary>
    public string? Output { get; init; }
    /// <summary>True for an error (the test could not run properly), false for an assertion failure.</summary>
    public bool IsError { get; init; }
    public string? Tool { get; init; }
    public TimeSpan Duration { get; init; }
}

/// <summary>Test counts; <see cref="Passed"/> is what ran and neither failed, errored nor was skipped.</summary>
public sealed record TestCounts(int Passed, int Failed, int Errors, int Skipped)
{
    public static TestCounts Zero { get; } = new(0, 0, 0, 0);
    public int Total => Passed + Failed + Errors + Skipped;
    public TestCounts Add(TestCounts o) => new(Passed + o.Passed, Failed + o.Failed, Errors + o.Errors, Skipped + o.Skipped);
}

/// <summary>Coverage totals from one or more Cobertura reports.</summary>
public sealed record CoverageSummary(long LinesCovered, long LinesValid, long BranchesCovered, long BranchesValid)
{
    /// <summary>
    /// The root line-rate (0..1) of a report that holds neither counts nor line records (a summary or trimmed
    /// file, or old Cobertura): the only figure there is, so it is used as the report states it.
    /// </summary>
    public double? ReportedLineRate { get; init; }
    /// <summary>The root branch-rate of such a report.</summary>
    public double? ReportedBranchRate { get; init; }
    /// <summary>True when the figures come from root rates only, so the report cannot be merged line by line.</summary>
    public bool RatesOnly => LinesValid == 0 && ReportedLineRate is not null;

    /// <summary>Line coverage in percent (0..100), null when no line was measured.</summary>
    public double? LinePercent => LinesValid > 0 ? Math.Round(100.0 * LinesCovered / LinesValid, 2)
        : ReportedLineRate is { } rate ? Math.Round(100.0 * rate, 2) : null;
    /// <summary>Branch coverage in percent (0..100), null when no branch was measured.</summary>
    public double? BranchPercent => BranchesValid > 0 ? Math.Round(100.0 * BranchesCovered / BranchesValid, 2)
        : LinesValid == 0 && ReportedBranchRate is { } rate ? Math.Round(100.0 * rate, 2) : null;
}

/// <summary>A test case with its duration, for the "slowest tests" part of the report.</summary>
public sealed record TestTiming(string Suite, string Test, TimeSpan Duration);

/// <summary>The outcome of one gate of one project (one interpreter for a Python matrix).</summary>
public sealed class GateResult
{
    public GateKind Gate { get; init; }
    public required DetectedProject Project { get; init; }
    /// <summary>The tool that ran or would have run (pytest, flake8, dotnet-format, Pester...).</summary>
    public string Tool { get; init; } = string.Empty;
    /// <summary>A matrix entry such as "3.11", or null.</summary>
    public string? Variant { get; init; }
    public GateStatus Status { get; set; }
    public TimeSpan Duration { get; set; }
    public int? ExitCode { get; set; }
    /// <summary>One line on why the gate ended as it did.</summary>
    public string Message { get; set; } = string.Empty;
    /// <summary>The command line that ran, for reproducing the gate by hand.</summary>
    public string? Command { get; set; }
    /// <summary>The tail of the tool's combined output (bounded).</summary>
    public string? Output { get; set; }
    /// <summary>How to install the tool when <see cref="Status"/> is NotAvailable.</summary>
    public string? InstallHint { get; set; }
    public List<GateDiagnostic> Diagnostics { get; } = new();
    public TestCounts? Tests { get; set; }
    public CoverageSummary? Coverage { get; set; }
    /// <summary>Test reports (JUnit XML or TRX) the tool wrote.</summary>
    public List<string> TestReports { get; } = new();
    /// <summary>Cobertura reports the tool wrote.</summary>
    public List<string> CoverageReports { get; } = new();
    /// <summary>The figures of each of <see cref="CoverageReports"/>, as read.</summary>
    public Dictionary<string, CoverageSummary> CoverageByReport { get; } = new(StringComparer.Ordinal);
    /// <summary>Problems that deserve their own error record (malformed reports...).</summary>
    public List<X0Exception> Problems { get; } = new();

    public string DisplayName => Variant is null ? Gate.ToString() : $"{Gate} (py{Variant})";
}

/// <summary>Everything one run of the gates found. The cmdlet maps it to X0TestRun.</summary>
public sealed class TestRunResult
{
    public required string Path { get; init; }
    public IReadOnlyList<DetectedProject> Projects { get; init; } = Array.Empty<DetectedProject>();
    public bool Succeeded { get; init; }
    /// <summary>True when no gate ran at all (every tool missing, nothing selected applies, no report held a test): never a success.</summary>
    public bool NothingRan { get; init; }
    public TestCounts Tests { get; init; } = TestCounts.Zero;
    public TimeSpan Duration { get; init; }
    public CoverageSummary? Coverage { get; init; }
    public double? CoverageThreshold { get; init; }
    public IReadOnlyList<GateResult> Gates { get; init; } = Array.Empty<GateResult>();
    public IReadOnlyList<TestFailureInfo> Failures { get; init; } = Array.Empty<TestFailureInfo>();
    public IReadOnlyList<GateDiagnostic> Diagnostics { get; init; } = Array.Empty<GateDiagnostic>();
    public IReadOnlyList<TestTiming> SlowestTests { get; init; } = Array.Empty<TestTiming>();
    /// <summary>Files written to the output directory (merged junit.xml, coverage.xml, the Markdown report).</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = Array.Empty<string>();
    /// <summary>Problems to report as errors: malformed reports, unavailable tools under -Strict/CI, the failing gates.</summary>
    public IReadOnlyList<X0Exception> Problems { get; init; } = Array.Empty<X0Exception>();
    /// <summary>Whether NotAvailable gates count as failures (-Strict or CI).</summary>
    public bool Strict { get; init; }
}

/// <summary>A command that starts a tool: an executable plus leading arguments (python -m pytest, dotnet pwsh.dll).</summary>
public sealed record ToolCommand(string FileName, IReadOnlyList<string> Prefix)
{
    public ToolCommand(string fileName) : this(fileName, Array.Empty<string>()) { }

    public IReadOnlyList<string> With(IEnumerable<string> args) => Prefix.Concat(args).ToList();

    public override string ToString() => string.Join(' ', new[] { FileName }.Concat(Prefix).Select(Quote));

    internal static string Quote(string s) => s.Length > 0 && s.All(c => !char.IsWhiteSpace(c) && c != '"' && c != '\'') ? s : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>What to run. Everything but <see cref="Path"/> has a default.</summary>
public sealed class TestGateRequest
{
    /// <summary>Repository or project folder.</summary>
    public required string Path { get; init; }
    /// <summary>Gates to run; null or empty = all that apply.</summary>
    public IReadOnlyCollection<GateKind>? Gates { get; init; }
    /// <summary>NotAvailable gates are failures. Defaults to true in CI (CI=true or GITHUB_ACTIONS=true).</summary>
    public bool? Strict { get; init; }
    /// <summary>Gates whose tool may be missing even when strict (added to the configured optional_gates).</summary>
    public IReadOnlyCollection<GateKind>? OptionalGates { get; init; }
    public bool Sequential { get; init; }
    /// <summary>Upper bound of gates running at once; default: the number of cores.</summary>
    public int? MaxParallelism { get; init; }
    /// <summary>Python versions for the Test gate matrix (3.10, 3.11...); default from config, else the project's interpreter.</summary>
    public IReadOnlyList<string>? PythonVersions { get; init; }
    /// <summary>Line coverage (percent) below which the Coverage gate fails; default from config, else none.</summary>
    public double? CoverageThreshold { get; init; }
    /// <summary>Where junit.xml, coverage.xml and test-report.md go; default: &lt;Path&gt;/artifacts.</summary>
    public string? OutputDirectory { get; init; }
    /// <summary>How to start PowerShell for Pester and PSScriptAnalyzer; default: pwsh on PATH.</summary>
    public ToolCommand? PowerShell { get; init; }
    /// <summary>The environment tools are looked up in (VIRTUAL_ENV, PATH, PSModulePath...); default: this process's.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
}
