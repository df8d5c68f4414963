using System.Globalization;
using System.Xml;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Testing.Reports;

/// <summary>A run of consecutive test cases with the same innermost suite (one testsuite in the merged file).</summary>
internal sealed class SuiteGroup
{
    public required string Name { get; init; }
    public int Tests, Failures, Errors, Skipped;
    public double Seconds;
}

/// <summary>What one pass over a test report yields: counts, failures, suite groups, slowest cases.</summary>
public sealed class TestReportDigest
{
    public required string ReportPath { get; init; }
    /// <summary>Prefix for suite names in the merged file (e.g. "py3.11") so matrix entries stay apart.</summary>
    public string? SuitePrefix { get; init; }
    public TestCounts Counts { get; internal set; } = TestCounts.Zero;
    public List<TestFailureInfo> Failures { get; } = new();
    internal List<SuiteGroup> Groups { get; } = new();
    public List<TestTiming> Slowest { get; } = new();
    /// <summary>Set when the file is malformed; the digest then counts nothing from it.</summary>
    public X0Exception? Problem { get; internal set; }
    /// <summary>Who wrote the file, as far as its shape tells (null when it held no test case).</summary>
    public JUnitProducer? Producer { get; internal set; }

    /// <summary>Reads a report once, keeping only totals, failures and the slowest cases.</summary>
    /// <param name="projectRoot">Where the tool ran: relative paths in the report are relative to it.</param>
    /// <param name="runRoot">Paths in the result are made relative to it.</param>
    public static TestReportDigest Read(string reportPath, string projectRoot, string runRoot, string tool, string? suitePrefix = null, int slowest = 10)
    {
        var digest = new TestReportDigest { ReportPath = reportPath, SuitePrefix = suitePrefix };
        int passed = 0, failed = 0, errors = 0, skipped = 0;
        var heap = new PriorityQueue<TestTiming, TimeSpan>();
        SuiteGroup? group = null;
        try
        {
            foreach (var c in TestReportReader.Read(reportPath))
            {
                var suiteName = suitePrefix is null ? c.Suite : $"{suitePrefix}: {c.Suite}";
                if (group is null || group.Name != suiteName)
                {
                    group = new SuiteGroup { Name = suiteName };
                    digest.Groups.Add(group);
                }
                group.Tests++;
                group.Seconds += c.Duration.TotalSeconds;
                switch (c.Outcome)
                {
                    case TestOutcome.Passed: passed++; break;
                    case TestOutcome.Skipped: skipped++; group.Skipped++; break;
                    case TestOutcome.Failed: failed++; group.Failures++; break;
                    case TestOutcome.Error: errors++; group.Errors++; break;
                }
                digest.Producer ??= c.Producer;
                if (c.Outcome is TestOutcome.Failed or TestOutcome.Error)
                {
                    digest.Failures.Add(new TestFailureInfo
                    {
                        Suite = suiteName,
                        ClassName = string.IsNullOrEmpty(c.ClassName) ? null : c.ClassName,
                        Test = c.Name,
                        Message = c.Message ?? string.Empty,
                        File = SourcePaths.Display(c.File, projectRoot, runRoot),
                        Line = c.Line,
                        Output = JoinOutput(c.Detail, c.Output),
                        IsError = c.Outcome == TestOutcome.Error,
                        Tool = tool,
                        Duration = c.Duration,
                    });
                }
                if (slowest > 0 && c.Outcome != TestOutcome.Skipped)
                {
                    var timing = new TestTiming(suiteName, c.Name, c.Duration);
                    if (heap.Count < slowest) heap.Enqueue(timing, c.Duration);
                    else if (heap.TryPeek(out _, out var min) && c.Duration > min) heap.EnqueueDequeue(timing, c.Duration);
                }
            }
        }
        catch (X0Exception ex) when (ex.ErrorId == ErrorIds.ReportMalformed)
        {
            // A damaged file counts nothing: half a report would pass for a smaller, greener run.
            digest.Problem = ex;
            digest.Failures.Clear();
            digest.Groups.Clear();
            heap.Clear();
            (passed, failed, errors, skipped) = (0, 0, 0, 0);
        }
        digest.Counts = new TestCounts(passed, failed, errors, skipped);
        while (heap.TryDequeue(out var t, out _)) digest.Slowest.Add(t);
        digest.Slowest.Reverse();
        return digest;
    }

    private static string? JoinOutput(string? detail, string? output) =>
        string.IsNullOrEmpty(detail) ? output : string.IsNullOrEmpty(output) ? detail : detail + "\n--- output ---\n" + output;
}

