using System.Globalization;
using System.Text;
using X0tta6bl4.Core.Ci;

namespace X0tta6bl4.Core.Testing;

/// <summary>The human side of a run: the Markdown report and the GitHub Actions surface (annotations, summary, outputs).</summary>
public static class TestRunReport
{
    /// <summary>Annotations per level and step; GitHub shows at most 10 of each per step.</summary>
    public const int AnnotationLimit = 10;
    private const int CompactRows = 20;

    public static string Markdown(TestRunResult r, bool compact)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(compact ? "### " : "# ").Append("Quality gates: ").Append(r.Succeeded ? "passed" : r.NothingRan ? "none ran" : "failed").Append('\n').Append('\n');
        sb.Append($"`{r.Path}` · {string.Join(", ", r.Projects.Select(p => p.RelativePath == "." ? p.Kind.ToString() : $"{p.Kind} ({p.RelativePath})"))} · {r.Duration.TotalSeconds.ToString("0.0", inv)} s\n\n");
        sb.Append($"**Tests:** {r.Tests.Passed} passed, {r.Tests.Failed} failed, {r.Tests.Errors} errors, {r.Tests.Skipped} skipped");
        if (r.Coverage?.LinePercent is { } line)
        {
            sb.Append($" · **Line coverage:** {line.ToString("0.##", inv)} %");
            if (r.Coverage.BranchPercent is { } branch) sb.Append($" · **Branch coverage:** {branch.ToString("0.##", inv)} %");
        }
        if (r.CoverageThreshold is { } t) sb.Append($" (threshold {t.ToString("0.##", inv)} %)");
        sb.Append("\n\n");

        sb.Append("| Project | Gate | Tool | Status | Duration | Result |\n|---|---|---|---|---:|---|\n");
        foreach (var g in r.Gates)
        {
            var icon = g.Status switch { GateStatus.Passed => "✅", GateStatus.Failed => "❌", GateStatus.NotAvailable => "⚠️", _ => "➖" };
            var message = Cell(FirstLine(g.Message)) + (g.Status == GateStatus.NotAvailable && g.InstallHint is not null ? " — " + Cell(g.InstallHint) : string.Empty);
            sb.Append($"| {Cell(g.Project.RelativePath)} | {g.DisplayName} | {Cell(g.Tool)} | {icon} {g.Status} | {g.Duration.TotalSeconds.ToString("0.0", inv)} s | {message} |\n");
        }
        sb.Append('\n');

        if (r.Failures.Count > 0)
        {
            sb.Append($"{(compact ? "####" : "##")} Failures ({r.Failures.Count})\n\n");
            foreach (var f in compact ? r.Failures.Take(CompactRows) : r.Failures)
            {
                var where = f.File is null ? string.Empty : $" — `{f.File}{(f.Line is null ? string.Empty : ":" + f.Line.Value.ToString(inv))}`";
                sb.Append($"- {(f.IsError ? "**error**" : "**failed**")} `{Code(f.ClassName ?? f.Suite)}` › `{Code(f.Test)}`{where}: {Cell(FirstLine(f.Message))}\n");
            }
            if (compact && r.Failures.Count > CompactRows) sb.Append($"- … and {r.Failures.Count - CompactRows} more (see the junit.xml artifact)\n");
            sb.Append('\n');
        }
        if (r.Diagnostics.Count > 0)
        {
            sb.Append($"{(compact ? "####" : "##")} Diagnostics ({r.Diagnostics.Count})\n\n| File | Line | Col | Code | Severity | Message | Tool |\n|---|---:|---:|---|---|---|---|\n");
            foreach (var d in compact ? r.Diagnostics.Take(CompactRows) : r.Diagnostics)
            {
                sb.Append($"| {Cell(d.File ?? string.Empty)} | {d.Line?.ToString(inv)} | {d.Column?.ToString(inv)} | {Cell(d.Code ?? string.Empty)} | {d.Severity} | {Cell(d.Message)} | {d.Tool} |\n");
            }
            if (compact && r.Diagnostics.Count > CompactRows) sb.Append($"\n… and {r.Diagnostics.Count - CompactRows} more (see test-report.md)\n");
            sb.Append('\n');
        }
        if (r.SlowestTests.Count > 0)
        {
            sb.Append($"{(compact ? "####" : "##")} Slowest tests\n\n| Test | Duration |\n|---|---:|\n");
            foreach (var s in r.SlowestTests.Take(compact ? 5 : 10))
            {
                sb.Append($"| `{Code(s.Suite)}` › `{Code(s.Test)}` | {s.Duration.TotalSeconds.ToString("0.000", inv)} s |\n");
            }
            sb.Append('\n');
        }
        if (!compact)
        {
            foreach (var g in r.Gates.Where(g => g.Status == GateStatus.Failed && g.Diagnostics.Count == 0 && g.Tests is null && !string.IsNullOrWhiteSpace(g.Output)))
            {
                sb.Append($"## Output of {g.DisplayName} ({g.Tool}, {g.Project.RelativePath})\n\n```text\n{g.Output}\n```\n\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// In GitHub Actions: one annotation per failure and diagnostic (at most <see cref="AnnotationLimit"/> per level,
    /// then a notice with the count of the rest), the job summary, and the outputs passed, failed and coverage.
    /// Outside Actions it does nothing.
    /// </summary>
    public static void PublishToActions(TestRunResult r, GitHubActions actions)
    {
        if (!actions.IsActive) return;
        var inv = CultureInfo.InvariantCulture;
        var errors = new List<(string Message, string? File, int? Line, int? Col, string Title)>();
        var warnings = new List<(string Message, string? File, int? Line, int? Col, string Title)>();
        foreach (var f in r.Failures)
        {
            errors.Add(($"{f.ClassName ?? f.Suite} › {f.Test}: {f.Message}", f.File, f.Line, null, f.IsError ? "Test error" : "Test failed"));
        }
        foreach (var d in r.Diagnostics)
        {
            var entry = ($"{(d.Code is null ? string.Empty : d.Code + " ")}{d.Message}", d.File, d.Line, d.Column, d.Tool);
            if (d.Severity == DiagnosticSeverity.Error) errors.Add(entry);
            else if (d.Severity == DiagnosticSeverity.Warning) warnings.Add(entry);
        }
        foreach (var g in r.Gates.Where(g => g.Status == GateStatus.Failed && g.Diagnostics.Count == 0 && g.Tests is null))
        {
            errors.Add(($"{g.DisplayName} ({g.Tool}): {g.Message}", null, null, null, $"{g.DisplayName} gate failed"));
        }
        foreach (var g in r.Gates.Where(g => g.Status == GateStatus.Failed && g.Gate == GateKind.Coverage))
        {
            errors.Add(($"{g.Message}", null, null, null, "Coverage below threshold"));
        }
        Emit(actions, AnnotationLevel.Error, errors);
        Emit(actions, AnnotationLevel.Warning, warnings);

        actions.AppendSummary(Markdown(r, compact: true));
        actions.SetOutput("passed", r.Tests.Passed.ToString(inv));
        actions.SetOutput("failed", (r.Tests.Failed + r.Tests.Errors).ToString(inv));
        actions.SetOutput("coverage", r.Coverage?.LinePercent?.ToString("0.##", inv) ?? string.Empty);
        actions.SetOutput("succeeded", r.Succeeded ? "true" : "false");
    }

    private static void Emit(GitHubActions actions, AnnotationLevel level, List<(string Message, string? File, int? Line, int? Col, string Title)> items)
    {
        foreach (var i in items.Take(AnnotationLimit))
        {
            actions.Annotate(level, i.Message, i.File, i.Line, i.Col, i.Title);
        }
        if (items.Count > AnnotationLimit)
        {
            actions.Annotate(AnnotationLevel.Notice,
                $"{items.Count - AnnotationLimit} more {(level == AnnotationLevel.Error ? "error" : "warning")}s were not annotated; see the job summary and the test-report.md artifact.",
                title: "More findings");
        }
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Code(string s) => s.Replace("`", "'", StringComparison.Ordinal);
}
