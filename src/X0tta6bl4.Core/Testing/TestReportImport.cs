using System.Diagnostics;
using System.Xml;
using Microsoft.Extensions.FileSystemGlobbing;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing.Reports;

namespace X0tta6bl4.Core.Testing;

/// <summary>What Import-X0TestReport (or a release gating on an earlier job's reports) reads.</summary>
public sealed class TestReportImportRequest
{
    /// <summary>Report files: JUnit XML, TRX or Cobertura (absolute paths, already resolved).</summary>
    public required IReadOnlyList<string> Files { get; init; }
    /// <summary>The folder paths in the result are relative to (default: the files' common folder).</summary>
    public string? BasePath { get; init; }
    public double? CoverageThreshold { get; init; }
    /// <summary>Where junit.xml, coverage.xml and test-report.md go; default: &lt;BasePath&gt;/artifacts.</summary>
    public string? OutputDirectory { get; init; }
}

/// <summary>
/// Reads test and coverage reports that other jobs or tools produced into the same result Invoke-X0Test returns:
/// one Test gate per JUnit/TRX file (its tool told from the file's shape), matrix entries kept apart in the merged
/// junit.xml, coverage combined line by line and held to the threshold. Every file is classified by its root
/// element; one that is neither a test nor a Cobertura report, or that is malformed, is an error naming it and
/// counts nothing. Reading nothing, or only reports that hold no test, is never a success.
/// </summary>
public static class TestReportImport
{
    /// <summary>Files matching globs (with ** for any depth) under <paramref name="root"/>, each once, in name order.</summary>
    public static IReadOnlyList<string> Expand(string root, IEnumerable<string> patterns)
    {
        var result = new List<string>();
        foreach (var pattern in patterns)
        {
            var full = Path.IsPathRooted(pattern) ? pattern : Path.Combine(root, pattern);
            if (File.Exists(full))
            {
                result.Add(Path.GetFullPath(full));
                continue;
            }
            // The folders before the first wildcard are where the search starts.
            var parts = full.Replace('\\', '/').Split('/');
            var firstWild = Array.FindIndex(parts, p => p.IndexOfAny(['*', '?', '[']) >= 0);
            if (firstWild < 0) continue;
            var start = string.Join('/', parts.Take(firstWild));
            if (start.Length == 0) start = "/";
            if (!Directory.Exists(start)) continue;
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(string.Join('/', parts.Skip(firstWild)));
            result.AddRange(matcher.GetResultsInFullPath(start).Select(Path.GetFullPath).Order(StringComparer.Ordinal));
        }
        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    public static async Task<TestRunResult> ImportAsync(TestReportImportRequest request, X0Context context)
    {
        var watch = Stopwatch.StartNew();
        var files = request.Files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        var root = Path.GetFullPath(request.BasePath ?? CommonFolder(files));
        var projects = new List<DetectedProject>();
        var gates = new List<GateResult>();
        var digests = new List<TestReportDigest>();
        var coverage = new List<(string, CoverageSummary)>();
        var problems = new List<X0Exception>();
        var testFiles = files.Where(f => Classify(f, problems) == ReportKind.Test).ToList();
        var labels = Labels(testFiles, root);
        var i = 0;
        foreach (var file in files)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            context.Progress.Report(new X0Progress("Import-X0TestReport", Path.GetFileName(file), i++ * 100 / Math.Max(1, files.Count)));
            var project = new DetectedProject(ProjectKind.Report, Path.GetDirectoryName(file)!, file, Relative(root, file));
            if (labels.TryGetValue(file, out var label))
            {
                projects.Add(project);
                var (gate, digest) = ReadTests(file, project, root, testFiles.Count > 1 ? label : null);
                gates.Add(gate);
                digests.Add(digest);
            }
            else if (Classify(file, null) == ReportKind.Coverage)
            {
                projects.Add(project);
                try
                {
                    coverage.Add((file, CoberturaReport.ReadSummary(file)));
                }
                catch (X0Exception ex) when (ex.ErrorId == ErrorIds.ReportMalformed)
                {
                    problems.Add(ex);
                }
            }
        }
        context.Progress.Report(new X0Progress("Import-X0TestReport", "Done", 100, Completed: true));
        if (files.Count == 0)
        {
            problems.Add(new X0Exception(ErrorIds.ReportNotFound, X0ErrorCategory.ObjectNotFound, "test or coverage reports to read",
                "no file", "Pass the report files (wildcards work), or pipe them from Get-ChildItem", root));
        }
        if (request.CoverageThreshold is { } threshold)
        {
            gates.Add(ThresholdGate(root, threshold, coverage, context));
        }
        return await TestRunAssembler.AssembleAsync(new RunAssembly
        {
            Root = root,
            Projects = projects,
            Gates = gates,
            Digests = digests,
            CoverageReports = coverage,
            CoverageThreshold = request.CoverageThreshold,
            OutputDirectory = Path.GetFullPath(request.OutputDirectory ?? Path.Combine(root, "artifacts")),
            Strict = true,
            Duration = watch.Elapsed,
            Problems = problems,
        }, context).ConfigureAwait(false);
    }

    private enum ReportKind { Test, Coverage, Other }

