using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Testing.Reports;

/// <summary>How one test case ended.</summary>
public enum TestOutcome { Passed, Failed, Error, Skipped }

/// <summary>One test case from a JUnit or TRX report: Suite is the innermost &lt;testsuite&gt; name, ClassName the case's own classname.</summary>
public sealed record TestCaseRecord(
    string Suite,
    string? ClassName,
    string Name,
    TestOutcome Outcome,
    TimeSpan Duration,
    string? Message = null,
    string? Detail = null,
    string? Output = null,
    string? File = null,
    int? Line = null,
    string? FailureType = null,
    JUnitProducer Producer = JUnitProducer.Generic);

/// <summary>Shared pieces of the streaming report readers.</summary>
internal static class ReportXml
{
    public static XmlReaderSettings Settings { get; } = new()
    {
        // Pester's Cobertura carries a DOCTYPE; ignore it (never fetch or expand external entities).
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = true,
    };

    public static XmlReader Open(string path) =>
        XmlReader.Create(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), Settings);

    public static X0Exception Malformed(string path, string kind, XmlException ex) =>
        new(ErrorIds.ReportMalformed, X0ErrorCategory.ParserError,
            $"a well-formed {kind} report in {path}",
            $"line {ex.LineNumber}, position {ex.LinePosition}: {FirstLine(ex.Message)}",
            "The tool probably stopped while writing it (crash, timeout, full disk): run the gate again, and check the tool's output", path, ex);

    public static X0Exception Unrecognized(string path, string kind, string root) =>
        new(ErrorIds.ReportMalformed, X0ErrorCategory.InvalidData,
            $"a {kind} report (root element {(kind == "Cobertura" ? "<coverage>" : "<testsuites>, <testsuite> or <TestRun>")}) in {path}",
            $"<{root}>", "Point the gate at the tool's JUnit XML, TRX or Cobertura output", path);

    public static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        return (i < 0 ? s : s[..i]).Trim();
    }

    public static TimeSpan Seconds(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return TimeSpan.Zero;
        return double.TryParse(value.Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 && s < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(s)
            : TimeSpan.Zero;
    }

    public static int? Int(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    public static long? Long(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    /// <summary>A count some writers spell as a float ("12.0"); a fraction or a negative number is not a count.</summary>
    public static long? Count(string? value)
    {
        if (Long(value) is { } l) return l >= 0 ? l : null;
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d <= long.MaxValue && Math.Abs(d - Math.Round(d)) < 1e-9
            ? (long)Math.Round(d)
            : null;
    }

    /// <summary>A rate from 0 to 1 ("0.8125"), or null when absent or out of range.</summary>
    public static double? Rate(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d <= 1 ? d : null;
}

/// <summary>
/// Finds the source location of a failure in the text a runner reported: pytest's "tests/x.py:12: AssertionError",
/// .NET stack frames "in /src/X.cs:line 12", Pester's "at ..., /path/x.Tests.ps1:16".
/// </summary>
public static partial class FailureLocator
{
    [GeneratedRegex(@" in (?<file>[^\r\n]+?):line (?<line>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex DotNetFrame();

    [GeneratedRegex(@"^(?<file>[^\s:<>""|][^:\r\n<>""|]*?\.[A-Za-z0-9]+):(?<line>\d+)(?::|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PathLine();

    [GeneratedRegex(@"^at .*, (?<file>[^\r\n,]+?):(?<line>\d+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PesterFrame();

    [GeneratedRegex(@"(?<file>[A-Za-z]:[\\/][^\s:()""']+|/[^\s:()""']+|[\w.-]+(?:[\\/][\w.-]+)*)\.(?<ext>py|cs|ps1|psm1|fs|vb|js|ts)[:(](?<line>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex AnyPathLine();

    /// <summary>Returns the best (file, line) in <paramref name="text"/>, preferring a frame in the test's own file.</summary>
    public static (string? File, int? Line) Find(string? text, string? className)
    {
        if (string.IsNullOrEmpty(text)) return (null, null);

        var dotnet = DotNetFrame().Match(text);
        if (dotnet.Success) return (dotnet.Groups["file"].Value.Trim(), int.Parse(dotnet.Groups["line"].Value, CultureInfo.InvariantCulture));

        var pester = PesterFrame().Match(text);
        if (pester.Success) return (pester.Groups["file"].Value.Trim(), int.Parse(pester.Groups["line"].Value, CultureInfo.InvariantCulture));

        var frames = PathLine().Matches(text);
        if (frames.Count > 0)
        {
            var own = className is null ? null : className.Replace('.', '/') + ".py";
            Match? best = null;
            foreach (Match m in frames)
            {
                if (own is not null && m.Groups["file"].Value.Replace('\\', '/').EndsWith(own, StringComparison.Ordinal)) best = m;
            }
            best ??= frames[^1];
            return (best.Groups["file"].Value, int.Parse(best.Groups["line"].Value, CultureInfo.InvariantCulture));
        }

        var any = AnyPathLine().Match(text);
        return any.Success
            ? (any.Groups["file"].Value + "." + any.Groups["ext"].Value, int.Parse(any.Groups["line"].Value, CultureInfo.InvariantCulture))
            : (null, null);
    }
}
