using System.Text.RegularExpressions;
using Semver;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// A configured file with a search/replace template (bump-my-version style: <c>search = "VERSION = '{current_version}'"</c>).
/// The template is the anchor: it must match exactly <see cref="Count"/> times, or nothing is changed.
/// </summary>
public sealed class PatternVersionFile : VersionFile
{
    // A version-shaped token: SemVer, or PEP 440 release with pre/dev/post segments.
    internal const string AnyVersion =
        @"[0-9]+\.[0-9]+(?:\.[0-9]+)?(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*|(?:\.?(?:a|b|rc|alpha|beta|c)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?)(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?";

    private static readonly string[] CurrentPlaceholders = { "{current_version}", "{version}" };
    private static readonly string[] NewPlaceholders = { "{new_version}", "{version}" };

    public PatternVersionFile(string path, string root, string search, string? replace, VersionScheme scheme,
        int count = 1, bool isRegex = false) : base(path, root)
    {
        if (!CurrentPlaceholders.Any(p => search.Contains(p, StringComparison.Ordinal)))
        {
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidArgument,
                "a search pattern containing {current_version}", $"'{search}' for {RelativePath}",
                "Write the search pattern with {current_version} where the version stands", path);
        }
        if (count < 1)
        {
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidArgument,
                "count of at least 1", $"count = {count} for {RelativePath}", "Set count to the number of occurrences to change", path);
        }
        Search = search;
        Replace = replace ?? search.Replace("{current_version}", "{new_version}", StringComparison.Ordinal);
        Scheme = scheme;
        Count = count;
        IsRegex = isRegex;
    }

    public string Search { get; }
    public string Replace { get; }
    public int Count { get; }
    public bool IsRegex { get; }
    public override VersionScheme Scheme { get; }
    public override string Anchor => $"search '{Search}'";

    /// <summary>A section (INI) or table (TOML) of this file whose matches do not count: the legacy config's own.</summary>
    public (string Section, bool Toml)? IgnoredSection { get; set; }

    /// <summary>Set by the planner once another file has told the current version, so the template matches it literally.</summary>
    public SemVersion? KnownCurrentVersion { get; set; }

    public override VersionReading Read(TextFileContent content)
    {
        var text = content.Text;
        var versionPattern = KnownCurrentVersion is null
            ? AnyVersion
            : Regex.Escape(VersionText.Format(KnownCurrentVersion, Scheme));
        var regex = BuildRegex(versionPattern);
        var ignored = IgnoredSection is { } section
            ? (section.Toml ? PyprojectVersionFile.FindTable(text, section.Section) : LegacyConfigVersionFile.FindIniSection(text, section.Section))
            : (-1, -1);
        var matches = regex.Matches(text).Where(m => m.Index < ignored.Item1 || m.Index >= ignored.Item2).ToList();
        var expected = $"{Count} match{(Count == 1 ? "" : "es")} of '{Search}'" +
                       (KnownCurrentVersion is null ? "" : $" with the current version {VersionText.Format(KnownCurrentVersion, Scheme)}");
        if (matches.Count == 0)
        {
            throw NotFound(expected);
        }
        if (matches.Count != Count)
        {
            throw Ambiguous(expected, matches.Count, matches.Select(m => TextLines.LineNumberAt(text, m.Index)));
        }

        var versions = matches.Select(m => m.Groups["v"].Value).Distinct(StringComparer.Ordinal).ToList();
        if (versions.Count > 1)
        {
            throw new X0Exception(ErrorIds.VersionMismatch, X0ErrorCategory.InvalidData,
                $"every match of '{Search}' in {RelativePath} to carry the same version", string.Join(", ", versions),
                $"Make the versions in {RelativePath} agree", FullPath);
        }
        var first = matches[0].Groups["v"];
        var version = ParseIn(first.Value, Scheme, first.Index, text);
        var scheme = Scheme;
        var replace = Replace;
        var sites = matches.Select(m =>
        {
            var old = m.Groups["v"].Value;
            var newline = m.Value.Contains("\r\n", StringComparison.Ordinal) ? "\r\n"
                : m.Value.Contains('\r') ? "\r" : m.Value.Contains('\n') ? "\n" : DominantNewline(text);
            return new VersionSite(m.Index, m.Length, m.Value, v => WithNewlines(RenderReplacement(replace, old, VersionText.Format(v, scheme)), newline));
        }).ToList();
        return new VersionReading(version, first.Value, sites);
    }

    private Regex BuildRegex(string versionPattern)
    {
        string pattern;
        if (IsRegex)
        {
            pattern = Search;
            foreach (var p in CurrentPlaceholders)
            {
                pattern = pattern.Replace(p, $"(?<v>{versionPattern})", StringComparison.Ordinal);
            }
        }
        else
        {
            // Escape the literal parts; the first placeholder captures, later ones must repeat it.
            var parts = SplitOnPlaceholders(Search);
            var sb = new System.Text.StringBuilder();
            var captured = false;
            foreach (var (literal, isPlaceholder) in parts)
            {
                if (!isPlaceholder)
                {
                    // A multi-line search (bump2version reads files with universal newlines) matches
                    // whatever line ending the file uses.
                    sb.Append(string.Join(@"(?:\r\n|\r|\n)",
                        literal.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').Select(Regex.Escape)));
                }
                else if (!captured)
                {
                    sb.Append($"(?<v>{versionPattern})");
                    captured = true;
                }
                else
                {
                    sb.Append(@"\k<v>");
                }
            }
            pattern = sb.ToString();
        }
        try
        {
            return new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5));
        }
        catch (ArgumentException ex)
        {
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidArgument, "a valid regular expression",
                $"'{Search}' for {RelativePath}: {ex.Message}", "Fix the search pattern", FullPath, ex);
        }
    }

    private static IEnumerable<(string Text, bool IsPlaceholder)> SplitOnPlaceholders(string template)
    {
        var i = 0;
        while (i < template.Length)
        {
            var next = -1;
            string? which = null;
            foreach (var p in CurrentPlaceholders)
            {
                var at = template.IndexOf(p, i, StringComparison.Ordinal);
                if (at >= 0 && (next < 0 || at < next))
                {
                    next = at;
                    which = p;
                }
            }
            if (next < 0)
            {
                yield return (template[i..], false);
                yield break;
            }
            if (next > i)
            {
                yield return (template[i..next], false);
            }
            yield return (which!, true);
            i = next + which!.Length;
        }
    }

    private static string WithNewlines(string text, string newline) =>
        text.Contains('\n') || text.Contains('\r')
            ? text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", newline, StringComparison.Ordinal)
            : text;

    private static string DominantNewline(string text)
    {
        var crlf = 0;
        var lf = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                if (i > 0 && text[i - 1] == '\r') crlf++;
                else lf++;
            }
        }
        return crlf > lf ? "\r\n" : "\n";
    }

    private static string RenderReplacement(string replace, string oldVersion, string newVersion)
    {
        var result = replace.Replace("{current_version}", oldVersion, StringComparison.Ordinal);
        foreach (var p in NewPlaceholders)
        {
            result = result.Replace(p, newVersion, StringComparison.Ordinal);
        }
        return result;
    }
}
