using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing.Reports;

namespace X0tta6bl4.Core.Testing;

/// <summary>What a finished set of gates (run here, or read from reports) is made into one result from.</summary>
internal sealed class RunAssembly
{
    public required string Root { get; init; }
    public required IReadOnlyList<DetectedProject> Projects { get; init; }
    /// <summary>Every gate, in the order the result shows them.</summary>
    public required List<GateResult> Gates { get; init; }
    public required IReadOnlyList<TestReportDigest> Digests { get; init; }
    /// <summary>The Cobertura reports behind the run's coverage figure, with what each holds.</summary>
    public required IReadOnlyList<(string Path, CoverageSummary Summary)> CoverageReports { get; init; }
    public double? CoverageThreshold { get; init; }
    public required string OutputDirectory { get; init; }
    /// <summary>NotAvailable gates are failures (CI, -Strict, a release) unless listed in <see cref="OptionalGates"/>.</summary>
    public bool Strict { get; init; }
    public bool InCi { get; init; }
    public IReadOnlySet<GateKind> OptionalGates { get; init; } = new HashSet<GateKind>();
    public TimeSpan Duration { get; init; }
    /// <summary>Extra problems found before assembly (unreadable inputs).</summary>
    public IReadOnlyList<X0Exception> Problems { get; init; } = Array.Empty<X0Exception>();
}

/// <summary>
/// Turns finished gates into one <see cref="TestRunResult"/> and writes its artifacts (merged junit.xml,
/// coverage.xml, test-report.md): shared by Invoke-X0Test, which ran the gates, and Import-X0TestReport, which
/// read what other jobs ran. The verdict is the same for both: a failed gate fails the run; a gate that could
/// not run fails it when strict (unless optional); and a run in which no gate ran is never a success.
/// </summary>
internal static class TestRunAssembler
{
    public static async Task<TestRunResult> AssembleAsync(RunAssembly a, X0Context context)
    {
        Directory.CreateDirectory(a.OutputDirectory);
        var artifacts = new List<string>();
        var junit = Path.Combine(a.OutputDirectory, TestGateRunner.JUnitFileName);
        if (a.Digests.Any(d => d.Problem is null))
        {
            // Through a temporary file: an imported report may be the very junit.xml being replaced.
            var temp = junit + ".x0tmp";
            JUnitMergeWriter.Write(a.Digests, temp);
            File.Move(temp, junit, overwrite: true);
            artifacts.Add(junit);
        }
        else
        {
            DeleteIfExists(junit);
        }

        var coverageFile = Path.Combine(a.OutputDirectory, TestGateRunner.CoverageFileName);
        var coverage = CoberturaReport.Combine(a.CoverageReports, a.Root, coverageFile, context.Log.Warning);
        if (coverage is null) DeleteIfExists(coverageFile);
        else artifacts.Add(coverageFile);

        var problems = new List<X0Exception>(a.Problems);
        var unavailableFailures = 0;
        foreach (var g in a.Gates)
        {
            problems.AddRange(g.Problems);
            if (g.Status != GateStatus.NotAvailable) continue;
            if (a.Strict && !a.OptionalGates.Contains(g.Gate))
            {
                unavailableFailures++;
                problems.Add(new X0Exception(ErrorIds.ToolNotAvailable, X0ErrorCategory.NotInstalled,
                    $"{g.Tool} for the {g.DisplayName} gate of {Describe(g.Project)}", g.Message,
                    (g.InstallHint ?? "Install the tool") + (a.InCi ? " (gates that cannot run fail in CI" : " (gates that cannot run fail under -Strict and in a release")
                    + $"; to let this one be absent, add \"{g.Gate.ToString().ToLowerInvariant()}\" to {GateSettings.OptionalGatesKey})",
                    g.Project.Root));
            }
            else
            {
                context.Log.Warning($"{g.DisplayName} gate of {Describe(g.Project)} did not run: {g.Message}. {g.InstallHint}");
            }
        }

        var failed = a.Gates.Where(g => g.Status == GateStatus.Failed).ToList();
        var reportPath = Path.Combine(a.OutputDirectory, TestGateRunner.ReportFileName);
        if (failed.Count > 0)
        {
            problems.Add(new X0Exception(ErrorIds.GatesFailed, X0ErrorCategory.InvalidResult,
                "every quality gate to pass",
                string.Join("; ", failed.Select(g => $"{g.DisplayName} ({g.Tool}{(a.Projects.Count > 1 ? ", " + g.Project.RelativePath : string.Empty)}) failed: {FirstLine(g.Message)}")),
                $"See the Failures and Diagnostics of the result, or {reportPath}", a.Root));
        }
        var ran = a.Gates.Any(g => g.Gate != GateKind.Coverage && g.Status is GateStatus.Passed or GateStatus.Failed);
        if (!ran && unavailableFailures == 0 && failed.Count == 0)
        {
            // Said once: when missing tools already fail the run, their errors say why nothing ran.
            problems.Add(NothingRan(a));
        }

        var tests = a.Gates.Where(g => g.Tests is not null).Aggregate(TestCounts.Zero, (sum, g) => sum.Add(g.Tests!));
        var result = new TestRunResult
        {
            Path = a.Root,
            Projects = a.Projects,
            Succeeded = ran && failed.Count == 0 && unavailableFailures == 0 && a.Problems.Count == 0,
            NothingRan = !ran,
            Tests = tests,
            Duration = a.Duration,
            Coverage = coverage,
            CoverageThreshold = a.CoverageThreshold,
            Gates = a.Gates,
            Failures = a.Digests.SelectMany(d => d.Failures).ToList(),
            Diagnostics = a.Gates.SelectMany(g => g.Diagnostics).ToList(),
            SlowestTests = a.Digests.SelectMany(d => d.Slowest).OrderByDescending(t => t.Duration).Take(10).ToList(),
            Artifacts = artifacts.Append(reportPath).ToList(),
            Problems = problems,
            Strict = a.Strict,
        };
        await File.WriteAllTextAsync(reportPath, SecretRedactor.Redact(TestRunReport.Markdown(result, compact: false)), new System.Text.UTF8Encoding(false), CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    private static X0Exception NothingRan(RunAssembly a)
    {
        var why = a.Gates.Count == 0
            ? "no gate applies to what was selected"
            : string.Join("; ", a.Gates.Where(g => g.Gate != GateKind.Coverage).Select(g => $"{g.DisplayName} ({g.Tool}) {g.Status}: {FirstLine(g.Message)}"));
        var hints = a.Gates.Select(g => g.InstallHint).Where(h => h is not null).Distinct().ToList();
        return new X0Exception(ErrorIds.NoGateRan, X0ErrorCategory.NotInstalled,
            "at least one quality gate to run", $"none ran: {why}",
            hints.Count > 0 ? string.Join("; ", hints!) : "Select gates that apply to the project (-Gate), or pass the reports of the tests that ran", a.Root);
    }

    /// <summary>The Test gates' coverage reports, each once.</summary>
    public static IReadOnlyList<(string, CoverageSummary)> CoverageOf(IEnumerable<GateResult> gates) =>
        gates.Where(g => g.Gate == GateKind.Test).SelectMany(g => g.CoverageReports.Select(c => (c, g.CoverageByReport[c]))).DistinctBy(x => x.c).ToList();

    internal static string Describe(DetectedProject p) => p.RelativePath == "." ? $"the {p.Kind} project" : $"the {p.Kind} project {p.RelativePath}";

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        return i < 0 ? s : s[..i];
    }

    private static void DeleteIfExists(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }
}
