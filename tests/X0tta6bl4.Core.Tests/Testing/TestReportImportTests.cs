// Tests pass their own tokens where cancellation is the subject; elsewhere the runner has nothing to cancel.
#pragma warning disable xUnit1051
using System.Xml.Linq;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Processes;
using X0tta6bl4.Core.Testing;

namespace X0tta6bl4.Core.Tests.Testing;

/// <summary>Reports produced elsewhere — by the real pytest here, and in the shapes other producers write — read into one run.</summary>
public sealed class TestReportImportTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "reports", name);

    private static string Copy(string dir, string relative, string fixture)
    {
        var path = Path.Combine(dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(Fixture(fixture), path, overwrite: true);
        return path;
    }

    [Fact]
    public async Task A_pytest_matrix_run_by_the_real_pytest_merges_counts_suites_and_coverage_line_by_line()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("import-matrix");
        p.Append("tests/test_calc.py", "\n\ndef test_wrong() -> None:\n    assert add(2, 2) == 5\n");
        var reports = Path.Combine(p.Root, "downloaded");
        foreach (var job in new[] { "py3.10", "py3.11" })
        {
            // Each "job" runs a different test file subset, so their coverage differs and only the merge is complete.
            var select = job == "py3.10" ? "tests/test_calc.py::test_add" : "tests/test_calc.py";
            var r = await ProcessRunner.RunAsync(new ProcessSpec("/usr/bin/python3",
                ["-m", "pytest", select, $"--junitxml={Path.Combine(reports, job, "junit.xml")}", "--cov", $"--cov-report=xml:{Path.Combine(reports, job, "coverage.xml")}", "-p", "no:cacheprovider"], p.Root));
            Assert.True(File.Exists(Path.Combine(reports, job, "junit.xml")), r.StandardOutput + r.StandardError);
        }
        var files = TestReportImport.Expand(p.Root, ["downloaded/**/*.xml"]);
        Assert.Equal(4, files.Count);

        var run = await TestReportImport.ImportAsync(new TestReportImportRequest { Files = files, BasePath = p.Root, CoverageThreshold = 50 }, X0Context.None);

        Assert.Equal(new TestCounts(3, 1, 0, 0), run.Tests);
        Assert.False(run.Succeeded);
        var tests = run.Gates.Where(g => g.Gate == GateKind.Test).ToList();
        Assert.Equal(new[] { "pytest", "pytest" }, tests.Select(g => g.Tool));
        Assert.Equal(new[] { GateStatus.Passed, GateStatus.Failed }, tests.Select(g => g.Status));
        var f = Assert.Single(run.Failures);
        Assert.Equal(("py3.11: pytest", "tests.test_calc", "test_wrong"), (f.Suite, f.ClassName, f.Test));
        Assert.Equal("assert 4 == 5", f.Message.Split('\n')[0][..13]);
        Assert.Equal(100, run.Coverage!.LinePercent);
        Assert.Equal(GateStatus.Passed, Assert.Single(run.Gates, g => g.Gate == GateKind.Coverage).Status);

        var merged = XDocument.Load(Path.Combine(p.Root, "artifacts", TestGateRunner.JUnitFileName));
        Assert.Equal(new[] { "py3.10: pytest", "py3.11: pytest" }, merged.Root!.Elements("testsuite").Select(s => s.Attribute("name")!.Value));
        Assert.Equal("4", merged.Root.Attribute("tests")!.Value);
        Assert.Contains(run.Problems, x => x.ErrorId == ErrorIds.GatesFailed);
        Assert.Contains("Quality gates: failed", File.ReadAllText(Path.Combine(p.Root, "artifacts", TestGateRunner.ReportFileName)));
    }

    [Fact]
    public async Task Reports_of_many_producers_are_one_run_and_a_damaged_or_foreign_file_counts_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("x0-import-").FullName;
        var files = new List<string>
        {
            Copy(dir, "jest/junit.xml", "producers/jest-junit.xml"),
            Copy(dir, "maven/TEST-org.acme.ledger.LedgerTest.xml", "producers/surefire.xml"),
            Copy(dir, "dotnet/results.trx", "xunit.trx"),
            Copy(dir, "cov/gcovr.xml", "producers/gcovr-cobertura.xml"),
        };
        var cut = Path.Combine(dir, "broken/junit.xml");
        Directory.CreateDirectory(Path.GetDirectoryName(cut)!);
        var text = File.ReadAllText(Fixture("producers/phpunit.xml"));
        File.WriteAllText(cut, text[..(text.Length / 2)]);
        var foreign = Path.Combine(dir, "pom.xml");
        File.WriteAllText(foreign, "<project><modelVersion>4.0.0</modelVersion></project>");
        files.AddRange([cut, foreign]);

        var run = await TestReportImport.ImportAsync(new TestReportImportRequest { Files = files, BasePath = dir }, X0Context.None);

        // jest 1/3/0/1, Surefire 1/1/1/1, TRX 2/1/0/1 (passed/failed/errors/skipped); nothing from the cut PHPUnit file.
        Assert.Equal(new TestCounts(1 + 1 + 2, 3 + 1 + 1, 1, 1 + 1 + 1), run.Tests);
        var tests = run.Gates.Where(g => g.Gate == GateKind.Test).ToList();
        Assert.Equal(new[] { "jest", "Maven Surefire", "dotnet test (TRX)", "PHPUnit" }, tests.Select(g => g.Tool));
        Assert.Equal(new[] { GateStatus.Failed, GateStatus.Failed, GateStatus.Failed, GateStatus.Failed }, tests.Select(g => g.Status));
        var broken = Assert.Single(run.Problems, x => x.ErrorId == ErrorIds.ReportMalformed && x.Message.Contains(cut, StringComparison.Ordinal));
        Assert.Matches(@"line \d+, position \d+", broken.Message);
        Assert.Single(run.Problems, x => x.ErrorId == ErrorIds.ReportMalformed && x.Message.Contains("<project>", StringComparison.Ordinal));
        Assert.Equal(80, run.Coverage!.LinePercent);
        Assert.False(run.Succeeded);
    }

    [Fact]
    public async Task Nothing_to_read_or_only_empty_reports_is_never_a_success()
    {
        var dir = Directory.CreateTempSubdirectory("x0-import-empty-").FullName;
        var none = await TestReportImport.ImportAsync(new TestReportImportRequest { Files = [], BasePath = dir }, X0Context.None);
        Assert.False(none.Succeeded);
        Assert.True(none.NothingRan);
        Assert.Contains(none.Problems, x => x.ErrorId == ErrorIds.ReportNotFound);

        var empty = Path.Combine(dir, "junit.xml");
        File.WriteAllText(empty, "<testsuites><testsuite name=\"pytest\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\"></testsuite></testsuites>");
        var run = await TestReportImport.ImportAsync(new TestReportImportRequest { Files = [empty], BasePath = dir }, X0Context.None);
        Assert.False(run.Succeeded);
        Assert.True(run.NothingRan);
        Assert.Equal(ErrorIds.NoGateRan, Assert.Single(run.Problems).ErrorId);
    }

    [Fact]
    public async Task The_merged_junit_may_replace_a_report_being_read()
    {
        var dir = Directory.CreateTempSubdirectory("x0-import-self-").FullName;
        var junit = Copy(dir, "artifacts/junit.xml", "producers/surefire.xml");
        var run = await TestReportImport.ImportAsync(new TestReportImportRequest { Files = [junit], BasePath = dir }, X0Context.None);
        Assert.Equal(4, run.Tests.Total);
        Assert.Equal("4", XDocument.Load(junit).Root!.Attribute("tests")!.Value);
    }
}
