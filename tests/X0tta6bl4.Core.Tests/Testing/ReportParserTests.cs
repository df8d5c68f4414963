// Tests pass their own tokens where cancellation is the subject; elsewhere the runner has nothing to cancel.
#pragma warning disable xUnit1051
using System.Text;
using System.Xml.Linq;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing;
using X0tta6bl4.Core.Testing.Reports;

namespace X0tta6bl4.Core.Tests.Testing;

public sealed class ReportParserTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "reports", name);

    private static string Temp(string name, string text)
    {
        var dir = Directory.CreateTempSubdirectory("x0-reports-").FullName;
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    public sealed class JUnit
    {
        [Fact]
        public void Generic_schema_nested_suites_skipped_error_and_system_out()
        {
            var cases = TestReportReader.Read(Fixture("generic-junit.xml")).ToList();
            Assert.Equal(6, cases.Count);
            Assert.Equal(new[] { "outer", "inner", "inner", "inner", "inner", "outer" }, cases.Select(c => c.Suite));
            var fails = cases[1];
            Assert.Equal((TestOutcome.Failed, "expected 1, got 2", "AssertionError", "src/b.py", 42), (fails.Outcome, fails.Message, fails.FailureType, fails.File, fails.Line));
            Assert.Equal(TimeSpan.FromSeconds(1.25), fails.Duration);
            Assert.Equal("stdout of fails\nstderr of fails", fails.Output);
            Assert.Equal(TestOutcome.Error, cases[2].Outcome);
            Assert.Equal("socket.connect failed <here>", cases[2].Detail);
            Assert.Equal((TestOutcome.Skipped, "not on linux"), (cases[3].Outcome, cases[3].Message));
            Assert.Equal(TestOutcome.Passed, cases[4].Outcome);
            Assert.Equal("pkg.C", cases[5].ClassName);
        }

        [Fact]
        public void Pytest_failures_point_at_the_test_file_line()
        {
            var cases = TestReportReader.Read(Fixture("pytest-junit.xml")).ToList();
            Assert.Equal(3, cases.Count);
            var failed = cases.Where(c => c.Outcome == TestOutcome.Failed).ToList();
            Assert.Equal(new[] { ("tests/test_a.py", 10), ("tests/test_a.py", 14) }, failed.Select(c => (c.File!, c.Line!.Value)));
            Assert.Equal("RuntimeError: boom", failed[1].Message);
        }

        [Fact]
        public void Pester_cases_with_a_byte_order_mark_and_status_attributes()
        {
            var cases = TestReportReader.Read(Fixture("pester-junit.xml")).ToList();
            Assert.Equal(5, cases.Count);
            Assert.Equal(3, cases.Count(c => c.Outcome == TestOutcome.Passed));
            Assert.Single(cases, c => c.Outcome == TestOutcome.Skipped);
            var f = Assert.Single(cases, c => c.Outcome == TestOutcome.Failed);
            Assert.Equal("Get-Farewell.says goodbye", f.Name);
            Assert.Equal(("/work/module/tests/Greeter.Tests.ps1", 16), (f.File, f.Line!.Value));
            Assert.StartsWith("Expected strings to be the same", f.Message);
        }

        [Fact]
        public void The_dotnet_JUnit_logger_with_the_location_from_the_stack()
        {
            var cases = TestReportReader.Read(Fixture("dotnet-junit-logger.xml")).ToList();
            Assert.Equal(new[] { TestOutcome.Passed, TestOutcome.Failed, TestOutcome.Skipped }, cases.Select(c => c.Outcome));
            Assert.Equal(("/work/calc/tests/Calc.Checks/CalculatorTests.cs", 13), (cases[1].File, cases[1].Line!.Value));
            Assert.Equal("Calc.Checks.dll", cases[1].Suite);
            Assert.StartsWith("Assert.Equal() Failure", cases[1].Message);
        }

        [Fact]
        public void Trx_from_dotnet_test()
        {
            Assert.Equal(TestReportFormat.Trx, TestReportReader.DetectFormat(Fixture("xunit.trx")));
            var cases = TestReportReader.Read(Fixture("xunit.trx")).ToList();
            Assert.Equal(4, cases.Count);
            var f = Assert.Single(cases, c => c.Outcome == TestOutcome.Failed);
            Assert.Equal(("Calc.Checks.CalculatorTests", "DividesRoundingUp"), (f.Suite, f.Name));
            Assert.Equal(("/work/calc/tests/Calc.Checks/CalculatorTests.cs", 13), (f.File, f.Line!.Value));
            Assert.Equal((TestOutcome.Skipped, "rounding modes are not implemented"), (cases.Single(c => c.Name == "RoundsHalfEven").Outcome, cases.Single(c => c.Name == "RoundsHalfEven").Message));
        }

        [Fact]
        public void A_truncated_file_names_the_file_and_position_after_yielding_the_cases_before_the_damage()
        {
            var text = File.ReadAllText(Fixture("generic-junit.xml"));
            var path = Temp("cut.xml", text[..text.IndexOf("<testcase classname=\"pkg.B\" name=\"skipped\"", StringComparison.Ordinal)]);
            var seen = new List<TestCaseRecord>();
            var ex = Assert.Throws<X0Exception>(() => { foreach (var c in TestReportReader.Read(path)) seen.Add(c); });
            Assert.Equal(ErrorIds.ReportMalformed, ex.ErrorId);
            Assert.Contains(path, ex.Message);
            Assert.Matches(@"line \d+, position \d+", ex.Message);
            Assert.Equal(3, seen.Count);
        }

        [Fact]
        public void A_file_that_is_not_a_test_report_is_rejected_by_name()
        {
            var path = Temp("other.xml", "<project><x/></project>");
            var ex = Assert.Throws<X0Exception>(() => TestReportReader.Read(path).ToList());
            Assert.Equal(ErrorIds.ReportMalformed, ex.ErrorId);
            Assert.Contains("<project>", ex.Message);
        }

        [Fact]
        public void Digest_and_merge_keep_counts_suites_and_failures()
        {
            var generic = TestReportDigest.Read(Fixture("generic-junit.xml"), "/work", "/work", "junit");
            var trx = TestReportDigest.Read(Fixture("xunit.trx"), "/work/calc", "/work", "dotnet test", "net");
            Assert.Equal(new TestCounts(3, 1, 1, 1), generic.Counts);
            Assert.Equal(new TestCounts(2, 1, 0, 1), trx.Counts);
            Assert.Equal("calc/tests/Calc.Checks/CalculatorTests.cs", trx.Failures.Single().File);
            Assert.Equal(("inner", "pkg.B"), (generic.Failures[0].Suite, generic.Failures[0].ClassName));
            Assert.Equal(TimeSpan.FromSeconds(2), generic.Slowest[0].Duration);

            var merged = Path.Combine(Directory.CreateTempSubdirectory("x0-merge-").FullName, "junit.xml");
            JUnitMergeWriter.Write([generic, trx], merged);
            var doc = XDocument.Load(merged);
            Assert.Equal(("10", "2", "1", "2"), (doc.Root!.Attribute("tests")!.Value, doc.Root.Attribute("failures")!.Value, doc.Root.Attribute("errors")!.Value, doc.Root.Attribute("skipped")!.Value));
            Assert.Equal(new[] { "outer", "inner", "outer", "net: Calc.Checks.CalculatorTests" }, doc.Root.Elements("testsuite").Select(s => s.Attribute("name")!.Value));
            Assert.Equal(10, doc.Descendants("testcase").Count());
            Assert.Equal(doc.Root.Elements("testsuite").Sum(s => int.Parse(s.Attribute("tests")!.Value)), doc.Descendants("testcase").Count());
        }
    }

    public sealed class Cobertura
    {
        [Theory]
        [InlineData("coverage-py.xml", 5, 7, 0, 0)]
        [InlineData("coverlet.xml", 7, 8, 2, 2)]
        [InlineData("pester-coverage.xml", 5, 6, 0, 0)]
        public void Totals_from_coverage_py_coverlet_and_Pester(string file, long covered, long valid, long bc, long bv)
        {
            Assert.Equal(new CoverageSummary(covered, valid, bc, bv), CoberturaReport.ReadSummary(Fixture(file)));
        }

        [Fact]
        public void Missing_totals_are_counted_from_the_class_lines()
        {
            var path = Temp("bare.xml", "<coverage><packages><package><classes><class filename=\"a.py\"><methods><method><lines><line number=\"1\" hits=\"1\"/></lines></method></methods><lines><line number=\"1\" hits=\"1\"/><line number=\"2\" hits=\"0\" branch=\"true\" condition-coverage=\"50% (1/2)\"/></lines></class></classes></package></packages></coverage>");
            Assert.Equal(new CoverageSummary(1, 2, 1, 2), CoberturaReport.ReadSummary(path));
        }

        [Fact]
        public void A_truncated_report_is_an_error_with_file_and_position()
        {
            var text = File.ReadAllText(Fixture("coverlet.xml"));
            var path = Temp("cut.xml", text[..(text.Length / 2)]);
            var ex = Assert.Throws<X0Exception>(() => CoberturaReport.ReadSummary(path));
            Assert.Equal(ErrorIds.ReportMalformed, ex.ErrorId);
            Assert.Contains(path, ex.Message);
            Assert.Matches(@"line \d+, position \d+", ex.Message);
        }

        [Fact]
        public void Merging_counts_a_line_covered_by_either_report_once()
        {
            var dir = Directory.CreateTempSubdirectory("x0-cov-").FullName;
            File.WriteAllText(Path.Combine(dir, "m.py"), "x\n");
            string Report(string lines) => $"<coverage><sources><source>{dir}</source></sources><packages><package name=\"p\"><classes><class name=\"m\" filename=\"m.py\"><lines>{lines}</lines></class></classes></package></packages></coverage>";
            var a = Temp("a.xml", Report("<line number=\"1\" hits=\"1\"/><line number=\"2\" hits=\"0\"/><line number=\"3\" hits=\"0\"/>"));
            var b = Temp("b.xml", Report("<line number=\"1\" hits=\"2\"/><line number=\"2\" hits=\"1\"/><line number=\"3\" hits=\"0\"/><line number=\"4\" hits=\"0\"/>"));
            var output = Path.Combine(dir, "merged.xml");
            var summary = CoberturaReport.Merge([a, b], dir, output);
            Assert.Equal(new CoverageSummary(2, 4, 0, 0), summary);
            Assert.Equal(summary, CoberturaReport.ReadSummary(output));
            Assert.Equal("m.py", XDocument.Load(output).Descendants("class").Single().Attribute("filename")!.Value);
        }
    }

    public sealed class Diagnostics
    {
        [Fact]
        public void Ruff_json_and_concise_text()
        {
            var json = """[{"code":"F401","filename":"/p/src/a.py","location":{"row":3,"column":8},"end_location":{"row":3,"column":10},"message":"`os` imported but unused","fix":null,"noqa_row":3,"url":"x"}]""";
            var d = Assert.Single(DiagnosticParsers.Ruff(json, "/p", "/p"));
            Assert.Equal(("src/a.py", 3, 8, "F401", "ruff"), (d.File, d.Line!.Value, d.Column!.Value, d.Code, d.Tool));
            var text = DiagnosticParsers.Ruff("src/a.py:3:8: F401 [*] `os` imported but unused\nsrc/b.py:1:1: SyntaxError: Unexpected token\nFound 2 errors.\n", "/p", "/p");
            Assert.Equal(new[] { ("src/a.py", 3, "F401"), ("src/b.py", 1, "SyntaxError") }, text.Select(x => (x.File!, x.Line!.Value, x.Code!)));
            var fmt = Assert.Single(DiagnosticParsers.RuffFormat("Would reformat: src/a.py\n1 file would be reformatted\n", "/p", "/p"));
            Assert.Equal("src/a.py", fmt.File);
        }

        [Fact]
        public void PSScriptAnalyzer_records_with_severity_names_or_numbers()
        {
            var records = DiagnosticParsers.PSScriptAnalyzer(File.ReadAllText(Fixture("psscriptanalyzer.json")), "/work/module", "/work");
            Assert.Equal(3, records.Count);
            Assert.Equal(("module/Greeter.psm1", 12, 5, "PSAvoidUsingCmdletAliases", DiagnosticSeverity.Warning), (records[0].File, records[0].Line!.Value, records[0].Column!.Value, records[0].Code, records[0].Severity));
            Assert.Equal(DiagnosticSeverity.Error, records[1].Severity);
            Assert.Equal(DiagnosticSeverity.Information, records[2].Severity);
            var numeric = Assert.Single(DiagnosticParsers.PSScriptAnalyzer("""{"RuleName":"PSUseApprovedVerbs","Severity":2,"ScriptPath":"/m/x.ps1","Line":1,"Column":1,"Message":"m"}""", "/m", "/m"));
            Assert.Equal((DiagnosticSeverity.Error, "x.ps1"), (numeric.Severity, numeric.File));
        }

        [Fact]
        public void MsBuild_lines_from_dotnet_build_and_format_are_deduplicated()
        {
            var output = """
                /src/app/Program.cs(10,17): error CS1002: ; expected [/src/app/App.csproj]
                /src/app/Program.cs(3,1): warning CS8019: Unnecessary using directive. [/src/app/App.csproj]
                Build FAILED.
                /src/app/Program.cs(10,17): error CS1002: ; expected [/src/app/App.csproj]
                /src/app/Calc.cs(5,33): error WHITESPACE: Fix whitespace formatting. Insert '\s'. [/src/app/App.csproj]
                """;
            var d = DiagnosticParsers.MsBuild(output, "dotnet build", "/src", "/src");
            Assert.Equal(new[] { ("app/Program.cs", 10, 17, "CS1002", DiagnosticSeverity.Error), ("app/Program.cs", 3, 1, "CS8019", DiagnosticSeverity.Warning), ("app/Calc.cs", 5, 33, "WHITESPACE", DiagnosticSeverity.Error) },
                d.Select(x => (x.File!, x.Line!.Value, x.Column!.Value, x.Code!, x.Severity)));
        }

        [Fact]
        public void Dotnet_format_json_report()
        {
            var json = """[{"DocumentId":{"Id":"x"},"FileName":"Calculator.cs","FilePath":"/w/src/Calculator.cs","FileChanges":[{"LineNumber":5,"CharNumber":33,"DiagnosticId":"WHITESPACE","FormatDescription":"Fix whitespace formatting. Delete 2 characters."}]}]""";
            var d = Assert.Single(DiagnosticParsers.DotnetFormatReport(json, "/w", "/w"));
            Assert.Equal(("src/Calculator.cs", 5, 33, "WHITESPACE"), (d.File, d.Line!.Value, d.Column!.Value, d.Code));
        }

        [Fact]
        public void Black_diff_hunks_point_at_the_first_changed_line()
        {
            var stdout = "--- /p/src/a.py\t2026-01-01 00:00:00+00:00\n+++ /p/src/a.py\t2026-01-01 00:00:01+00:00\n@@ -7,7 +7,7 @@\n \n def bad() -> int:\n     return 1\n \n \n-def ugly( x ):\n+def ugly(x):\n     return x\n";
            var d = DiagnosticParsers.Black(stdout, "would reformat /p/src/a.py\nwould reformat /p/src/b.py\nerror: cannot format /p/src/c.py: Cannot parse: 3:4: def (\n", "/p", "/p");
            Assert.Equal(new[] { ("src/a.py", 12), ("src/b.py", 1), ("src/c.py", 3) }, d.Select(x => (x.File!, x.Line!.Value)));
        }

        [Fact]
        public void Mypy_notes_are_information()
        {
            var d = DiagnosticParsers.Mypy("src/a.py:3:5: error: Name \"x\" is not defined  [name-defined]\nsrc/a.py:4: note: See https://example\n", "/p", "/p");
            Assert.Equal(new[] { (3, (int?)5, "name-defined", DiagnosticSeverity.Error), (4, null, null, DiagnosticSeverity.Information) }, d.Select(x => (x.Line!.Value, x.Column, x.Code, x.Severity)));
        }
    }
}
