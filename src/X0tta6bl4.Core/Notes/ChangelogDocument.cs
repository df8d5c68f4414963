using System.Text.RegularExpressions;
using Semver;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Notes;

/// <summary>What inserting a release into a changelog did.</summary>
/// <param name="Text">The new text (the same instance as the input when nothing changed).</param>
/// <param name="Changed">False when the release's section was already there (idempotent re-run).</param>
/// <param name="MovedLines">Hand-written lines (headings not counted) moved from the Unreleased section into the new section.</param>
public sealed record ChangelogInsertion(string Text, bool Changed, int MovedLines, string Summary);

/// <summary>What rebuilding a changelog's released sections from history did.</summary>
/// <param name="Text">The new text (equal to the input when nothing changed).</param>
/// <param name="Rebuilt">The sections whose generated lines were rewritten from the commits (versions, and Unreleased when asked).</param>
/// <param name="Missing">Released versions (tags) that have no section in the file.</param>
public sealed record ChangelogRebuild(string Text, bool Changed, IReadOnlyList<string> Rebuilt, IReadOnlyList<string> Missing);

/// <summary>
/// Keeps a Keep-a-Changelog file: inserts a release's section under <c>## [Unreleased]</c> (or above the
/// newest version), moves the Unreleased section's hand-written lines into it, points the
/// <c>[Unreleased]</c> link at the new tag and adds the release's compare link. Older sections are never
/// touched; a version already present changes nothing; line endings follow the file. Pure text in, text out —
/// <see cref="VersionFiles.TextFileContent"/> keeps the bytes (BOM, encoding) faithful around it.
/// </summary>
public static class ChangelogDocument
{
    private static readonly Regex VersionHeading = new(@"^##\s+\[?\s*v?(?<v>[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*)\s*\]?(?:\(.*?\))?(?:\s|$)", RegexOptions.CultureInvariant);
    private static readonly Regex UnreleasedHeading = new(@"^##\s+\[?\s*unreleased\s*\]?", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex LinkDefinition = new(@"^\[(?<label>[^\]]+)\]:\s*(?<url>\S+)", RegexOptions.CultureInvariant);

    /// <summary>A new changelog holding only the header and an empty Unreleased section.</summary>
    public static string NewFile(string newline = "\n") => string.Join(newline,
        "# Changelog",
        "",
        "Notable changes of each release, newest first. The layout follows",
        "[Keep a Changelog](https://keepachangelog.com/en/1.1.0/); versions follow",
        "[Semantic Versioning](https://semver.org/).",
        "",
        "## [Unreleased]",
        "");

    /// <summary>True when <paramref name="text"/> already has a section for <paramref name="version"/>.</summary>
    public static bool HasVersion(string text, SemVersion version)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("##") && IsVersionHeading(line.ToString(), version)) return true;
        }
        return false;
    }

    /// <param name="text">The changelog as decoded (any line endings).</param>
    /// <param name="note">The release; its Version, Tag, PreviousTag and Date are used.</param>
    /// <param name="links">Web links, or null (then no link definitions are written).</param>
    public static ChangelogInsertion Insert(string text, ReleaseNote note, RepositoryLinks? links)
    {
        var version = VersionText.ParseSemVer(note.Version ?? throw new ArgumentException("The release needs a version", nameof(note)));
        if (HasVersion(text, version))
        {
            return new ChangelogInsertion(text, false, 0, $"section [{version}] already present: nothing changed");
        }

        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var endsWithNewline = text.Length == 0 || text.EndsWith('\n');
        var lines = SplitLines(text);

        // Link definitions at the end of the file belong to no section.
        var linksStart = lines.Count;
        while (linksStart > 0 && (IsBlank(lines[linksStart - 1]) || LinkDefinition.IsMatch(lines[linksStart - 1]))) linksStart--;
        while (linksStart < lines.Count && IsBlank(lines[linksStart])) linksStart++;

        // Without a GitHub remote, the file's own compare links still say where the repository lives.
        links ??= LinksFromDefinitions(lines, linksStart);

        var unreleased = -1;
        var firstVersion = -1;
        for (var i = 0; i < linksStart; i++)
        {
            if (!lines[i].StartsWith("##", StringComparison.Ordinal) || lines[i].StartsWith("###", StringComparison.Ordinal)) continue;
            if (unreleased < 0 && firstVersion < 0 && UnreleasedHeading.IsMatch(lines[i])) unreleased = i;
            else if (firstVersion < 0 && VersionHeading.IsMatch(lines[i])) firstVersion = i;
        }

        // The hand-written lines of the Unreleased section move into the release.
        var handWritten = new List<string>();
        int insertAt;
        int removeCount;
        if (unreleased >= 0)
        {
            var end = unreleased + 1;
            while (end < linksStart && !(lines[end].StartsWith("## ", StringComparison.Ordinal) || lines[end] == "##")) end++;
            handWritten.AddRange(lines.Skip(unreleased + 1).Take(end - unreleased - 1));
            insertAt = unreleased + 1;
            removeCount = end - unreleased - 1;
        }
        else if (firstVersion >= 0)
        {
            insertAt = firstVersion;
            removeCount = 0;
        }
        else
        {
            insertAt = linksStart;
            removeCount = 0;
        }
        // Lines the generator writes for this release (an Unreleased section previewed with
        // Update-X0Changelog -Unreleased) are not hand-written: they come back from the commits.
        var generated = GeneratedLines(note, links);
        handWritten.RemoveAll(generated.Contains);
        TrimBlank(handWritten);
        var moved = handWritten.Count(l => !IsBlank(l) && !l.StartsWith("### ", StringComparison.Ordinal));

        var section = new List<string> { "## " + NoteMarkdown.HeadingText(note, links, inlineLink: false), "" };
        section.AddRange(MergeBody(handWritten, note, links));
        TrimBlank(section);

        var output = new List<string>(lines.Count + section.Count + 8);
        output.AddRange(lines.Take(insertAt));
        // Exactly one blank line around the new section.
        TrimTrailingBlank(output);
        if (output.Count > 0) output.Add("");
        output.AddRange(section);
        output.Add("");
        var rest = lines.Skip(insertAt + removeCount).ToList();
        while (rest.Count > 0 && IsBlank(rest[0])) rest.RemoveAt(0);
        if (links is not null && note.Tag is not null)
        {
            UpdateLinks(rest, note, links, hadLinks: linksStart < lines.Count);
        }
        // A blank line before what follows, link definitions included (without one they would continue the last list item).
        if (rest.Count == 0) output.RemoveAt(output.Count - 1);
        output.AddRange(rest);
        var result = string.Join(newline, output);
        if (endsWithNewline && !result.EndsWith(newline, StringComparison.Ordinal)) result += newline;
        if (!endsWithNewline && result.EndsWith(newline, StringComparison.Ordinal)) result = result[..^newline.Length];
        return new ChangelogInsertion(result, true, moved,
            $"inserted section [{version}]" + (moved > 0 ? $", moved {moved} hand-written line(s) from Unreleased" : ""));
    }

    /// <summary>
    /// Rewrites the generated lines of every section that has a release in <paramref name="releases"/> (and of
    /// Unreleased, when <paramref name="unreleased"/> is given) from the commits, keeping each section's heading
    /// and its hand-written lines where <see cref="Insert"/> puts them: prose first, then per generated section
    /// the hand-written items of the same title ahead of the generated ones, then hand-written sections. So a
    /// file written by Step-X0Version's inserts is a fixed point: rebuilding it changes nothing, and a
    /// changed line shows a hand edit of generated text or a history that no longer matches its tags.
    /// Sections of versions without a tag, the preamble and the link definitions are kept as they are.
    /// </summary>
    public static ChangelogRebuild Rebuild(string text, IReadOnlyList<ReleaseNote> releases, ReleaseNote? unreleased, RepositoryLinks? links)
    {
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var endsWithNewline = text.Length == 0 || text.EndsWith('\n');
        var lines = SplitLines(text);
        var linksStart = lines.Count;
        while (linksStart > 0 && (IsBlank(lines[linksStart - 1]) || LinkDefinition.IsMatch(lines[linksStart - 1]))) linksStart--;
        while (linksStart < lines.Count && IsBlank(lines[linksStart])) linksStart++;
        links ??= LinksFromDefinitions(lines, linksStart);

        var starts = Enumerable.Range(0, linksStart).Where(i => IsSectionHeading(lines[i])).ToList();
        var output = new List<string>(lines.Count + 16);
        output.AddRange(lines.Take(starts.Count > 0 ? starts[0] : linksStart));
        var rebuilt = new List<string>();
        var seen = new List<ReleaseNote>();
        for (var k = 0; k < starts.Count; k++)
        {
            var start = starts[k];
            var end = k + 1 < starts.Count ? starts[k + 1] : linksStart;
            var heading = lines[start];
            var note = UnreleasedHeading.IsMatch(heading) ? unreleased : releases.FirstOrDefault(r => r.Version is not null && IsVersionHeading(heading, VersionText.ParseSemVer(r.Version)));
            if (note is null)
            {
                output.AddRange(lines.Skip(start).Take(end - start));
                continue;
            }
            if (note.Version is not null && !note.IsUnreleased) seen.Add(note);
            var generated = GeneratedLines(note, links);
            var hand = lines.Skip(start + 1).Take(end - start - 1).Where(l => !generated.Contains(l)).ToList();
            TrimBlank(hand);
            var body = MergeBody(hand, note, links);
            TrimBlank(body);
            output.Add(heading);
            output.Add("");
            output.AddRange(body);
            if (body.Count > 0) output.Add("");
            rebuilt.Add(note.IsUnreleased ? "Unreleased" : note.Version!);
        }
        if (linksStart == lines.Count) TrimTrailingBlank(output);
        output.AddRange(lines.Skip(linksStart));
        var result = string.Join(newline, output);
        if (endsWithNewline && result.Length > 0 && !result.EndsWith(newline, StringComparison.Ordinal)) result += newline;
        if (!endsWithNewline && result.EndsWith(newline, StringComparison.Ordinal)) result = result[..^newline.Length];
        var missing = releases.Where(r => r.Version is not null && !r.IsUnreleased && !seen.Contains(r)).Select(r => r.Version!).ToList();
        return new ChangelogRebuild(result, !string.Equals(result, text, StringComparison.Ordinal), rebuilt, missing);
    }

    /// <summary>The lines the generator writes for a release's entries (list items and their continuation lines).</summary>
    public static HashSet<string> GeneratedLines(ReleaseNote note, RepositoryLinks? links)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, items) in NoteMarkdown.SectionLines(note, links))
        {
            foreach (var item in items)
            {
                var parts = item.Split('\n');
                for (var i = 0; i < parts.Length; i++) set.Add(i == 0 ? parts[i] : "  " + parts[i]);
            }
        }
        return set;
    }

    private static bool IsSectionHeading(string line) =>
        (line.StartsWith("## ", StringComparison.Ordinal) || line == "##") && !line.StartsWith("###", StringComparison.Ordinal);

    private static void UpdateLinks(List<string> tail, ReleaseNote note, RepositoryLinks links, bool hadLinks)
    {
        var releaseLink = $"[{note.Version}]: {(note.PreviousTag is null ? links.Tag(note.Tag!) : links.Compare(note.PreviousTag, note.Tag!))}";
        var unreleasedIndex = -1;
        var firstVersionLink = -1;
        for (var i = 0; i < tail.Count; i++)
        {
            var m = LinkDefinition.Match(tail[i]);
            if (!m.Success) continue;
            var label = m.Groups["label"].Value.Trim();
            if (unreleasedIndex < 0 && label.Equals("unreleased", StringComparison.OrdinalIgnoreCase)) unreleasedIndex = i;
            else if (firstVersionLink < 0 && VersionText.TryParseSemVer(label.TrimStart('v'), out _)) firstVersionLink = i;
        }
        if (unreleasedIndex >= 0)
        {
            var m = LinkDefinition.Match(tail[unreleasedIndex]);
            var url = m.Groups["url"];
            tail[unreleasedIndex] = tail[unreleasedIndex][..url.Index] + links.Compare(note.Tag!, "HEAD") + tail[unreleasedIndex][(url.Index + url.Length)..];
            tail.Insert(unreleasedIndex + 1, releaseLink);
        }
        else if (firstVersionLink >= 0)
        {
            tail.Insert(firstVersionLink, releaseLink);
        }
        else
        {
            while (tail.Count > 0 && IsBlank(tail[^1])) tail.RemoveAt(tail.Count - 1);
            if (tail.Count > 0 || hadLinks) tail.Add("");
            tail.Add($"[Unreleased]: {links.Compare(note.Tag!, "HEAD")}");
            tail.Add(releaseLink);
        }
    }

    /// <summary>
    /// The release's body: hand-written lines that came before any ### heading first, then each generated
    /// section with hand-written lines of the same title ahead of the generated ones, then the remaining
    /// hand-written sections in their order.
    /// </summary>
    private static List<string> MergeBody(List<string> handWritten, ReleaseNote note, RepositoryLinks? links)
    {
        var preamble = new List<string>();
        var handSections = new List<(string Title, List<string> Lines)>();
        foreach (var line in handWritten)
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                handSections.Add((line[4..].Trim(), new List<string>()));
            }
            else if (handSections.Count == 0)
            {
                preamble.Add(line);
            }
            else
            {
                handSections[^1].Lines.Add(line);
            }
        }
        var result = new List<string>();
        TrimBlank(preamble);
        if (preamble.Count > 0)
        {
            result.AddRange(preamble);
            result.Add("");
        }
        foreach (var (title, generated) in NoteMarkdown.SectionLines(note, links))
        {
            result.Add("### " + title);
            var hand = handSections.FindIndex(h => h.Title.Equals(title, StringComparison.OrdinalIgnoreCase));
            if (hand >= 0)
            {
                var own = handSections[hand].Lines;
                TrimBlank(own);
                result.AddRange(own);
                handSections.RemoveAt(hand);
            }
            foreach (var g in generated) result.AddRange(g.Split('\n').Select((part, i) => i == 0 ? part : "  " + part));
            result.Add("");
        }
        foreach (var (title, own) in handSections)
        {
            TrimBlank(own);
            result.Add("### " + title);
            result.AddRange(own);
            result.Add("");
        }
        return result;
    }

    private static RepositoryLinks? LinksFromDefinitions(List<string> lines, int from)
    {
        for (var i = from; i < lines.Count; i++)
        {
            var m = LinkDefinition.Match(lines[i]);
            if (!m.Success) continue;
            var url = m.Groups["url"].Value;
            foreach (var marker in new[] { "/compare/", "/releases/tag/", "/tree/" })
            {
                var at = url.IndexOf(marker, StringComparison.Ordinal);
                if (at > 0) return RepositoryLinks.From(url[..at], null);
            }
        }
        return null;
    }

    private static bool IsVersionHeading(string line, SemVersion version)
    {
        if (line.StartsWith("###", StringComparison.Ordinal)) return false;
        var m = VersionHeading.Match(line);
        return m.Success && VersionText.TryParseSemVer(m.Groups["v"].Value, out var v) && v!.ComparePrecedenceTo(version) == 0 && v.Metadata == version.Metadata;
    }

    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>(text.Split('\n'));
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].EndsWith('\r')) lines[i] = lines[i][..^1];
        }
        // A final newline leaves one empty element: it is a terminator, not a line.
        if (lines.Count > 0 && lines[^1].Length == 0 && text.EndsWith('\n')) lines.RemoveAt(lines.Count - 1);
        if (text.Length == 0) lines.Clear();
        return lines;
    }

    private static bool IsBlank(string line) => string.IsNullOrWhiteSpace(line);

    private static void TrimBlank(List<string> lines)
    {
        while (lines.Count > 0 && IsBlank(lines[0])) lines.RemoveAt(0);
        TrimTrailingBlank(lines);
    }

    private static void TrimTrailingBlank(List<string> lines)
    {
        while (lines.Count > 0 && IsBlank(lines[^1])) lines.RemoveAt(lines.Count - 1);
    }
}
