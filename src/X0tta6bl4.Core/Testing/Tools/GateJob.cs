using System.ComponentModel;
using System.Text;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Processes;
using X0tta6bl4.Core.Testing.Reports;

namespace X0tta6bl4.Core.Testing.Tools;

/// <summary>What every gate job shares while the run goes on.</summary>
internal sealed class GateRunContext
{
    public required ToolLocator Locator { get; init; }
    public required string RunRoot { get; init; }
    /// <summary>Folder for the tools' raw reports (under the output directory).</summary>
    public required string WorkDirectory { get; init; }
    /// <summary>A private temporary folder for generated helper scripts (outside the project, so no linter sees them).</summary>
    public required string ScriptDirectory { get; init; }
    public required X0Context X0 { get; init; }
    public ToolCommand? PowerShell { get; init; }
    public CancellationToken Cancellation => X0.Cancellation;
    /// <summary>Called with each line a tool prints (for progress).</summary>
    public Action<GateJob, string>? OnOutputLine { get; init; }
}

/// <summary>One gate of one project, runnable on its own. Subclasses run one tool and read what it wrote.</summary>
internal abstract class GateJob
{
    private const int TailLines = 30;
    private const int TailChars = 6000;

    protected GateJob(GateResult result, GateToolSetting setting)
    {
        Result = result;
        Setting = setting;
    }

    public GateResult Result { get; }
    public GateToolSetting Setting { get; }
    public DetectedProject Project => Result.Project;
    /// <summary>Jobs with the same key never run at once (two dotnet commands restoring the same project).</summary>
    public string? ExclusiveKey { get; init; }
    /// <summary>Static guess of how long the gate takes (higher starts first) when no earlier run says.</summary>
    public int Weight { get; init; }
    public List<TestReportDigest> Digests { get; } = new();
    /// <summary>When this job last reported progress (Stopwatch ticks), to throttle output-line updates.</summary>
    internal long LastProgressTicks;
    /// <summary>How long this gate took last time (from the output directory), to start the longest first.</summary>
    internal double? ExpectedSeconds;
    internal int ProgressId;

    /// <summary>A file-name-safe label for this job's raw files.</summary>
    public string Slug { get; set; } = "gate";

    public abstract Task RunAsync(GateRunContext ctx);

    protected void NotAvailable(string message, string hint)
    {
        Result.Status = GateStatus.NotAvailable;
        Result.Message = message;
        Result.InstallHint = hint;
    }

    protected void Fail(string message)
    {
        Result.Status = GateStatus.Failed;
        Result.Message = message;
    }

    protected void Pass(string message)
    {
        Result.Status = GateStatus.Passed;
        Result.Message = message;
    }

