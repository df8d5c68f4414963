using System.Globalization;
using System.Text;
using System.Xml.Linq;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing;
using X0tta6bl4.Core.Testing.Reports;

namespace X0tta6bl4.Core.Tests.Testing;

/// <summary>
/// Report files in the shapes real producers write (jest-junit, PHPUnit, Maven Surefire, go-junit-report,
/// swift test --xunit-output, mocha-junit-reporter, unittest-xml-reporting, pytest, Pester, the .NET JUnit logger,
/// TRX; coverage.py, coverlet, Pester, gcovr, AltCover, istanbul, summary-only and float-count Cobertura),
/// read as each producer means them.
/// </summary>
public sealed class ProducerReportTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "reports", name);

    public static readonly TheoryData<string> JUnitFiles = new()
    {
        "producers/jest-junit.xml", "producers/phpunit.xml", "producers/surefire.xml", "producers/go-junit-report.xml",
        "producers/swift-xunit.xml", "producers/mocha-junit.xml", "producers/python-unittest-xmlrunner.xml",
        "producers/pytest-body-only.xml", "pytest-junit.xml", "pester-junit.xml", "dotnet-junit-logger.xml",
    };

    [Theory]
    [InlineData("producers/jest-junit.xml", JUnitProducer.Jest, "cart totals", "cart totals applies the discount", "Error: expect(received).toBe(expected) // Object.is equality")]
    [InlineData("producers/phpunit.xml", JUnitProducer.PHPUnit, "App\\Tests\\MoneyTest", "App.Tests.MoneyTest", "Failed asserting that 1.0 is identical to 2.0.")]
    [InlineData("producers/surefire.xml", JUnitProducer.Surefire, "org.acme.ledger.LedgerTest", "org.acme.ledger.LedgerTest", "expected: <250> but was: <240>")]
    [InlineData("producers/go-junit-report.xml", JUnitProducer.Generic, "example.com/inventory/store", "example.com/inventory/store", "store_test.go:31: Get(\"nope\") = 3, want error")]
    [InlineData("producers/swift-xunit.xml", JUnitProducer.Swift, "TestResults", "ParserTests.TokenizerTests", "failed")]
    [InlineData("producers/mocha-junit.xml", JUnitProducer.Generic, "slugify", "strips accents", "expected 'cafe-creme' to equal 'cafe-crème'")]
    [InlineData("producers/python-unittest-xmlrunner.xml", JUnitProducer.Generic, "tests.test_units.UnitsTest-20250114101500", "tests.test_units.UnitsTest", "AssertionError: 6.21371 != 6.2 within 7 places (0.01371 difference)")]
    [InlineData("producers/pytest-body-only.xml", JUnitProducer.Pytest, "pytest", "tests.test_rates", "assert 9.999999999999998 == 10")]
    [InlineData("pester-junit.xml", JUnitProducer.Pester, "/work/module/tests/Greeter.Tests.ps1", "/work/module/tests/Greeter.Tests.ps1", "Expected strings to be the same, but they were different.")]
    [InlineData("dotnet-junit-logger.xml", JUnitProducer.DotNetLogger, "Calc.Checks.dll", "Calc.Checks.CalculatorTests", "Assert.Equal() Failure")]
    public void The_first_failure_keeps_suite_classname_and_the_producers_own_reason(string file, JUnitProducer producer, string suite, string className, string message)
    {
        var digest = TestReportDigest.Read(Fixture(file), "/work", "/work", "import");
        Assert.Null(digest.Problem);
        Assert.Equal(producer, digest.Producer);
        var first = digest.Failures[0];
        Assert.Equal((suite, className), (first.Suite, first.ClassName));
        Assert.StartsWith(message, first.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jest_reasons_skip_stack_frames_and_underlines_and_the_timeout_prefix()
    {
        var failures = TestReportDigest.Read(Fixture("producers/jest-junit.xml"), "/work", "/work", "jest").Failures;
        Assert.Equal(new[]
        {
            "Error: expect(received).toBe(expected) // Object.is equality",
            "src/cart.ts:12:7 - error TS2322: Type 'string' is not assignable to type 'number'.",
            "Exceeded timeout of 5000 ms for a test.",
        }, failures.Select(f => f.Message));
    }

    [Fact]
    public void PHPUnit_errors_without_a_message_attribute_give_the_exception_line()
    {
        var failures = TestReportDigest.Read(Fixture("producers/phpunit.xml"), "/srv/app", "/srv/app", "phpunit").Failures;
        var error = Assert.Single(failures, f => f.IsError);
        Assert.Equal("InvalidArgumentException: \"12,5 EUR\" is not an amount", error.Message);
        Assert.Equal(("tests/MoneyTest.php", 30), (error.File, error.Line));
    }

    [Fact]
    public void Surefire_error_without_message_gives_the_exception_and_go_placeholder_without_text_stays()
    {
        var surefire = TestReportDigest.Read(Fixture("producers/surefire.xml"), "/work", "/work", "maven").Failures;
        Assert.Equal("java.lang.NullPointerException", Assert.Single(surefire, f => f.IsError).Message);
        var go = TestReportDigest.Read(Fixture("producers/go-junit-report.xml"), "/work", "/work", "go").Failures;
        Assert.Equal(new[] { "store_test.go:31: Get(\"nope\") = 3, want error", "Failed" }, go.Select(f => f.Message));
        Assert.Equal("example.com/inventory/api", go[1].Suite);
    }

    /// <summary>The counts read agree with the counts each producer wrote into its own suites.</summary>
    [Theory]
    [MemberData(nameof(JUnitFiles))]
    public void Counts_agree_with_the_totals_the_producer_declared(string file)
    {
        var digest = TestReportDigest.Read(Fixture(file), "/work", "/work", "import");
        var leaves = XDocument.Load(Fixture(file)).Descendants("testsuite").Where(s => !s.Elements("testsuite").Any()).ToList();
        int Sum(string attribute) => leaves.Sum(s => int.Parse(s.Attribute(attribute)?.Value ?? "0", CultureInfo.InvariantCulture));
        Assert.Equal(Sum("tests"), digest.Counts.Total);
        Assert.Equal(Sum("failures"), digest.Counts.Failed);
        Assert.Equal(Sum("errors"), digest.Counts.Errors);
        if (leaves.All(s => s.Attribute("skipped") is not null)) Assert.Equal(Sum("skipped"), digest.Counts.Skipped);
    }

    [Theory]
    [MemberData(nameof(JUnitFiles))]
    public void A_truncated_file_is_an_error_naming_it_and_counts_nothing(string file)
    {
        var text = File.ReadAllText(Fixture(file));
        // Cut inside the last test case (or its closing tag): the cases before it parse, the file does not.
        var last = text.LastIndexOf("</testcase>", StringComparison.Ordinal);
        var cut = text[..(last > 0 ? last + 5 : text.LastIndexOf("<testcase", StringComparison.Ordinal) + 12)];
        var path = Path.Combine(Directory.CreateTempSubdirectory("x0-cut-").FullName, Path.GetFileName(file));
        File.WriteAllText(path, cut, new UTF8Encoding(false));
        var digest = TestReportDigest.Read(path, "/work", "/work", "import");
        Assert.Equal(ErrorIds.ReportMalformed, digest.Problem?.ErrorId);
        Assert.Contains(path, digest.Problem!.Message);
        Assert.Equal(TestCounts.Zero, digest.Counts);
        Assert.Empty(digest.Failures);
        Assert.Empty(digest.Slowest);
    }

    [Theory]
    [InlineData("coverage-py.xml", 71.43, null)]
    [InlineData("coverlet.xml", 87.5, 100.0)]
    [InlineData("pester-coverage.xml", 83.33, null)]
    [InlineData("producers/gcovr-cobertura.xml", 80.0, 50.0)]
    [InlineData("producers/altcover-cobertura.xml", 75.0, 100.0)]
    [InlineData("producers/istanbul-cobertura.xml", 83.33, 50.0)]
    [InlineData("producers/summary-only-cobertura.xml", 81.25, 62.5)]
    [InlineData("producers/float-counts-cobertura.xml", 60.0, null)]
    public void Cobertura_figures_agree_with_the_root_rates_the_producer_wrote(string file, double line, double? branch)
    {
        var summary = CoberturaReport.ReadSummary(Fixture(file));
        Assert.Equal(line, summary.LinePercent);
        Assert.Equal(branch, summary.BranchPercent);
        using var reader = System.Xml.XmlReader.Create(Fixture(file), new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Ignore });
        var rate = double.Parse(XDocument.Load(reader).Root!.Attribute("line-rate")!.Value, CultureInfo.InvariantCulture);
        Assert.Equal(Math.Round(rate * 100, 2), summary.LinePercent!.Value, 0.01);
    }

    [Fact]
    public void A_summary_only_file_is_not_recounted_from_absent_lines_and_merges_as_the_lowest_figure()
    {
        var summary = CoberturaReport.ReadSummary(Fixture("producers/summary-only-cobertura.xml"));
        Assert.True(summary.RatesOnly);
        var warnings = new List<string>();
        var output = Path.Combine(Directory.CreateTempSubdirectory("x0-comb-").FullName, "coverage.xml");
        var gcovr = CoberturaReport.ReadSummary(Fixture("producers/gcovr-cobertura.xml"));
        var combined = CoberturaReport.Combine(
            [(Fixture("producers/summary-only-cobertura.xml"), summary), (Fixture("producers/gcovr-cobertura.xml"), gcovr)], "/work", output, warnings.Add);
        Assert.Equal(80.0, combined!.LinePercent);
        Assert.Contains("summary-only-cobertura.xml", Assert.Single(warnings));
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void Float_counts_are_read_as_counts()
    {
        Assert.Equal(new CoverageSummary(3, 5, 0, 0), CoberturaReport.ReadSummary(Fixture("producers/float-counts-cobertura.xml")));
    }
}
