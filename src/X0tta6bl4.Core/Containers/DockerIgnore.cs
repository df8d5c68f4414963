using System.Text;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>
/// Reads a .dockerignore file into patterns exactly as the docker CLI does: a UTF-8 BOM on the first
/// line is dropped, a line whose first character is '#' is a comment (an indented '#' is a pattern),
/// surrounding white space (including trailing spaces) is trimmed, '!' marks an exception, and each
/// pattern is cleaned lexically with a leading '/' removed.
/// </summary>
public static class DockerIgnoreFile
{
    public const string FileName = ".dockerignore";

    public static IReadOnlyList<string> Parse(string text)
    {
        var patterns = new List<string>();
        var lines = text.Split('\n');
        // A final newline does not make an extra (empty) line; empty lines are skipped anyway.
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (line.EndsWith('\r')) line = line[..^1];
            if (n == 0 && line.Length > 0 && line[0] == '\uFEFF') line = line[1..];
            if (line.StartsWith('#'))
            {
                continue;
            }
            var pattern = line.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }
            var invert = pattern[0] == '!';
            if (invert)
            {
                pattern = pattern[1..].Trim();
            }
            if (pattern.Length > 0)
            {
                if (OperatingSystem.IsWindows()) pattern = pattern.Replace('\\', '/');
                pattern = GoPath.Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/')
                {
                    pattern = pattern[1..];
                }
            }
            patterns.Add(invert ? "!" + pattern : pattern);
        }
        return patterns;
    }

    /// <summary>Reads &lt;context&gt;/.dockerignore; no file means no patterns.</summary>
    public static IReadOnlyList<string> Read(string contextDirectory)
    {
        var path = Path.Combine(contextDirectory, FileName);
        return File.Exists(path) ? Parse(File.ReadAllText(path, new UTF8Encoding(false))) : Array.Empty<string>();
    }
}

/// <summary>What the matcher learned about a directory, handed to its children (the CLI's MatchInfo).</summary>
public readonly struct IgnoreMatchInfo
{
    internal IgnoreMatchInfo(bool[] parentMatched) => ParentMatched = parentMatched;
    internal bool[]? ParentMatched { get; }
    public static IgnoreMatchInfo None => default;
}

/// <summary>
/// The docker CLI's pattern matcher (moby/patternmatcher), reproduced rule for rule — including its
/// shortcuts for literal, "prefix/**" and "**/suffix" patterns, which match slightly differently from
/// the regular expression they stand for. Pure: paths in, decisions out.
/// </summary>
public sealed class IgnoreMatcher
{
    private readonly IgnorePattern[] _patterns;

    public IgnoreMatcher(IEnumerable<string> patterns)
    {
        var list = new List<IgnorePattern>();
        foreach (var raw in patterns)
        {
            var p = raw.Trim();
            if (p.Length == 0)
            {
                continue;
            }
            p = GoPath.Clean(p);
            var exclusion = false;
            if (p[0] == '!')
            {
                if (p.Length == 1)
                {
                    throw Invalid(raw, "an exception needs a pattern after '!'");
                }
                exclusion = true;
                p = p[1..];
                HasExclusions = true;
            }
            if (GlobSyntax.Validate(p) is { } problem)
            {
                throw Invalid(raw, problem);
            }
            list.Add(new IgnorePattern(p, exclusion));
        }
        _patterns = list.ToArray();
    }

    public bool HasExclusions { get; }
    public IReadOnlyList<IgnorePattern> Patterns => _patterns;

    /// <summary>
    /// True when <paramref name="file"/> (slash-separated, relative to the context) is excluded, using
    /// the parent directory's results; <paramref name="info"/> is what this path's children need.
    /// </summary>
    public bool Matches(string file, IgnoreMatchInfo parent, out IgnoreMatchInfo info)
    {
        var parentMatched = parent.ParentMatched;
        var matched = false;
        var mine = new bool[_patterns.Length];
        for (var i = 0; i < _patterns.Length; i++)
        {
            var pattern = _patterns[i];
            var match = parentMatched is not null && parentMatched[i];
            if (!match)
            {
                // An inclusion already satisfied, or an exception with nothing to undo, cannot change the result.
                if (pattern.Exclusion != matched)
                {
                    continue;
                }
                match = pattern.IsMatch(file);
                if (!match && parentMatched is null)
                {
                    match = MatchesAnAncestor(pattern, file);
                }
            }
            mine[i] = match;
            if (match)
            {
                matched = !pattern.Exclusion;
            }
        }
        info = new IgnoreMatchInfo(mine);
        return matched;
    }

