using System.Globalization;

namespace X0tta6bl4.Core.Commits;

/// <summary>
/// Reads commit messages as Conventional Commits 1.0.0: <c>type(scope)!: description</c>, a body of
/// any number of paragraphs, and footers in git-trailer form (<c>Token: value</c>, <c>Token #value</c>,
/// <c>BREAKING CHANGE: …</c>, <c>BREAKING-CHANGE: …</c>). Types and tokens are case-insensitive except
/// BREAKING CHANGE, which must be upper case. Also understands git's and GitHub's revert headers
/// (<c>Revert "…"</c> + <c>This reverts commit &lt;sha&gt;.</c>) and GitHub squash-merge suffixes
/// (<c>(#123)</c>). Pure and allocation-light: it runs once per commit over whole histories.
/// </summary>
public static class ConventionalCommitParser
{
    private static readonly string[] IssueFooterTokens =
    {
        "refs", "references", "ref", "closes", "close", "closed", "fixes", "fix", "fixed", "resolves", "resolve", "resolved", "issue", "issues", "see",
    };

    /// <summary>Parses one commit message (LF or CRLF line endings).</summary>
    public static ConventionalCommit Parse(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // Most commits are one line: no body or footers to look for.
        var newline = message.IndexOf('\n');
        if (newline < 0 || message.AsSpan(newline).IsWhiteSpace())
        {
            return ParseHeaderOnly(message.Trim());
        }
        var lines = SplitLines(message);
        var first = 0;
        while (first < lines.Count && IsBlank(message, lines[first])) first++;
        if (first == lines.Count)
        {
            return new ConventionalCommit { Header = string.Empty };
        }

        var headerRange = lines[first];
        var header = message.Substring(headerRange.Start, headerRange.Length).Trim();

        // Everything after the header: body paragraphs, then the footer block.
        var restStart = first + 1;
        var footerStart = FindFooterStart(message, lines, restStart);
        var body = JoinLines(message, lines, restStart, footerStart);
        var footers = footerStart < lines.Count ? ReadFooters(message, lines, footerStart) : (IReadOnlyList<CommitFooter>)Array.Empty<CommitFooter>();

        var breakingNotes = new List<string>();
        foreach (var f in footers)
        {
            if (f.IsBreakingChange) breakingNotes.Add(f.Value);
        }

        if (TryParseGitRevert(header, out var revertedHeader, out var revertPr))
        {
            return new ConventionalCommit
            {
                Header = header,
                IsConventional = true,
                Type = "revert",
                Description = revertedHeader,
                Body = body,
                Footers = footers,
                BreakingNotes = Array.Empty<string>(),
                PullRequest = revertPr,
                Issues = CollectIssues(string.Empty, revertPr, footers),
                IsRevert = true,
                RevertedShas = CollectRevertedShas(body, footers, fromRefs: false),
                RevertedHeader = revertedHeader,
            };
        }

        if (!TryParseHeader(header, out var type, out var scope, out var bang, out var description))
        {
            return new ConventionalCommit
            {
                Header = header,
                Description = header,
                Body = body,
                Footers = footers,
                BreakingNotes = breakingNotes,
            };
        }

        var pr = StripPullRequestSuffix(ref description);
        var isRevert = type == "revert";
        return new ConventionalCommit
        {
            Header = header,
            IsConventional = true,
            Type = type,
            Scope = scope,
            Description = description,
            Body = body,
            Footers = footers,
            HasBreakingMarker = bang,
            BreakingNotes = breakingNotes,
            PullRequest = pr,
            Issues = CollectIssues(description, pr, footers),
            IsRevert = isRevert,
            RevertedShas = isRevert ? CollectRevertedShas(body, footers, fromRefs: true) : Array.Empty<string>(),
        };
    }

    private static ConventionalCommit ParseHeaderOnly(string header)
    {
        if (header.Length == 0) return new ConventionalCommit { Header = string.Empty };
        if (TryParseGitRevert(header, out var revertedHeader, out var revertPr))
        {
            return new ConventionalCommit
            {
                Header = header, IsConventional = true, Type = "revert", Description = revertedHeader,
                PullRequest = revertPr, IsRevert = true, RevertedHeader = revertedHeader,
            };
        }
        if (!TryParseHeader(header, out var type, out var scope, out var bang, out var description))
        {
            return new ConventionalCommit { Header = header, Description = header };
        }
        var pr = StripPullRequestSuffix(ref description);
        return new ConventionalCommit
        {
            Header = header,
            IsConventional = true,
            Type = type,
            Scope = scope,
            Description = description,
            HasBreakingMarker = bang,
            PullRequest = pr,
            Issues = description.Contains('#') ? CollectIssues(description, pr, Array.Empty<CommitFooter>()) : Array.Empty<int>(),
            IsRevert = type == "revert",
        };
    }

