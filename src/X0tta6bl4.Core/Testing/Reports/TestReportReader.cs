using System.Globalization;
using System.Text;
using System.Xml;

namespace X0tta6bl4.Core.Testing.Reports;

/// <summary>The formats <see cref="TestReportReader"/> understands.</summary>
public enum TestReportFormat { JUnit, Trx }

/// <summary>
/// Streaming reader of test reports: JUnit XML in its common dialects (pytest, Pester, the .NET JUnit
/// logger, the generic schema with nested suites, skipped, error vs failure, system-out) and Visual
/// Studio TRX. Test cases are yielded one at a time, so memory stays bounded whatever the file size.
/// A malformed or truncated file throws an X0Exception (X0.ReportMalformed) naming the file, line and
/// position, after the cases before the damage were yielded.
/// </summary>
public static class TestReportReader
{
    /// <summary>Longest output or detail text kept per test case (the tail is kept).</summary>
    public const int MaxTextLength = 16 * 1024;

    public static IEnumerable<TestCaseRecord> Read(string path)
    {
        using var reader = ReportXml.Open(path);
        var format = DetectFormat(reader, path);
        var cases = format == TestReportFormat.Trx ? ReadTrx(reader, path) : ReadJUnit(reader, path);
        foreach (var c in cases) yield return c;
    }

    /// <summary>Reads only far enough to tell the format from the root element.</summary>
    public static TestReportFormat DetectFormat(string path)
    {
        using var reader = ReportXml.Open(path);
        return DetectFormat(reader, path);
    }

    private static TestReportFormat DetectFormat(XmlReader r, string path)
    {
        try
        {
            r.MoveToContent();
        }
        catch (XmlException ex)
        {
            throw ReportXml.Malformed(path, "JUnit/TRX", ex);
        }
        if (r.NodeType != XmlNodeType.Element) throw ReportXml.Unrecognized(path, "test", r.NodeType.ToString());
        return r.LocalName switch
        {
            "testsuites" or "testsuite" => TestReportFormat.JUnit,
            "TestRun" => TestReportFormat.Trx,
            var other => throw ReportXml.Unrecognized(path, "test", other),
        };
    }

    private static IEnumerable<TestCaseRecord> ReadJUnit(XmlReader r, string path)
    {
        var suites = new Stack<string>();
        // The reader is positioned on the root element: what the producer wrote there tells who it is.
        var rootName = r.GetAttribute("name");
        var schema = r.GetAttribute("noNamespaceSchemaLocation", "http://www.w3.org/2001/XMLSchema-instance");
        string? firstSuite = null;
        JUnitProducer? producer = null;
        var atNode = true;
        while (atNode || Next(r, path))
        {
            atNode = false;
            if (r.NodeType == XmlNodeType.Element)
            {
                if (r.LocalName == "testsuite")
                {
                    var name = r.GetAttribute("name") ?? string.Empty;
                    firstSuite ??= name;
                    schema ??= r.GetAttribute("noNamespaceSchemaLocation", "http://www.w3.org/2001/XMLSchema-instance");
                    if (!r.IsEmptyElement) suites.Push(name);
                }
                else if (r.LocalName == "testcase")
                {
                    producer ??= FailureMessage.Detect(rootName, schema, firstSuite, r.GetAttribute("class") is not null && r.GetAttribute("assertions") is not null);
                    var suite = suites.Count > 0 ? suites.Peek() : string.Empty;
                    // ReadJUnitCase leaves the reader on the test case's end (or empty) element, so a file cut
                    // right after it still yields the case before the error surfaces.
                    yield return ReadJUnitCase(r, path, suite, producer.Value);
                }
            }
            else if (r.NodeType == XmlNodeType.EndElement && r.LocalName == "testsuite" && suites.Count > 0)
            {
                suites.Pop();
            }
        }
    }

    private static TestCaseRecord ReadJUnitCase(XmlReader r, string path, string suite, JUnitProducer producer)
    {
        try
        {
            var name = r.GetAttribute("name") ?? string.Empty;
            var className = r.GetAttribute("classname");
            var time = ReportXml.Seconds(r.GetAttribute("time"));
            var file = r.GetAttribute("file");
            var line = ReportXml.Int(r.GetAttribute("line"));
            var status = r.GetAttribute("status");
            var outcome = TestOutcome.Passed;
            string? message = null, detail = null, type = null;
            StringBuilder? output = null;

            if (!r.IsEmptyElement)
            {
                var depth = r.Depth;
                Require(r.Read(), path);
                while (!(r.NodeType == XmlNodeType.EndElement && r.Depth == depth))
                {
                    if (r.NodeType == XmlNodeType.Element && r.Depth == depth + 1)
                    {
                        switch (r.LocalName)
                        {
                            case "failure":
                            case "error":
                                var isError = r.LocalName == "error";
                                if (outcome != TestOutcome.Error)
                                {
                                    outcome = isError ? TestOutcome.Error : TestOutcome.Failed;
                                    message = r.GetAttribute("message");
                                    type = r.GetAttribute("type");
                                    detail = Tail(ReadText(r, path));
                                }
                                else
                                {
                                    ReadText(r, path);
                                }
                                continue;
                            case "skipped":
                                if (outcome == TestOutcome.Passed)
                                {
                                    outcome = TestOutcome.Skipped;
                                    message = r.GetAttribute("message");
                                }
                                var skipText = ReadText(r, path);
                                if (outcome == TestOutcome.Skipped && string.IsNullOrEmpty(message) && skipText.Length > 0) message = Tail(skipText);
                                continue;
                            case "system-out":
                            case "system-err":
                                var text = ReadText(r, path);
                                if (text.Length > 0)
                                {
                                    output ??= new StringBuilder();
                                    if (output.Length > 0) output.Append('\n');
                                    output.Append(text);
                                }
                                continue;
                            default:
                                r.Skip();
                                continue;
                        }
                    }
                    Require(r.Read(), path);
                }
            }

            if (outcome == TestOutcome.Passed && status is not null &&
                (status.Equals("Skipped", StringComparison.OrdinalIgnoreCase) || status.Equals("NotRun", StringComparison.OrdinalIgnoreCase) ||
                 status.Equals("Ignored", StringComparison.OrdinalIgnoreCase) || status.Equals("Disabled", StringComparison.OrdinalIgnoreCase)))
            {
                outcome = TestOutcome.Skipped;
            }

            if (outcome is TestOutcome.Failed or TestOutcome.Error && (file is null || line is null))
            {
                var (f, l) = FailureLocator.Find(detail, className);
                if (f is null) (f, l) = FailureLocator.Find(message, className);
                file ??= f;
                line ??= l;
            }
            if (outcome is TestOutcome.Failed or TestOutcome.Error)
            {
                message = FailureMessage.Pick(message, detail, producer);
            }
            return new TestCaseRecord(suite, className, name, outcome, time, message, detail,
                output is null ? null : Tail(output.ToString()), file, line, type, producer);
        }
        catch (XmlException ex)
        {
            throw ReportXml.Malformed(path, "JUnit", ex);
        }
    }