    /// <summary>Whether <paramref name="file"/> or one of its parent directories is excluded (no walk state needed).</summary>
    public bool MatchesOrParentMatches(string file)
    {
        var matched = false;
        foreach (var pattern in _patterns)
        {
            if (pattern.Exclusion != matched)
            {
                continue;
            }
            var match = pattern.IsMatch(file) || MatchesAnAncestor(pattern, file);
            if (match)
            {
                matched = !pattern.Exclusion;
            }
        }
        return matched;
    }

    private static bool MatchesAnAncestor(IgnorePattern pattern, string file)
    {
        var parent = GoPath.Dir(file);
        if (parent == ".")
        {
            return false;
        }
        var dirs = parent.Split('/');
        for (var i = 0; i < dirs.Length; i++)
        {
            if (pattern.IsMatch(string.Join('/', dirs, 0, i + 1)))
            {
                return true;
            }
        }
        return false;
    }

    private static X0Exception Invalid(string pattern, string problem) =>
        new(ErrorIds.BuildContextInvalid, X0ErrorCategory.InvalidData,
            "valid .dockerignore patterns", $"'{pattern}': {problem}",
            "Fix the line in .dockerignore (the syntax is Go's filepath.Match plus '**' and '!' exceptions)", pattern);
}

/// <summary>One cleaned .dockerignore pattern.</summary>
public sealed class IgnorePattern
{
    private enum Kind { Exact, Prefix, Suffix, Regex }

    private readonly Kind _kind;
    private readonly Regex? _regex;

    internal IgnorePattern(string cleaned, bool exclusion)
    {
        Text = cleaned;
        Exclusion = exclusion;
        (_kind, _regex) = Compile(cleaned);
    }

    /// <summary>The cleaned pattern without its '!'.</summary>
    public string Text { get; }
    /// <summary>True for a '!' exception.</summary>
    public bool Exclusion { get; }

    public override string ToString() => Exclusion ? "!" + Text : Text;

    public bool IsMatch(string path) => _kind switch
    {
        Kind.Exact => path == Text,
        Kind.Prefix => path.StartsWith(Text[..^2], StringComparison.Ordinal),
        Kind.Suffix => MatchSuffix(path),
        _ => _regex!.IsMatch(path),
    };

    private bool MatchSuffix(string path)
    {
        var suffix = Text[2..];
        if (path.EndsWith(suffix, StringComparison.Ordinal))
        {
            return true;
        }
        // "**/foo" also matches "foo" itself.
        return suffix.Length > 0 && suffix[0] == '/' && path == suffix[1..];
    }

