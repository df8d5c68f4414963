using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Testing.Reports;

namespace X0tta6bl4.Core.Testing;

/// <summary>
/// Turns what linters, type checkers and formatters print into <see cref="GateDiagnostic"/> objects:
/// flake8, mypy, black (its diff), ruff (JSON and concise text, and ruff format), PSScriptAnalyzer
/// (its DiagnosticRecord as JSON), MSBuild/dotnet build and dotnet format (text and its JSON report).
/// Paths come out relative to the run's root with forward slashes.
/// </summary>
public static partial class DiagnosticParsers
{
    [GeneratedRegex(@"^(?<file>[^\r\n]+?):(?<line>\d+):(?<col>\d+): (?<code>[A-Z]+[0-9]+) (?<msg>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Flake8Line();

    [GeneratedRegex(@"^(?<file>[^\r\n]+?):(?<line>\d+)(?::(?<col>\d+))?(?::\d+:\d+)?: (?<sev>error|warning|note): (?<msg>.*?)(?:  \[(?<code>[a-z0-9-]+)\])?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex MypyLine();

    [GeneratedRegex(@"^(?<file>[^\r\n]+?):(?<line>\d+):(?<col>\d+): (?:(?<code>[A-Z]+[0-9]+|[A-Za-z]+Error):? )?(?<msg>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex RuffConciseLine();

    [GeneratedRegex(@"^\s*(?<file>[^\r\n(]+?)\((?<line>\d+)(?:,(?<col>\d+))?(?:,\d+,\d+)?\)\s*:\s*(?<sev>error|warning)\s+(?<code>[A-Za-z][A-Za-z0-9_]*)\s*:\s*(?<msg>.*?)(?:\s+\[(?<proj>[^\]]+)\])?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex MsBuildLine();

    [GeneratedRegex(@"^@@ -(?<old>\d+)(?:,\d+)? \+(?<new>\d+)(?:,\d+)? @@", RegexOptions.CultureInvariant)]
    private static partial Regex HunkHeader();

    [GeneratedRegex(@"^error: cannot format (?<file>.+?): (?<msg>.*?(?<line>\d+):(?<col>\d+).*)$", RegexOptions.CultureInvariant)]
    private static partial Regex BlackCannotFormat();

    public static List<GateDiagnostic> Flake8(string output, string projectRoot, string runRoot)
    {
        var result = new List<GateDiagnostic>();
        foreach (var line in Lines(output))
        {
            var m = Flake8Line().Match(line);
            if (!m.Success) continue;
            var code = m.Groups["code"].Value;
            result.Add(new GateDiagnostic
            {
                File = SourcePaths.Display(m.Groups["file"].Value, projectRoot, runRoot),
                Line = Int(m.Groups["line"].Value),
                Column = Int(m.Groups["col"].Value),
                Code = code,
                Message = m.Groups["msg"].Value.Trim(),
                Severity = code.StartsWith('W') || code.StartsWith('C') ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
                Tool = "flake8",
            });
        }
        return result;
    }

    public static List<GateDiagnostic> Mypy(string output, string projectRoot, string runRoot)
    {
        var result = new List<GateDiagnostic>();
        foreach (var line in Lines(output))
        {
            var m = MypyLine().Match(line);
            if (!m.Success) continue;
            result.Add(new GateDiagnostic
            {
                File = SourcePaths.Display(m.Groups["file"].Value, projectRoot, runRoot),
                Line = Int(m.Groups["line"].Value),
                Column = m.Groups["col"].Success ? Int(m.Groups["col"].Value) : null,
                Code = m.Groups["code"].Success ? m.Groups["code"].Value : null,
                Message = m.Groups["msg"].Value.Trim(),
                Severity = m.Groups["sev"].Value switch
                {
                    "error" => DiagnosticSeverity.Error,
                    "warning" => DiagnosticSeverity.Warning,
                    _ => DiagnosticSeverity.Information,
                },
                Tool = "mypy",
            });
        }
        return result;
    }

    /// <summary>black --check --diff: one diagnostic per hunk at its first changed line; files listed without a diff get one at line 1.</summary>
    public static List<GateDiagnostic> Black(string stdout, string stderr, string projectRoot, string runRoot)
    {
        var result = new List<GateDiagnostic>();
        var filesWithHunks = new HashSet<string>(StringComparer.Ordinal);
        string? file = null;
        int oldLine = 0, first = 0, last = 0;
        var inHunk = false;

        void Flush()
        {
            if (inHunk && file is not null && first > 0)
            {
                result.Add(new GateDiagnostic
                {
                    File = SourcePaths.Display(file, projectRoot, runRoot),
                    Line = first,
                    Column = 1,
                    Code = "format",
                    Message = last > first ? $"would reformat lines {first}-{last}" : $"would reformat line {first}",
                    Severity = DiagnosticSeverity.Error,
                    Tool = "black",
                });
                filesWithHunks.Add(SourcePaths.Display(file, projectRoot, runRoot)!);
            }
            inHunk = false;
            first = last = 0;
        }

        foreach (var line in Lines(stdout))
        {
            if (line.StartsWith("--- ", StringComparison.Ordinal))
            {
                Flush();
                file = line[4..].Split('\t')[0].Trim();
                continue;
            }
            if (line.StartsWith("+++ ", StringComparison.Ordinal)) continue;
            var h = HunkHeader().Match(line);
            if (h.Success)
            {
                Flush();
                inHunk = true;
                oldLine = Int(h.Groups["old"].Value) ?? 1;
                continue;
            }
            if (!inHunk) continue;
            if (line.StartsWith('-'))
            {
                if (first == 0) first = oldLine;
                last = oldLine;
                oldLine++;
            }
            else if (line.StartsWith('+'))
            {
                if (first == 0) first = Math.Max(1, oldLine);
                last = Math.Max(last, Math.Max(1, oldLine - 1));
            }
            else
            {
                oldLine++;
            }
        }
        Flush();

        foreach (var line in Lines(stderr))
        {
            if (line.StartsWith("would reformat ", StringComparison.Ordinal))
            {
                var path = SourcePaths.Display(line["would reformat ".Length..].Trim(), projectRoot, runRoot)!;
                if (filesWithHunks.Contains(path)) continue;
                result.Add(new GateDiagnostic { File = path, Line = 1, Column = 1, Code = "format", Message = "would reformat", Tool = "black" });
                continue;
            }
            var c = BlackCannotFormat().Match(line);
            if (c.Success)
            {
                result.Add(new GateDiagnostic
                {
                    File = SourcePaths.Display(c.Groups["file"].Value, projectRoot, runRoot),
                    Line = Int(c.Groups["line"].Value),
                    Column = Int(c.Groups["col"].Value),
                    Code = "parse",
                    Message = "cannot format: " + c.Groups["msg"].Value.Trim(),
                    Tool = "black",
                });
            }
        }
        return result;
    }

    /// <summary>ruff check --output-format=json (an array of violations), or its concise text as a fallback.</summary>
    public static List<GateDiagnostic> Ruff(string output, string projectRoot, string runRoot)
    {
        var trimmed = output.TrimStart();
        if (trimmed.StartsWith('['))
        {
            var end = trimmed.LastIndexOf(']');
            try
            {
                using var doc = JsonDocument.Parse(end > 0 ? trimmed[..(end + 1)] : trimmed);
                var result = new List<GateDiagnostic>();
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    var location = e.TryGetProperty("location", out var loc) && loc.ValueKind == JsonValueKind.Object ? loc : default;
                    result.Add(new GateDiagnostic
                    {
                        File = SourcePaths.Display(Str(e, "filename"), projectRoot, runRoot),
                        Line = location.ValueKind == JsonValueKind.Object ? IntProp(location, "row") : null,
                        Column = location.ValueKind == JsonValueKind.Object ? IntProp(location, "column") : null,
                        Code = Str(e, "code") ?? "syntax",
                        Message = Str(e, "message") ?? string.Empty,
                        Tool = "ruff",
                    });
                }
                return result;
            }
            catch (JsonException)
            {
                // Fall through to the text form.
            }
        }
        var text = new List<GateDiagnostic>();
        foreach (var line in Lines(output))
        {
            var m = RuffConciseLine().Match(line);
            if (!m.Success) continue;
            text.Add(new GateDiagnostic
            {
                File = SourcePaths.Display(m.Groups["file"].Value, projectRoot, runRoot),
                Line = Int(m.Groups["line"].Value),
                Column = Int(m.Groups["col"].Value),
                Code = m.Groups["code"].Success ? m.Groups["code"].Value : "syntax",
                Message = m.Groups["msg"].Value.Trim(),
                Tool = "ruff",
            });
        }
        return text;
    }

    /// <summary>ruff format --check: "Would reformat: path" per file.</summary>
    public static List<GateDiagnostic> RuffFormat(string output, string projectRoot, string runRoot) =>
        Lines(output)
            .Where(l => l.StartsWith("Would reformat: ", StringComparison.Ordinal))
            .Select(l => new GateDiagnostic
            {
                File = SourcePaths.Display(l["Would reformat: ".Length..].Trim(), projectRoot, runRoot),
                Line = 1,
                Column = 1,
                Code = "format",
                Message = "would reformat",
                Tool = "ruff-format",
            })
            .ToList();

    /// <summary>
    /// PSScriptAnalyzer DiagnosticRecords serialized with ConvertTo-Json (one object or an array; Severity as
    /// a name or as its number: 0 Information, 1 Warning, 2 Error, 3 ParseError).
    /// </summary>
    public static List<GateDiagnostic> PSScriptAnalyzer(string json, string projectRoot, string runRoot)
    {
        var result = new List<GateDiagnostic>();
        var text = json.Trim();
        if (text.Length == 0) return result;
        using var doc = JsonDocument.Parse(text);
        IEnumerable<JsonElement> items = doc.RootElement.ValueKind == JsonValueKind.Array
            ? doc.RootElement.EnumerateArray()
            : new[] { doc.RootElement };
        foreach (var e in items)
        {
            if (e.ValueKind != JsonValueKind.Object) continue;
            var severity = e.TryGetProperty("Severity", out var s)
                ? s.ValueKind == JsonValueKind.Number
                    ? s.GetInt32() switch { 0 => "Information", 1 => "Warning", _ => "Error" }
                    : s.GetString() ?? "Warning"
                : "Warning";
            var file = Str(e, "ScriptPath") ?? Str(e, "ScriptName");
            int? line = IntProp(e, "Line"), column = IntProp(e, "Column");
            if (line is null && e.TryGetProperty("Extent", out var extent) && extent.ValueKind == JsonValueKind.Object)
            {
                line = IntProp(extent, "StartLineNumber");
                column = IntProp(extent, "StartColumnNumber");
                file ??= Str(extent, "File");
            }
            result.Add(new GateDiagnostic
            {
                File = SourcePaths.Display(file, projectRoot, runRoot),
                Line = line,
                Column = column,
                Code = Str(e, "RuleName"),
                Message = (Str(e, "Message") ?? string.Empty).Trim(),
                Severity = severity switch
                {
                    "Information" => DiagnosticSeverity.Information,
                    "Warning" => DiagnosticSeverity.Warning,
                    _ => DiagnosticSeverity.Error,
                },
                Tool = "PSScriptAnalyzer",
            });
        }
        return result;
    }

    /// <summary>MSBuild's canonical lines (dotnet build, dotnet test's build step, dotnet format), de-duplicated.</summary>
    public static List<GateDiagnostic> MsBuild(string output, string tool, string projectRoot, string runRoot)
    {
        var result = new List<GateDiagnostic>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Lines(output))
        {
            var m = MsBuildLine().Match(line);
            if (!m.Success) continue;
            var d = new GateDiagnostic
            {
                File = SourcePaths.Display(m.Groups["file"].Value, projectRoot, runRoot),
                Line = Int(m.Groups["line"].Value),
                Column = m.Groups["col"].Success ? Int(m.Groups["col"].Value) : null,
                Code = m.Groups["code"].Value,
                Message = m.Groups["msg"].Value.Trim(),
                Severity = m.Groups["sev"].Value == "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
                Tool = tool,
            };
            if (seen.Add($"{d.File}|{d.Line}|{d.Column}|{d.Code}|{d.Message}|{d.Severity}")) result.Add(d);
        }
        return result;
    }

    /// <summary>The JSON report of dotnet format --report: documents with their FileChanges.</summary>
    public static List<GateDiagnostic> DotnetFormatReport(string json, string projectRoot, string runRoot)
    {
        var result = new List<GateDiagnostic>();
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return result;
        foreach (var document in doc.RootElement.EnumerateArray())
        {
            var file = SourcePaths.Display(Str(document, "FilePath") ?? Str(document, "FileName"), projectRoot, runRoot);
            if (!document.TryGetProperty("FileChanges", out var changes) || changes.ValueKind != JsonValueKind.Array) continue;
            foreach (var c in changes.EnumerateArray())
            {
                result.Add(new GateDiagnostic
                {
                    File = file,
                    Line = IntProp(c, "LineNumber"),
                    Column = IntProp(c, "CharNumber"),
                    Code = Str(c, "DiagnosticId"),
                    Message = (Str(c, "FormatDescription") ?? string.Empty).Trim(),
                    Tool = "dotnet-format",
                });
            }
        }
        return result;
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r'));

    private static int? Int(string s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? IntProp(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
