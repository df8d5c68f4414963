using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Git;

namespace X0tta6bl4.Core.Notes;

/// <summary>
/// Turns the commits of one range, fed newest first, into entries: merge commits are not entries
/// (their merged commits are; in first-parent mode a GitHub merge becomes one entry through its PR
/// title), a revert whose target is in the same range cancels both, a revert of an older release stays
/// as an entry (and is a patch). Pure: it sees only what it is fed, one commit at a time, and keeps
/// parsed entries only — never the raw messages.
/// </summary>
public sealed class ReleaseNoteBuilder
{
    private readonly CommitConventions _conventions;
    private readonly List<(NoteEntry Entry, ConventionalCommit Commit)> _entries = new();
    private readonly List<NoteEntry> _other = new();
    // Reverted commit → index of the revert entry that named it (full SHAs, and abbreviated ones apart).
    private readonly Dictionary<string, int> _pendingFull = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, int RevertIndex)> _pendingShort = new();
    private readonly Dictionary<string, int> _pendingHeader = new(StringComparer.Ordinal);
    private readonly HashSet<int> _cancelled = new();
    private int _commits;
    private int _cancelledCount;

    public ReleaseNoteBuilder(CommitConventions conventions) => _conventions = conventions;

    public int CommitCount => _commits;

    /// <summary>Adds the next (older) commit of the range.</summary>
    public void Add(GitCommit commit)
    {
        _commits++;
        ConventionalCommit parsed;
        if (commit.IsMerge)
        {
            if (!_conventions.FirstParent || !ConventionalCommitParser.TryParsePullRequestMerge(commit.Message, out var pr, out var title) || title is null)
            {
                return;
            }
            var fromTitle = ConventionalCommitParser.Parse(title);
            parsed = fromTitle.IsConventional && fromTitle.PullRequest is null
                ? CopyWithPullRequest(fromTitle, pr)
                : fromTitle;
        }
        else
        {
            parsed = ConventionalCommitParser.Parse(commit.Message);
        }
        Add(commit, parsed);
    }

    /// <summary>Adds a commit already parsed (tests, or callers that parse elsewhere).</summary>
    public void Add(GitCommit commit, ConventionalCommit parsed)
    {
        if (IsCancelledByNewerRevert(commit.Sha, parsed.Header))
        {
            return;
        }
        var entry = ToEntry(commit, parsed);
        if (!parsed.IsConventional)
        {
            _other.Add(entry);
            return;
        }
        var index = _entries.Count;
        _entries.Add((entry, parsed));
        if (parsed.IsRevert)
        {
            foreach (var sha in parsed.RevertedShas)
            {
                if (sha.Length >= 40) _pendingFull[sha] = index;
                else _pendingShort.Add((sha, index));
            }
            if (parsed.RevertedShas.Count == 0 && parsed.RevertedHeader is { Length: > 0 } h)
            {
                _pendingHeader.TryAdd(h, index);
            }
        }
    }

    private bool IsCancelledByNewerRevert(string sha, string header)
    {
        int revertIndex;
        if (_pendingFull.Remove(sha, out revertIndex) || TakeShort(sha, out revertIndex) || (header.Length > 0 && _pendingHeader.Remove(header, out revertIndex)))
        {
            // Every in-range target of a revert goes, and the revert with them.
            if (_cancelled.Add(revertIndex)) _cancelledCount++;
            _cancelledCount++;
            return true;
        }
        return false;
    }

    private bool TakeShort(string sha, out int revertIndex)
    {
        for (var i = 0; i < _pendingShort.Count; i++)
        {
            if (sha.StartsWith(_pendingShort[i].Prefix, StringComparison.OrdinalIgnoreCase))
            {
                revertIndex = _pendingShort[i].RevertIndex;
                _pendingShort.RemoveAt(i);
                return true;
            }
        }
        revertIndex = -1;
        return false;
    }

    /// <summary>The highest level among the surviving entries (before the 0.x rule).</summary>
    public ReleaseLevel Level
    {
        get
        {
            var level = ReleaseLevel.None;
            for (var i = 0; i < _entries.Count; i++)
            {
                if (_cancelled.Contains(i)) continue;
                var e = _entries[i];
                var l = e.Entry.Level;
                if (l > level) level = l;
            }
            return level;
        }
    }

    /// <summary>The non-conventional commits seen (after revert cancellation).</summary>
    public IReadOnlyList<NoteEntry> NonConventional => _other;

    /// <summary>The surviving entries grouped by the configured categories (hidden ones included, empty ones left out).</summary>
    public (IReadOnlyList<NoteEntry> Breaking, IReadOnlyList<NoteSection> Sections) Group()
    {
        var breaking = new List<NoteEntry>();
        var byTitle = new Dictionary<string, (NoteCategory Category, List<NoteEntry> Entries)>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_cancelled.Contains(i)) continue;
            var entry = _entries[i].Entry;
            if (entry.IsBreaking) breaking.Add(entry);
            var category = _conventions.CategoryOf(entry.Type!);
            if (!byTitle.TryGetValue(category.Title, out var bucket))
            {
                bucket = (category, new List<NoteEntry>());
                byTitle[category.Title] = bucket;
                order.Add(category.Title);
            }
            bucket.Entries.Add(entry);
        }
        var sections = new List<NoteSection>();
        foreach (var c in _conventions.Categories)
        {
            if (byTitle.Remove(c.Title, out var b)) sections.Add(new NoteSection(c.Title, c.Types, c.Hidden, b.Entries));
        }
        foreach (var title in order)
        {
            if (byTitle.TryGetValue(title, out var b)) sections.Add(new NoteSection(title, b.Category.Types, b.Category.Hidden, b.Entries));
        }
        return (breaking, sections);
    }

    /// <summary>Commits dropped because a revert in the range undid them (the reverts included).</summary>
    public int CancelledCount => _cancelledCount;

    private NoteEntry ToEntry(GitCommit commit, ConventionalCommit parsed)
    {
        var level = _conventions.LevelOf(parsed);
        // A revert of something already released changes shipped behaviour: at least a patch.
        if (parsed.IsRevert && level == ReleaseLevel.None) level = ReleaseLevel.Patch;
        return new NoteEntry
        {
            Sha = commit.Sha,
            Type = parsed.Type,
            Scope = parsed.Scope,
            Description = parsed.Description,
            IsBreaking = parsed.IsBreaking,
            BreakingNotes = parsed.BreakingDescriptions,
            PullRequest = parsed.PullRequest,
            Issues = parsed.Issues,
            Author = commit.AuthorName,
            AuthorEmail = commit.AuthorEmail,
            Date = commit.AuthorDate,
            IsConventional = parsed.IsConventional,
            Header = parsed.Header,
            Level = parsed.IsConventional ? level : ReleaseLevel.None,
        };
    }

    private static ConventionalCommit CopyWithPullRequest(ConventionalCommit c, int pr) => new()
    {
        Header = c.Header,
        IsConventional = c.IsConventional,
        Type = c.Type,
        Scope = c.Scope,
        Description = c.Description,
        Body = c.Body,
        Footers = c.Footers,
        HasBreakingMarker = c.HasBreakingMarker,
        BreakingNotes = c.BreakingNotes,
        PullRequest = pr,
        Issues = c.Issues,
        IsRevert = c.IsRevert,
        RevertedShas = c.RevertedShas,
        RevertedHeader = c.RevertedHeader,
    };
}