    protected static IReadOnlyDictionary<string, string?> QuietEnvironment(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["NO_COLOR"] = "1",
            ["PY_COLORS"] = "0",
            ["MYPY_FORCE_COLOR"] = "0",
            ["FORCE_COLOR"] = null,
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["MSBUILDTERMINALLOGGER"] = "off",
        };
        if (extra is not null)
        {
            foreach (var (k, v) in extra) env[k] = v;
        }
        return env;
    }

    /// <summary>Runs the tool in the project's folder; records command, exit code and the tail of its output.</summary>
    protected async Task<ProcessResult?> RunToolAsync(GateRunContext ctx, ToolCommand command, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var args = command.With(arguments.Concat(Setting.Arguments));
        Result.Command = string.Join(' ', new[] { command.FileName }.Concat(args).Select(ToolCommand.Quote));
        var env = new Dictionary<string, string?>(QuietEnvironment(environment));
        // The environment tools were looked up in is the one they run in (tests and callers may pass their own).
        foreach (var key in new[] { "PATH", "VIRTUAL_ENV", "PSModulePath" })
        {
            if (!env.ContainsKey(key)) env[key] = ctx.Locator.Env(key);
        }
        var spec = new ProcessSpec(command.FileName, args, workingDirectory ?? Project.Root) { Environment = env };
        ctx.X0.Log.Verbose($"{Result.DisplayName} [{Project.RelativePath}]: {Result.Command}");
        try
        {
            var r = await ProcessRunner.RunAsync(spec, ctx.Cancellation, line => ctx.OnOutputLine?.Invoke(this, line)).ConfigureAwait(false);
            Result.ExitCode = r.ExitCode;
            Result.Output = Tail(r.StandardOutput, r.StandardError);
            return r;
        }
        catch (Win32Exception ex)
        {
            Fail($"{Result.Tool} could not be started ({command.FileName}): {ex.Message}");
            return null;
        }
    }

    /// <summary>The last lines of stdout and stderr, bounded.</summary>
    internal static string Tail(string stdout, string stderr)
    {
        var text = (stdout.TrimEnd() + (stderr.Trim().Length > 0 ? "\n" + stderr.TrimEnd() : string.Empty)).Trim('\n');
        var lines = text.Split('\n');
        var tail = string.Join('\n', lines.Skip(Math.Max(0, lines.Length - TailLines)));
        return tail.Length > TailChars ? tail[^TailChars..] : tail;
    }

    /// <summary>Up to <paramref name="count"/> last non-empty lines of the output, on one line each.</summary>
    protected string LastLines(int count = 12)
    {
        var lines = (Result.Output ?? string.Empty).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        return string.Join("\n", lines.Skip(Math.Max(0, lines.Count - count)));
    }

    /// <summary>Reads the test reports a test tool wrote and sets the gate's status from them and the exit code.</summary>
    protected void FinishTestGate(ProcessResult r, IReadOnlyList<string> reports, IReadOnlyList<string> coverage, GateRunContext ctx, string? suitePrefix = null)
    {
        var present = reports.Where(p => File.Exists(p) && new FileInfo(p).Length > 0).ToList();
        if (present.Count == 0)
        {
            Fail($"{Result.Tool} exited with code {r.ExitCode} and wrote no test report. Last output:\n{LastLines()}");
            return;
        }
        Result.TestReports.AddRange(present);
        var counts = TestCounts.Zero;
        foreach (var report in present)
        {
            var digest = TestReportDigest.Read(report, Project.Root, ctx.RunRoot, Result.Tool, suitePrefix);
            Digests.Add(digest);
            counts = counts.Add(digest.Counts);
            if (digest.Problem is not null) Result.Problems.Add(digest.Problem);
        }
        Result.Tests = counts;

        foreach (var c in coverage.Where(File.Exists))
        {
            try
            {
                Result.CoverageByReport[c] = CoberturaReport.ReadSummary(c);
                Result.CoverageReports.Add(c);
            }
            catch (X0Exception ex) when (ex.ErrorId == ErrorIds.ReportMalformed)
            {
                Result.Problems.Add(ex);
            }
        }
        Result.Coverage = CoberturaReport.Combine(Result.CoverageReports.Select(c => (c, Result.CoverageByReport[c])).ToList(), Project.Root, null, ctx.X0.Log.Warning);

        var summaryText = $"{counts.Passed} passed, {counts.Failed} failed, {counts.Errors} errors, {counts.Skipped} skipped";
        if (Result.Problems.Count > 0)
        {
            Fail($"{summaryText}; {Result.Problems[0].Message}");
        }
        else if (counts.Failed + counts.Errors > 0)
        {
            Fail(summaryText);
        }
        else if (r.ExitCode != 0)
        {
            Fail($"{summaryText}, but {Result.Tool} exited with code {r.ExitCode}. Last output:\n{LastLines(6)}");
        }
        else if (counts.Total == 0)
        {
            Fail($"{Result.Tool} ran no test");
        }
        else
        {
            Pass(summaryText);
        }
    }

    /// <summary>Sets the status of a lint/type/format gate from its diagnostics and exit code.</summary>
    protected void FinishDiagnosticGate(ProcessResult r, IReadOnlyList<GateDiagnostic> diagnostics, IReadOnlySet<int> findingsExitCodes, string findingWord = "problem")
    {
        Result.Diagnostics.AddRange(diagnostics);
        var blocking = diagnostics.Count(d => d.Severity != DiagnosticSeverity.Information);
        if (r.ExitCode == 0 && blocking == 0)
        {
            Pass(diagnostics.Count == 0 ? $"no {findingWord}s" : $"{diagnostics.Count} note(s)");
        }
        else if (findingsExitCodes.Contains(r.ExitCode) || r.ExitCode == 0)
        {
            Fail(diagnostics.Count > 0
                ? $"{blocking} {findingWord}{(blocking == 1 ? string.Empty : "s")}"
                : $"{Result.Tool} exited with code {r.ExitCode}. Last output:\n{LastLines()}");
        }
        else
        {
            Fail($"{Result.Tool} failed with exit code {r.ExitCode}{(diagnostics.Count > 0 ? $" ({diagnostics.Count} {findingWord}s)" : string.Empty)}. Last output:\n{LastLines()}");
        }
    }

    protected static string SafeName(string s)
    {
        var sb = new StringBuilder();
        foreach (var ch in s) sb.Append(char.IsLetterOrDigit(ch) || ch is '-' or '.' ? ch : '_');
        return sb.ToString();
    }
}