    /// <summary>Tells a file's kind from its root element; records why a file is neither (when <paramref name="problems"/> is given).</summary>
    private static ReportKind Classify(string file, List<X0Exception>? problems)
    {
        try
        {
            using var r = XmlReader.Create(file, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
            r.MoveToContent();
            switch (r.LocalName)
            {
                case "testsuites" or "testsuite" or "TestRun": return ReportKind.Test;
                case "coverage": return ReportKind.Coverage;
            }
            problems?.Add(new X0Exception(ErrorIds.ReportMalformed, X0ErrorCategory.InvalidData,
                $"a JUnit (<testsuites>, <testsuite>), TRX (<TestRun>) or Cobertura (<coverage>) report in {file}", $"<{r.LocalName}>",
                "Pass the test tool's JUnit XML or TRX output, or a Cobertura coverage file", file));
        }
        catch (XmlException ex)
        {
            problems?.Add(new X0Exception(ErrorIds.ReportMalformed, X0ErrorCategory.ParserError, $"a well-formed report in {file}",
                $"line {ex.LineNumber}, position {ex.LinePosition}: {ex.Message.Split('\n')[0].Trim()}",
                "The producer probably stopped while writing it: produce it again", file, ex));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems?.Add(new X0Exception(ErrorIds.ReportNotFound, X0ErrorCategory.ReadError, $"a readable report at {file}", ex.Message,
                "Check the path and its permissions", file, ex));
        }
        return ReportKind.Other;
    }

    private static (GateResult, TestReportDigest) ReadTests(string file, DetectedProject project, string root, string? prefix)
    {
        var digest = TestReportDigest.Read(file, root, root, "import", prefix);
        var tool = ToolName(digest.Producer);
        var gate = new GateResult { Gate = GateKind.Test, Project = project, Tool = tool, Tests = digest.Counts };
        // The tool is known once the file's shape was read.
        for (var i = 0; i < digest.Failures.Count; i++) digest.Failures[i] = digest.Failures[i] with { Tool = tool };
        gate.TestReports.Add(file);
        var counts = digest.Counts;
        var text = $"{counts.Passed} passed, {counts.Failed} failed, {counts.Errors} errors, {counts.Skipped} skipped";
        if (digest.Problem is not null)
        {
            gate.Problems.Add(digest.Problem);
            gate.Status = GateStatus.Failed;
            gate.Message = digest.Problem.Message;
        }
        else if (counts.Failed + counts.Errors > 0)
        {
            gate.Status = GateStatus.Failed;
            gate.Message = text;
        }
        else if (counts.Total == 0)
        {
            gate.Status = GateStatus.Skipped;
            gate.Message = "the report holds no test case";
        }
        else
        {
            gate.Status = GateStatus.Passed;
            gate.Message = text;
        }
        return (gate, digest);
    }

    private static GateResult ThresholdGate(string root, double threshold, List<(string Path, CoverageSummary Summary)> coverage, X0Context context)
    {
        var gate = new GateResult
        {
            Gate = GateKind.Coverage,
            Project = new DetectedProject(ProjectKind.Report, root, root, "."),
            Tool = "Cobertura",
        };
        var summary = CoberturaReport.Combine(coverage, root, null, _ => { });
        gate.Coverage = summary;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (summary?.LinePercent is not { } percent)
        {
            gate.Status = GateStatus.NotAvailable;
            gate.Message = coverage.Count == 0 ? "no Cobertura report was given" : "the coverage reports measured no line";
            gate.InstallHint = "Pass the coverage.xml (Cobertura) the test job wrote beside its JUnit file";
            return gate;
        }
        gate.Status = percent + 1e-9 >= threshold ? GateStatus.Passed : GateStatus.Failed;
        gate.Message = gate.Status == GateStatus.Passed
            ? $"line coverage {percent.ToString("0.##", inv)}% (threshold {threshold.ToString("0.##", inv)}%)"
            : $"line coverage {percent.ToString("0.##", inv)}% is below the threshold {threshold.ToString("0.##", inv)}%";
        context.Log.Verbose($"Coverage of {coverage.Count} report(s): {gate.Message}");
        return gate;
    }

    /// <summary>What keeps each matrix entry apart: the folder when every file has the same name (py3.11/junit.xml), else the file.</summary>
    private static Dictionary<string, string> Labels(IReadOnlyList<string> files, string root)
    {
        var sameName = files.Select(Path.GetFileName).Distinct(StringComparer.Ordinal).Count() == 1 && files.Count > 1;
        // Relative to the folder the files share, so downloaded/py3.11/junit.xml is "py3.11".
        var common = files.Count > 1 ? CommonFolder(files) : root;
        return files.ToDictionary(f => f, f =>
        {
            var rel = Relative(common, sameName ? Path.GetDirectoryName(f)! : f);
            return sameName ? rel : Path.ChangeExtension(rel, null);
        }, StringComparer.Ordinal);
    }

    public static string ToolName(JUnitProducer? producer) => producer switch
    {
        JUnitProducer.Pytest => "pytest",
        JUnitProducer.Jest => "jest",
        JUnitProducer.PHPUnit => "PHPUnit",
        JUnitProducer.Surefire => "Maven Surefire",
        JUnitProducer.Pester => "Pester",
        JUnitProducer.DotNetLogger => "dotnet test (JUnit logger)",
        JUnitProducer.Swift => "swift test",
        JUnitProducer.Trx => "dotnet test (TRX)",
        _ => "JUnit",
    };

    private static string CommonFolder(IReadOnlyList<string> files)
    {
        if (files.Count == 0) return Directory.GetCurrentDirectory();
        var common = Path.GetDirectoryName(files[0])!;
        foreach (var f in files.Skip(1))
        {
            while (!f.StartsWith(common.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal) && Path.GetDirectoryName(common) is { } up) common = up;
        }
        return common;
    }

    private static string Relative(string root, string path)
    {
        var rel = Path.GetRelativePath(root, path).Replace('\\', '/');
        return rel.Length == 0 ? "." : rel;
    }
}