    private static IEnumerable<TestCaseRecord> ReadTrx(XmlReader r, string path)
    {
        var atNode = true;
        while (atNode || Next(r, path))
        {
            atNode = false;
            if (r.NodeType == XmlNodeType.Element && r.LocalName == "UnitTestResult")
            {
                yield return ReadTrxResult(r, path);
            }
        }
    }

    private static TestCaseRecord ReadTrxResult(XmlReader r, string path)
    {
        try
        {
            var fullName = r.GetAttribute("testName") ?? string.Empty;
            var outcomeText = r.GetAttribute("outcome") ?? "Passed";
            var duration = TimeSpan.TryParse(r.GetAttribute("duration"), CultureInfo.InvariantCulture, out var d) ? d : TimeSpan.Zero;
            string? message = null, stack = null;
            var output = new StringBuilder();
            if (!r.IsEmptyElement)
            {
                var depth = r.Depth;
                Require(r.Read(), path);
                while (!(r.NodeType == XmlNodeType.EndElement && r.Depth == depth))
                {
                    if (r.NodeType == XmlNodeType.Element)
                    {
                        switch (r.LocalName)
                        {
                            case "InnerResults":
                                r.Skip();
                                continue;
                            case "Message":
                                message = ReadText(r, path);
                                continue;
                            case "StackTrace":
                                stack = Tail(ReadText(r, path));
                                continue;
                            case "StdOut":
                            case "StdErr":
                                var text = ReadText(r, path);
                                if (text.Length > 0)
                                {
                                    if (output.Length > 0) output.Append('\n');
                                    output.Append(text);
                                }
                                continue;
                        }
                    }
                    Require(r.Read(), path);
                }
            }

            var outcome = outcomeText switch
            {
                "Passed" or "PassedButRunAborted" or "Completed" or "Warning" => TestOutcome.Passed,
                "Failed" => TestOutcome.Failed,
                "Error" or "Timeout" or "Aborted" => TestOutcome.Error,
                _ => TestOutcome.Skipped, // NotExecuted, Inconclusive, NotRunnable, Pending, Disconnected
            };
            var (suite, name) = SplitTestName(fullName);
            string? file = null;
            int? line = null;
            if (outcome is TestOutcome.Failed or TestOutcome.Error)
            {
                (file, line) = FailureLocator.Find(stack, suite);
            }
            return new TestCaseRecord(suite, suite, name, outcome, duration, message?.Trim(), stack,
                output.Length == 0 ? null : Tail(output.ToString()), file, line, Producer: JUnitProducer.Trx);
        }
        catch (XmlException ex)
        {
            throw ReportXml.Malformed(path, "TRX", ex);
        }
    }

    /// <summary>"Ns.Class.Method(x: 1)" → ("Ns.Class", "Method(x: 1)").</summary>
    internal static (string Suite, string Name) SplitTestName(string fullName)
    {
        var paren = fullName.IndexOf('(', StringComparison.Ordinal);
        var head = paren < 0 ? fullName : fullName[..paren];
        var dot = head.LastIndexOf('.');
        return dot <= 0 ? (string.Empty, fullName) : (fullName[..dot], fullName[(dot + 1)..]);
    }

    private static string ReadText(XmlReader r, string path)
    {
        if (r.IsEmptyElement)
        {
            r.Read();
            return string.Empty;
        }
        var depth = r.Depth;
        var sb = new StringBuilder();
        Require(r.Read(), path);
        while (!(r.NodeType == XmlNodeType.EndElement && r.Depth == depth))
        {
            if (r.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace)
            {
                sb.Append(r.Value);
                if (sb.Length > 4 * MaxTextLength) sb.Remove(0, sb.Length - MaxTextLength);
            }
            Require(r.Read(), path);
        }
        r.Read();
        return sb.ToString();
    }

    private static bool Next(XmlReader r, string path)
    {
        try
        {
            return r.Read();
        }
        catch (XmlException ex)
        {
            throw ReportXml.Malformed(path, "test", ex);
        }
    }

    private static void Require(bool read, string path)
    {
        if (!read) throw ReportXml.Malformed(path, "test", new XmlException("Unexpected end of file.", null, 0, 0));
    }

    private static string Tail(string text) => text.Length <= MaxTextLength ? text : "…" + text[^MaxTextLength..];

}
