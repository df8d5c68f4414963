using System.Globalization;
using System.Text;

namespace X0tta6bl4.Core.Notes;

/// <summary>Renders release notes as Markdown: breaking changes first, then visible sections in configured order.</summary>
public static class NoteMarkdown
{
    /// <summary>The full notes of one release: a heading with the compare link and date, then the sections.</summary>
    public static string Render(ReleaseNote note, RepositoryLinks? links, string newline = "\n")
    {
        var sb = new StringBuilder(256);
        sb.Append("## ").Append(HeadingText(note, links, inlineLink: true)).Append(newline);
        var body = RenderBody(note, links, newline);
        if (body.Length > 0) sb.Append(newline).Append(body);
        return sb.ToString();
    }

    /// <summary>The heading without "## ": <c>[3.3.0](compare) - 2026-11-24</c> or, for a changelog, <c>[3.3.0] - 2026-11-24</c>.</summary>
    public static string HeadingText(ReleaseNote note, RepositoryLinks? links, bool inlineLink)
    {
        var version = note.Version ?? "Unreleased";
        var date = note.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var url = inlineLink ? note.CompareUrl ?? note.ReleaseUrl : null;
        var label = url is null ? $"[{version}]" : $"[{version}]({url})";
        return $"{label} - {date}";
    }

    /// <summary>The sections: <c>### Title</c> then one list item per entry, a blank line between sections.</summary>
    public static string RenderBody(ReleaseNote note, RepositoryLinks? links, string newline = "\n")
    {
        var sb = new StringBuilder(256);
        foreach (var (title, lines) in SectionLines(note, links))
        {
            if (sb.Length > 0) sb.Append(newline);
            sb.Append("### ").Append(title).Append(newline);
            foreach (var line in lines) sb.Append(line.Replace("\n", newline + "  ", StringComparison.Ordinal)).Append(newline);
        }
        return sb.ToString();
    }

    /// <summary>Visible sections as (title, list lines); list lines may contain \n for continuation.</summary>
    public static IEnumerable<(string Title, List<string> Lines)> SectionLines(ReleaseNote note, RepositoryLinks? links)
    {
        if (note.Breaking.Count > 0)
        {
            var lines = new List<string>();
            foreach (var e in note.Breaking)
            {
                foreach (var text in e.BreakingNotes.Count > 0 ? e.BreakingNotes : new[] { e.Description })
                {
                    lines.Add(Item(e, text, links, withReferences: true));
                }
            }
            yield return (Commits.CommitConventions.BreakingTitle, lines);
        }
        foreach (var section in note.Sections)
        {
            if (section.Hidden || section.Entries.Count == 0) continue;
            var lines = new List<string>(section.Entries.Count);
            foreach (var e in section.Entries) lines.Add(Item(e, e.Description, links, withReferences: true));
            yield return (section.Title, lines);
        }
        if (note.ShowOther && note.NonConventional.Count > 0)
        {
            var lines = new List<string>(note.NonConventional.Count);
            foreach (var e in note.NonConventional) lines.Add(Item(e, e.Header, links, withReferences: true));
            yield return (Commits.CommitConventions.OtherTitle, lines);
        }
    }

    private static string Item(NoteEntry e, string text, RepositoryLinks? links, bool withReferences)
    {
        var sb = new StringBuilder(96);
        sb.Append("- ");
        if (!string.IsNullOrEmpty(e.Scope)) sb.Append("**").Append(e.Scope).Append(":** ");
        sb.Append(text);
        if (!withReferences) return sb.ToString();
        if (e.PullRequest is { } pr)
        {
            sb.Append(" (").Append(links is null ? $"#{pr}" : $"[#{pr}]({links.PullRequest(pr)})").Append(')');
        }
        sb.Append(" (").Append(links is null ? e.ShortSha : $"[{e.ShortSha}]({links.Commit(e.Sha)})").Append(')');
        if (e.Issues.Count > 0)
        {
            sb.Append(", refs ");
            for (var i = 0; i < e.Issues.Count; i++)
            {
                if (i > 0) sb.Append(", ");
                var n = e.Issues[i];
                sb.Append(links is null ? $"#{n}" : $"[#{n}]({links.Issue(n)})");
            }
        }
        return sb.ToString();
    }
}
