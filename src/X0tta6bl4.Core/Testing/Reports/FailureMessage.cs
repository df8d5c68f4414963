using System.Text.RegularExpressions;

namespace X0tta6bl4.Core.Testing.Reports;

/// <summary>The tools whose JUnit dialect is recognised; each writes its failure text its own way.</summary>
public enum JUnitProducer { Generic, Pytest, Jest, PHPUnit, Surefire, Pester, DotNetLogger, Swift, Trx }

/// <summary>
/// Tells the producer of a JUnit file from its root and first suite, and picks the one line that says why a
/// test failed: the <c>message</c> attribute when the tool wrote a real one, else the first meaningful line of
/// the failure's text as that tool lays it out (pytest's <c>E</c> lines, a Python traceback's last line,
/// PHPUnit's line after the test's name, jest's and Surefire's first line). Generic placeholders such as
/// go-junit-report's "Failed" give way to the text when there is one.
/// </summary>
public static partial class FailureMessage
{
    private static readonly HashSet<string> Placeholders = new(StringComparer.OrdinalIgnoreCase) { "failed", "failure", "error", "fail", "errored" };

    /// <summary>Guesses the producer from the attributes of the root and of the first test suite / test case.</summary>
    public static JUnitProducer Detect(string? rootName, string? schemaLocation, string? suiteName, bool caseHasPhpClass)
    {
        if (caseHasPhpClass) return JUnitProducer.PHPUnit;
        if (schemaLocation?.Contains("surefire", StringComparison.OrdinalIgnoreCase) == true) return JUnitProducer.Surefire;
        if (string.Equals(rootName, "Pester", StringComparison.Ordinal) || schemaLocation?.Contains("junit_schema_4", StringComparison.OrdinalIgnoreCase) == true) return JUnitProducer.Pester;
        if (string.Equals(rootName, "jest tests", StringComparison.Ordinal)) return JUnitProducer.Jest;
        if (string.Equals(suiteName, "pytest", StringComparison.Ordinal)) return JUnitProducer.Pytest;
        if (string.Equals(suiteName, "TestResults", StringComparison.Ordinal)) return JUnitProducer.Swift;
        if (suiteName?.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) == true) return JUnitProducer.DotNetLogger;
        return JUnitProducer.Generic;
    }

    /// <summary>The one-line reason for a failure or error.</summary>
    public static string? Pick(string? attribute, string? body, JUnitProducer producer)
    {
        var fromBody = FromBody(body, producer);
        if (!string.IsNullOrWhiteSpace(attribute))
        {
            var trimmed = attribute.Trim();
            return Placeholders.Contains(trimmed) && fromBody is not null ? fromBody : trimmed;
        }
        return fromBody;
    }

    [GeneratedRegex(@"^[A-Za-z_][\w\\.]*::\w+", RegexOptions.CultureInvariant)]
    private static partial Regex PhpTestId();

    /// <summary>A stack frame, or a line that is nothing but a location (PHPUnit's "/srv/x.php:24").</summary>
    [GeneratedRegex(@"^(at |File ""|\S+\.(php|py|js|ts|java|cs|ps1|go|swift)(:\d+)+$)", RegexOptions.CultureInvariant)]
    private static partial Regex FrameLine();

    private static string? FromBody(string? body, JUnitProducer producer)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        var lines = body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).ToList();
        if (PytestAssertion(lines) is { } e) return e;
        if (lines.FirstOrDefault(l => l.Length > 0) is { } first && first.StartsWith("Traceback (most recent call last)", StringComparison.Ordinal))
        {
            return lines.LastOrDefault(Meaningful);
        }
        var start = 0;
        if (producer is JUnitProducer.PHPUnit or JUnitProducer.Generic)
        {
            // PHPUnit starts the text with the test's own id ("Ns\FooTest::testBar"), then the reason.
            var firstIndex = lines.FindIndex(l => l.Length > 0);
            if (firstIndex >= 0 && PhpTestId().IsMatch(lines[firstIndex]) && !lines[firstIndex].Contains(' ', StringComparison.Ordinal)) start = firstIndex + 1;
            else if (firstIndex >= 0 && PhpTestId().IsMatch(lines[firstIndex]) && lines[firstIndex].Contains(" with data set ", StringComparison.Ordinal)) start = firstIndex + 1;
        }
        var line = lines.Skip(start).FirstOrDefault(l => Meaningful(l) && !FrameLine().IsMatch(l))
                   ?? lines.Skip(start).FirstOrDefault(Meaningful);
        // jest prefixes a timeout's text with ": ".
        return line?.TrimStart(':', ' ');
    }

    /// <summary>pytest marks the explanation with "E" at the left margin; the last block is the final exception.</summary>
    private static string? PytestAssertion(List<string> lines)
    {
        var lastBlockStart = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            if (IsPytestE(lines[i]) && (i == 0 || !IsPytestE(lines[i - 1]))) lastBlockStart = i;
        }
        if (lastBlockStart < 0) return null;
        for (var i = lastBlockStart; i < lines.Count && IsPytestE(lines[i]); i++)
        {
            var text = lines[i][1..].Trim();
            if (text.Length > 0) return text;
        }
        return null;
    }

    private static bool IsPytestE(string trimmed) => trimmed == "E" || trimmed.StartsWith("E ", StringComparison.Ordinal);

    /// <summary>A line with a letter or digit in it (not "~~~~~" underlines or blank lines).</summary>
    private static bool Meaningful(string line) => line.Any(char.IsLetterOrDigit);
}