/// <summary>Writes one JUnit XML file from several reports (JUnit or TRX), streaming each a second time.</summary>
public static class JUnitMergeWriter
{
    public static void Write(IReadOnlyList<TestReportDigest> digests, string outputPath)
    {
        var usable = digests.Where(d => d.Problem is null).ToList();
        var total = usable.Aggregate(TestCounts.Zero, (a, d) => a.Add(d.Counts));
        var seconds = usable.SelectMany(d => d.Groups).Sum(g => g.Seconds);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        var settings = new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) };
        using var w = XmlWriter.Create(outputPath, settings);
        w.WriteStartDocument();
        w.WriteStartElement("testsuites");
        w.WriteAttributeString("name", "x0tta6bl4");
        w.WriteAttributeString("tests", total.Total.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("failures", total.Failed.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("errors", total.Errors.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("skipped", total.Skipped.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("time", seconds.ToString("0.###", CultureInfo.InvariantCulture));

        foreach (var d in usable)
        {
            var groupIndex = -1;
            SuiteGroup? current = null;
            foreach (var c in TestReportReader.Read(d.ReportPath))
            {
                var suiteName = d.SuitePrefix is null ? c.Suite : $"{d.SuitePrefix}: {c.Suite}";
                if (current is null || current.Name != suiteName)
                {
                    if (current is not null) w.WriteEndElement();
                    current = d.Groups[++groupIndex];
                    w.WriteStartElement("testsuite");
                    w.WriteAttributeString("name", Clean(current.Name));
                    w.WriteAttributeString("tests", current.Tests.ToString(CultureInfo.InvariantCulture));
                    w.WriteAttributeString("failures", current.Failures.ToString(CultureInfo.InvariantCulture));
                    w.WriteAttributeString("errors", current.Errors.ToString(CultureInfo.InvariantCulture));
                    w.WriteAttributeString("skipped", current.Skipped.ToString(CultureInfo.InvariantCulture));
                    w.WriteAttributeString("time", current.Seconds.ToString("0.###", CultureInfo.InvariantCulture));
                }
                WriteCase(w, c);
            }
            if (current is not null) w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    private static void WriteCase(XmlWriter w, TestCaseRecord c)
    {
        w.WriteStartElement("testcase");
        w.WriteAttributeString("name", Clean(c.Name));
        if (!string.IsNullOrEmpty(c.ClassName)) w.WriteAttributeString("classname", Clean(c.ClassName));
        w.WriteAttributeString("time", c.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture));
        if (c.File is not null) w.WriteAttributeString("file", Clean(c.File));
        if (c.Line is not null) w.WriteAttributeString("line", c.Line.Value.ToString(CultureInfo.InvariantCulture));
        switch (c.Outcome)
        {
            case TestOutcome.Failed:
            case TestOutcome.Error:
                w.WriteStartElement(c.Outcome == TestOutcome.Failed ? "failure" : "error");
                if (c.Message is not null) w.WriteAttributeString("message", Clean(c.Message));
                if (c.FailureType is not null) w.WriteAttributeString("type", Clean(c.FailureType));
                if (c.Detail is not null) w.WriteString(Clean(c.Detail));
                w.WriteEndElement();
                break;
            case TestOutcome.Skipped:
                w.WriteStartElement("skipped");
                if (!string.IsNullOrEmpty(c.Message)) w.WriteAttributeString("message", Clean(c.Message));
                w.WriteEndElement();
                break;
        }
        if (!string.IsNullOrEmpty(c.Output)) w.WriteElementString("system-out", Clean(c.Output));
        w.WriteEndElement();
    }

    // Test output may carry control characters XML 1.0 cannot hold (ANSI escapes): drop them. And a test that
    // printed a registered secret must not leak it into the artifact.
    private static string Clean(string s)
    {
        s = SecretRedactor.Redact(s);
        if (!s.Any(ch => ch < 0x20 && ch is not '\t' and not '\n' and not '\r')) return s;
        return new string(s.Where(ch => ch >= 0x20 || ch is '\t' or '\n' or '\r').ToArray());
    }
}

/// <summary>Turns the paths tools print into paths relative to the run's root, with forward slashes.</summary>
public static class SourcePaths
{
    public static string? Display(string? file, string projectRoot, string runRoot)
    {
        if (string.IsNullOrWhiteSpace(file)) return null;
        file = file.Trim();
        string full;
        try
        {
            full = Path.IsPathRooted(file) ? Path.GetFullPath(file) : Path.GetFullPath(Path.Combine(projectRoot, file));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return file.Replace('\\', '/');
        }
        var rel = Path.GetRelativePath(Path.GetFullPath(runRoot), full);
        if (rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel)) return full.Replace('\\', '/');
        return rel.Replace('\\', '/');
    }
}