    /// <summary>
    /// Reads GitHub's merge commit (<c>Merge pull request #12 from owner/branch</c>, PR title in the body):
    /// the number and the title, which first-parent histories use as the entry.
    /// </summary>
    public static bool TryParsePullRequestMerge(string message, out int pullRequest, out string? title)
    {
        pullRequest = 0;
        title = null;
        const string prefix = "Merge pull request #";
        var span = message.AsSpan().TrimStart();
        if (!span.StartsWith(prefix, StringComparison.Ordinal)) return false;
        span = span[prefix.Length..];
        var digits = 0;
        while (digits < span.Length && char.IsAsciiDigit(span[digits])) digits++;
        if (digits == 0 || !int.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out pullRequest)) return false;
        var newline = span.IndexOf('\n');
        if (newline >= 0)
        {
            var rest = span[(newline + 1)..];
            foreach (var line in rest.EnumerateLines())
            {
                var t = line.Trim();
                if (t.Length > 0)
                {
                    title = t.ToString();
                    break;
                }
            }
        }
        return true;
    }

    /// <summary>Parses <c>type(scope)!: description</c>. Type is returned in lower case.</summary>
    public static bool TryParseHeader(string header, out string? type, out string? scope, out bool breaking, out string description)
    {
        type = null;
        scope = null;
        breaking = false;
        description = string.Empty;
        var s = header.AsSpan();
        var i = 0;
        if (s.Length == 0 || !char.IsAsciiLetter(s[0])) return false;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '-' || s[i] == '_')) i++;
        var typeSpan = s[..i];
        if (i < s.Length && s[i] == '(')
        {
            var close = s[(i + 1)..].IndexOfAny('(', ')');
            if (close < 0 || s[i + 1 + close] != ')') return false;
            var scopeSpan = s.Slice(i + 1, close).Trim();
            if (scopeSpan.Length == 0) return false;
            scope = scopeSpan.ToString();
            i += close + 2;
        }
        if (i < s.Length && s[i] == '!')
        {
            breaking = true;
            i++;
        }
        if (i + 1 >= s.Length || s[i] != ':' || s[i + 1] != ' ') return false;
        var desc = s[(i + 2)..].Trim();
        if (desc.Length == 0) return false;
        type = KnownType(typeSpan) ?? typeSpan.ToString().ToLowerInvariant();
        description = desc.ToString();
        return true;
    }

    private static readonly string[] CommonTypes = { "feat", "fix", "docs", "chore", "refactor", "test", "perf", "ci", "build", "style", "revert", "sec", "security", "tests" };

    /// <summary>The interned lower-case name of a common type (no allocation on the hot path).</summary>
    private static string? KnownType(ReadOnlySpan<char> type)
    {
        foreach (var t in CommonTypes)
        {
            if (type.Equals(t, StringComparison.OrdinalIgnoreCase)) return t;
        }
        return null;
    }

    private static bool TryParseGitRevert(string header, out string revertedHeader, out int? pullRequest)
    {
        revertedHeader = string.Empty;
        pullRequest = null;
        const string prefix = "Revert \"";
        if (!header.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var last = header.LastIndexOf('"');
        if (last <= prefix.Length - 1) return false;
        revertedHeader = header.Substring(prefix.Length, last - prefix.Length);
        var suffix = header[(last + 1)..].Trim();
        if (suffix.Length > 0)
        {
            // The header with a placeholder in front, so the suffix parses like a squash title's.
            var d = "x " + suffix;
            pullRequest = StripPullRequestSuffix(ref d);
        }
        return revertedHeader.Length > 0;
    }

    /// <summary>Removes a trailing <c>(#123)</c> and returns 123.</summary>
    private static int? StripPullRequestSuffix(ref string description)
    {
        var d = description.AsSpan().TrimEnd();
        if (d.Length < 4 || d[^1] != ')') return null;
        var open = d.LastIndexOf("(#", StringComparison.Ordinal);
        if (open < 0) return null;
        var digits = d[(open + 2)..^1];
        if (digits.Length == 0 || digits.Length > 9) return null;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c)) return null;
        }
        var rest = d[..open].TrimEnd();
        if (rest.Length == 0) return null;
        var number = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        description = rest.ToString();
        return number;
    }

    private static IReadOnlyList<int> CollectIssues(string description, int? pullRequest, IReadOnlyList<CommitFooter> footers)
    {
        List<int>? issues = null;
        AddHashNumbers(description, ref issues);
        foreach (var f in footers)
        {
            if (f.Separator == " #")
            {
                AddLeadingNumber(f.Value, ref issues);
            }
            else if (Array.IndexOf(IssueFooterTokens, f.Token.ToLowerInvariant()) >= 0)
            {
                AddHashNumbers(f.Value, ref issues);
            }
        }
        if (issues is null) return Array.Empty<int>();
        if (pullRequest is { } pr) issues.Remove(pr);
        return issues.Distinct().ToArray();
    }

    private static void AddHashNumbers(string text, ref List<int>? into)
    {
        var s = text.AsSpan();
        for (var i = s.IndexOf('#'); i >= 0 && i < s.Length; )
        {
            var j = i + 1;
            while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
            var boundary = i == 0 || !char.IsAsciiLetterOrDigit(s[i - 1]);
            if (boundary && j > i + 1 && j - i - 1 <= 9 && (j == s.Length || !char.IsAsciiLetter(s[j])))
            {
                (into ??= new List<int>()).Add(int.Parse(s[(i + 1)..j], NumberStyles.None, CultureInfo.InvariantCulture));
            }
            var next = s[j..].IndexOf('#');
            i = next < 0 ? -1 : j + next;
        }
    }

    private static void AddLeadingNumber(string value, ref List<int>? into)
    {
        var s = value.AsSpan();
        var j = 0;
        while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
        if (j > 0 && j <= 9) (into ??= new List<int>()).Add(int.Parse(s[..j], NumberStyles.None, CultureInfo.InvariantCulture));
    }

    private static IReadOnlyList<string> CollectRevertedShas(string? body, IReadOnlyList<CommitFooter> footers, bool fromRefs)
    {
        List<string>? shas = null;
        if (body is not null)
        {
            const string marker = "This reverts commit ";
            var s = body.AsSpan();
            for (var i = s.IndexOf(marker, StringComparison.Ordinal); i >= 0; )
            {
                var start = i + marker.Length;
                var j = start;
                while (j < s.Length && char.IsAsciiHexDigit(s[j])) j++;
                if (j - start >= 7) (shas ??= new List<string>()).Add(s[start..j].ToString().ToLowerInvariant());
                var next = s[j..].IndexOf(marker, StringComparison.Ordinal);
                i = next < 0 ? -1 : j + next;
            }
        }
        foreach (var f in footers)
        {
            // "This reverts commit …" lands in a footer when it follows a token line; the Refs footer is the spec's own form.
            if (f.Value.Contains("This reverts commit ", StringComparison.Ordinal))
            {
                foreach (var s in CollectRevertedShas(f.Value, Array.Empty<CommitFooter>(), false)) (shas ??= new List<string>()).Add(s);
            }
            if (fromRefs && f.Token.Equals("refs", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var part in f.Value.Split(new[] { ',', ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (part.Length is >= 7 and <= 40 && part.All(char.IsAsciiHexDigit)) (shas ??= new List<string>()).Add(part.ToLowerInvariant());
                }
            }
        }
        return shas is null ? Array.Empty<string>() : shas.Distinct(StringComparer.Ordinal).ToArray();
    }

    // ---- line handling -------------------------------------------------------------------------

    private readonly record struct LineRange(int Start, int Length);

    private static List<LineRange> SplitLines(string text)
    {
        var result = new List<LineRange>(8);
        var start = 0;
        while (start <= text.Length)
        {
            var nl = text.IndexOf('\n', start);
            var end = nl < 0 ? text.Length : nl;
            var length = end - start;
            if (length > 0 && text[end - 1] == '\r') length--;
            result.Add(new LineRange(start, length));
            if (nl < 0) break;
            start = nl + 1;
        }
        // A final newline does not make an extra (empty) line worth keeping.
        while (result.Count > 0 && result[^1].Length == 0 && result[^1].Start >= text.Length) result.RemoveAt(result.Count - 1);
        return result;
    }

    private static bool IsBlank(string text, LineRange line) => text.AsSpan(line.Start, line.Length).IsWhiteSpace();

    /// <summary>
    /// The footer block starts at the first paragraph whose first line is a footer, provided every later
    /// paragraph starts with a footer too — or it is a BREAKING CHANGE footer, whose value may run over
    /// several paragraphs. A body paragraph that merely begins "Note: …" therefore stays body.
    /// </summary>
    private static int FindFooterStart(string text, List<LineRange> lines, int from)
    {
        var paragraphStarts = new List<int>();
        var previousBlank = true;
        for (var i = from; i < lines.Count; i++)
        {
            var blank = IsBlank(text, lines[i]);
            if (!blank && (previousBlank || i == from)) paragraphStarts.Add(i);
            previousBlank = blank;
        }
        for (var p = 0; p < paragraphStarts.Count; p++)
        {
            var line = text.AsSpan(lines[paragraphStarts[p]].Start, lines[paragraphStarts[p]].Length);
            if (!TryReadFooterLine(line, out var tokenLength, out _)) continue;
            if (IsBreakingToken(line[..tokenLength]))
            {
                return paragraphStarts[p];
            }
            var allFollowing = true;
            for (var q = p + 1; q < paragraphStarts.Count && allFollowing; q++)
            {
                var next = text.AsSpan(lines[paragraphStarts[q]].Start, lines[paragraphStarts[q]].Length);
                allFollowing = TryReadFooterLine(next, out _, out _);
            }
            if (allFollowing) return paragraphStarts[p];
        }
        return lines.Count;
    }

    private static IReadOnlyList<CommitFooter> ReadFooters(string text, List<LineRange> lines, int from)
    {
        var footers = new List<CommitFooter>();
        string? token = null;
        string? separator = null;
        var value = new System.Text.StringBuilder();
        void Flush()
        {
            if (token is not null) footers.Add(new CommitFooter(token, separator!, TrimBlankLines(value.ToString())));
            value.Clear();
        }
        for (var i = from; i < lines.Count; i++)
        {
            var line = text.AsSpan(lines[i].Start, lines[i].Length);
            if (TryReadFooterLine(line, out var tokenLength, out var separatorLength))
            {
                Flush();
                token = line[..tokenLength].ToString();
                separator = line.Slice(tokenLength, separatorLength).ToString();
                value.Append(line[(tokenLength + separatorLength)..].Trim());
            }
            else
            {
                value.Append('\n').Append(line.TrimEnd());
            }
        }
        Flush();
        return footers;
    }

    /// <summary>A footer line: a word token (letters, digits, hyphens) or BREAKING CHANGE, then ": " or " #".</summary>
    private static bool TryReadFooterLine(ReadOnlySpan<char> line, out int tokenLength, out int separatorLength)
    {
        tokenLength = 0;
        separatorLength = 0;
        if (line.StartsWith("BREAKING CHANGE", StringComparison.Ordinal))
        {
            tokenLength = "BREAKING CHANGE".Length;
        }
        else
        {
            if (line.Length == 0 || !char.IsAsciiLetterOrDigit(line[0])) return false;
            var i = 1;
            while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '-')) i++;
            tokenLength = i;
        }
        var rest = line[tokenLength..];
        if (rest.StartsWith(": ", StringComparison.Ordinal) && rest.Length > 2 && !rest[2..].IsWhiteSpace())
        {
            separatorLength = 2;
            return true;
        }
        if (rest.StartsWith(" #", StringComparison.Ordinal) && rest.Length > 2 && !char.IsWhiteSpace(rest[2]))
        {
            separatorLength = 2;
            return true;
        }
        return false;
    }

    private static bool IsBreakingToken(ReadOnlySpan<char> token) =>
        token.SequenceEqual("BREAKING CHANGE") || token.SequenceEqual("BREAKING-CHANGE");

    private static string? JoinLines(string text, List<LineRange> lines, int from, int to)
    {
        while (from < to && IsBlank(text, lines[from])) from++;
        while (to > from && IsBlank(text, lines[to - 1])) to--;
        if (from >= to) return null;
        // Lines are contiguous in the message: one substring, with CRLF folded to LF when present.
        var start = lines[from].Start;
        var end = lines[to - 1].Start + lines[to - 1].Length;
        var raw = text.Substring(start, end - start);
        return raw.Contains('\r') ? raw.Replace("\r\n", "\n", StringComparison.Ordinal) : raw;
    }

    private static string TrimBlankLines(string value)
    {
        var s = value.AsSpan();
        // Drop trailing blank lines; keep inner paragraph breaks of multi-paragraph values.
        var end = s.Length;
        while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
        return end == s.Length ? value : value[..end];
    }
}
