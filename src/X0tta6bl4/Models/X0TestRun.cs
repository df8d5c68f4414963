namespace X0tta6bl4.Models;

/// <summary>How a gate ended.</summary>
public enum X0GateStatus
{
    Passed,
    Failed,
    /// <summary>The gate's tool is not installed; an error under -Strict and in CI.</summary>
    NotAvailable,
    Skipped,
}

/// <summary>
/// The result of Invoke-X0Test: every gate of every project under <see cref="Path"/>, with test counts,
/// coverage, failures and diagnostics as objects. <see cref="Path"/> binds by property name to the next cmdlet.
/// </summary>
public sealed class X0TestRun
{
    public string Path { get; init; } = string.Empty;
    /// <summary>The kinds of project found: Python, DotNet, PowerShell.</summary>
    public string[] ProjectKind { get; init; } = Array.Empty<string>();
    /// <summary>Project folders relative to <see cref="Path"/> ("." for Path itself).</summary>
    public string[] Projects { get; init; } = Array.Empty<string>();
    /// <summary>True when a gate ran and none failed (and, under -Strict, in CI or in a release, none was NotAvailable).</summary>
    public bool Succeeded { get; init; }
    /// <summary>Passed, Failed, or NothingRan (no gate could run: never a success).</summary>
    public string Status { get; init; } = "Failed";
    public int Passed { get; init; }
    public int Failed { get; init; }
    public int Skipped { get; init; }
    /// <summary>Tests that errored (could not run properly), as opposed to failed assertions.</summary>
    public int Errors { get; init; }
    public int Total => Passed + Failed + Skipped + Errors;
    public TimeSpan Duration { get; init; }
    /// <summary>Line coverage in percent (0..100) over all projects, or null when nothing measured it.</summary>
    public double? LineCoverage { get; init; }
    /// <summary>Branch coverage in percent (0..100), or null when no branch was measured.</summary>
    public double? BranchCoverage { get; init; }
    public double? CoverageThreshold { get; init; }
    public X0TestGate[] Gates { get; init; } = Array.Empty<X0TestGate>();
    public X0TestFailure[] Failures { get; init; } = Array.Empty<X0TestFailure>();
    public X0Diagnostic[] Diagnostics { get; init; } = Array.Empty<X0Diagnostic>();
    /// <summary>Files written: junit.xml (merged), coverage.xml, test-report.md.</summary>
    public string[] Artifacts { get; init; } = Array.Empty<string>();

    public override string ToString() => $"{Status}: {Passed} passed, {Failed} failed, {Errors} errors, {Skipped} skipped";
}

/// <summary>One gate of one project (one interpreter of a Python matrix).</summary>
public sealed class X0TestGate
{
    /// <summary>Test, Lint, Type, Format or Coverage.</summary>
    public string Name { get; init; } = string.Empty;
    public string Tool { get; init; } = string.Empty;
    public X0GateStatus Status { get; init; }
    public TimeSpan Duration { get; init; }
    public int? ExitCode { get; init; }
    /// <summary>The project folder relative to the run's path.</summary>
    public string Project { get; init; } = string.Empty;
    public string ProjectKind { get; init; } = string.Empty;
    /// <summary>The Python version of a matrix entry, or null.</summary>
    public string? PythonVersion { get; init; }
    public string Message { get; init; } = string.Empty;
    /// <summary>How to install the tool when NotAvailable.</summary>
    public string? InstallHint { get; init; }
    /// <summary>The command line that ran.</summary>
    public string? Command { get; init; }
    /// <summary>The tail of the tool's output.</summary>
    public string? Output { get; init; }
    public int? Passed { get; init; }
    public int? Failed { get; init; }
    public int? Skipped { get; init; }
    public int? Errors { get; init; }
    public double? LineCoverage { get; init; }
    public X0Diagnostic[] Diagnostics { get; init; } = Array.Empty<X0Diagnostic>();

    public override string ToString() => $"{Name} ({Tool}): {Status}";
}

/// <summary>One failed or errored test.</summary>
public sealed class X0TestFailure
{
    /// <summary>The enclosing &lt;testsuite&gt; name as the report gave it (for TRX, the test's class).</summary>
    public string Suite { get; init; } = string.Empty;
    /// <summary>The test case's classname (pytest's module path, a Java or .NET class), or null.</summary>
    public string? ClassName { get; init; }
    public string Test { get; init; } = string.Empty;
    public string Message { get; init; } = string.Empty;
    /// <summary>Source file relative to the run's path (forward slashes).</summary>
    public string? File { get; init; }
    public int? Line { get; init; }
    /// <summary>The failure's detail (traceback, stack) and the test's captured output.</summary>
    public string? Output { get; init; }
    /// <summary>"Failure" (an assertion failed) or "Error" (the test could not run properly).</summary>
    public string Kind { get; init; } = "Failure";
    public string? Tool { get; init; }
    public TimeSpan Duration { get; init; }

    public override string ToString() => $"{ClassName ?? Suite} › {Test}";
}

/// <summary>One finding of a linter, type checker or formatter.</summary>
public sealed class X0Diagnostic
{
    /// <summary>Source file relative to the run's path (forward slashes).</summary>
    public string? File { get; init; }
    public int? Line { get; init; }
    public int? Column { get; init; }
    public string? Code { get; init; }
    public string Message { get; init; } = string.Empty;
    /// <summary>Error, Warning or Information.</summary>
    public string Severity { get; init; } = "Error";
    public string Tool { get; init; } = string.Empty;

    public override string ToString() => $"{File}:{Line}:{Column}: {Code} {Message}";
}