    // Same translation and the same choice of shortcut as the CLI; the regex is built in .NET syntax.
    private static (Kind, Regex?) Compile(string pattern)
    {
        var sb = new StringBuilder(@"\A");
        var kind = Kind.Exact;
        var escapes = !OperatingSystem.IsWindows();
        var i = 0;
        for (var iteration = 0; i < pattern.Length; iteration++)
        {
            var ch = pattern[i++];
            if (ch == '*')
            {
                if (i < pattern.Length && pattern[i] == '*')
                {
                    i++;
                    if (i < pattern.Length && pattern[i] == '/')
                    {
                        i++;
                    }
                    if (i >= pattern.Length)
                    {
                        if (kind == Kind.Exact)
                        {
                            kind = Kind.Prefix;
                        }
                        else
                        {
                            sb.Append(".*");
                            kind = Kind.Regex;
                        }
                    }
                    else
                    {
                        sb.Append("(.*/)?");
                        kind = Kind.Regex;
                    }
                    if (iteration == 0)
                    {
                        kind = Kind.Suffix;
                    }
                }
                else
                {
                    sb.Append("[^/]*");
                    kind = Kind.Regex;
                }
            }
            else if (ch == '?')
            {
                sb.Append("[^/]");
                kind = Kind.Regex;
            }
            else if (".+()|{}$".Contains(ch))
            {
                sb.Append('\\').Append(ch);
            }
            else if (ch == '\\' && escapes)
            {
                if (i < pattern.Length)
                {
                    sb.Append(GoEscape(pattern[i++], pattern));
                    kind = Kind.Regex;
                }
                else
                {
                    sb.Append(@"\\");
                }
            }
            else if (ch == '\\')
            {
                sb.Append('/');
            }
            else if (ch == '[' || ch == ']')
            {
                sb.Append(ch);
                kind = Kind.Regex;
            }
            else
            {
                // Go appends every other character unescaped; in .NET the same characters are literals,
                // except those that need escaping to stay literal in .NET syntax.
                sb.Append(ch is '#' or ' ' ? "\\" + ch : ch.ToString());
            }
        }
        if (kind != Kind.Regex)
        {
            return (kind, null);
        }
        sb.Append(@"\z");
        try
        {
            return (Kind.Regex, new Regex(sb.ToString(), RegexOptions.CultureInvariant));
        }
        catch (ArgumentException ex)
        {
            throw new X0Exception(ErrorIds.BuildContextInvalid, X0ErrorCategory.InvalidData,
                "valid .dockerignore patterns", $"'{pattern}': {ex.Message}", "Fix the line in .dockerignore", pattern);
        }
    }

    // A backslash escape means what it means in Go's regexp syntax (that is what the CLI compiles to).
    private static string GoEscape(char c, string pattern) => c switch
    {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => @"[\t\n\f\r ]",
        'S' => @"[^\t\n\f\r ]",
        'w' => "[0-9A-Za-z_]",
        'W' => "[^0-9A-Za-z_]",
        'b' => @"\b",
        'B' => @"\B",
        'A' => @"\A",
        'z' => @"\z",
        'a' => @"\a",
        'f' => @"\f",
        't' => @"\t",
        'n' => @"\n",
        'r' => @"\r",
        'v' => @"\v",
        _ when char.IsAsciiLetterOrDigit(c) => throw new X0Exception(ErrorIds.BuildContextInvalid, X0ErrorCategory.InvalidData,
            "valid .dockerignore patterns", $"'{pattern}': the escape \\{c} is not supported (the docker CLI rejects it too)",
            "Remove the backslash", pattern),
        _ => Regex.Escape(c.ToString()) is var e && e.Length > 1 ? e : "\\" + c,
    };
}

/// <summary>The syntax check Go's filepath.Match performs (the CLI rejects a .dockerignore that fails it).</summary>
internal static class GlobSyntax
{
    public static string? Validate(string pattern)
    {
        var escapes = !OperatingSystem.IsWindows();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\\' && escapes)
            {
                if (i + 1 >= pattern.Length) return "a trailing backslash escapes nothing";
                i += 2;
                continue;
            }
            if (c != '[')
            {
                i++;
                continue;
            }
            i++;
            if (i < pattern.Length && pattern[i] == '^') i++;
            var ranges = 0;
            while (true)
            {
                if (i < pattern.Length && pattern[i] == ']' && ranges > 0)
                {
                    i++;
                    break;
                }
                if (!ReadClassChar(pattern, ref i, escapes)) return "a malformed character class '[...]'";
                if (pattern[i] == '-')
                {
                    i++;
                    if (!ReadClassChar(pattern, ref i, escapes)) return "a malformed range in '[...]'";
                }
                ranges++;
            }
        }
        return null;
    }

    // Go's getEsc: one (possibly escaped) character, which must be followed by more pattern.
    private static bool ReadClassChar(string p, ref int i, bool escapes)
    {
        if (i >= p.Length || p[i] == '-' || p[i] == ']') return false;
        if (p[i] == '\\' && escapes)
        {
            i++;
            if (i >= p.Length) return false;
        }
        i += char.IsHighSurrogate(p[i]) && i + 1 < p.Length ? 2 : 1;
        return i < p.Length;
    }
}
