using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Git;

namespace X0tta6bl4.Core.Notes;

/// <summary>
/// Turns the commits of one range, fed newest first, into entries: merge commits are not entries
/// (their merged commits are; in first-parent mode a GitHub merge becomes one entry through its PR
/// title), a revert whose target is in the same range cancels both (a revert of that revert brings the
/// commit back), a revert of an older release stays as an entry (and is a patch). Pure: it sees only
/// what it is fed, one commit at a time, and keeps parsed entries only — never the raw messages.
/// Cancellation is settled once the range is complete, so the feeding order does not matter.
/// </summary>
public sealed class ReleaseNoteBuilder
{
    private readonly CommitConventions _conventions;
    private readonly List<(NoteEntry Entry, ConventionalCommit Commit)> _all = new();
    private int _commits;
    private Settled? _settled;

    public ReleaseNoteBuilder(CommitConventions conventions) => _conventions = conventions;

    public int CommitCount => _commits;

    /// <summary>Adds the next commit of the range.</summary>
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
        _all.Add((ToEntry(commit, parsed), parsed));
        _settled = null;
    }

    private sealed record Settled(HashSet<int> Cancelled, List<NoteEntry> Other);

    /// <summary>Which entries reverts in this range cancel: a revert counts unless it is itself cancelled.</summary>
    private Settled Settle()
    {
        if (_settled is not null) return _settled;
        var bySha = new Dictionary<string, int>(_all.Count, StringComparer.Ordinal);
        Dictionary<string, int>? byHeader = null;
        var reverts = new List<int>();
        for (var i = 0; i < _all.Count; i++)
        {
            bySha[_all[i].Entry.Sha] = i;
            if (_all[i].Commit.IsRevert) reverts.Add(i);
        }
        // Each revert's targets inside the range.
        var targets = new Dictionary<int, List<int>>();
        foreach (var r in reverts)
        {
            var c = _all[r].Commit;
            var list = new List<int>();
            foreach (var sha in c.RevertedShas)
            {
                if (sha.Length >= 40 ? bySha.TryGetValue(sha, out var t) : TryPrefix(sha, out t))
                {
                    if (t != r) list.Add(t);
                }
            }
            if (c.RevertedShas.Count == 0 && c.RevertedHeader is { Length: > 0 } h)
            {
                if (byHeader is null)
                {
                    byHeader = new Dictionary<string, int>(StringComparer.Ordinal);
                    // Oldest first, so the newest commit with a header wins: the one a revert most likely undoes.
                    for (var i = _all.Count - 1; i >= 0; i--) byHeader[_all[i].Entry.Header] = i;
                }
                if (byHeader.TryGetValue(h, out var t) && t != r) list.Add(t);
            }
            if (list.Count > 0) targets[r] = list;
        }

        var cancelled = new HashSet<int>();
        var state = new Dictionary<int, bool>(); // revert → effective
        bool Effective(int r, int depth)
        {
            if (state.TryGetValue(r, out var e)) return e;
            if (depth > 64) return true;
            // A revert is undone when an effective revert in the range targets it.
            var undone = false;
            foreach (var (other, list) in targets)
            {
                if (list.Contains(r) && Effective(other, depth + 1))
                {
                    undone = true;
                    break;
                }
            }
            state[r] = !undone;
            return !undone;
        }
        foreach (var (r, list) in targets)
        {
            if (!Effective(r, 0)) continue;
            cancelled.Add(r);
            foreach (var t in list) cancelled.Add(t);
        }
        // A revert that was itself reverted is gone too, along with the revert that undid it.
        foreach (var (r, _) in targets)
        {
            if (!Effective(r, 0)) cancelled.Add(r);
        }

        var other = new List<NoteEntry>();
        for (var i = 0; i < _all.Count; i++)
        {
            if (!_all[i].Commit.IsConventional && !cancelled.Contains(i)) other.Add(_all[i].Entry);
        }
        _settled = new Settled(cancelled, other);
        return _settled;

        bool TryPrefix(string prefix, out int index)
        {
            for (var i = 0; i < _all.Count; i++)
            {
                if (_all[i].Entry.Sha.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    index = i;
                    return true;
                }
            }
            index = -1;
            return false;
        }
    }

    /// <summary>The highest level among the surviving entries (before the 0.x rule).</summary>
    public ReleaseLevel Level
    {
        get
        {
            var cancelled = Settle().Cancelled;
            var level = ReleaseLevel.None;
            for (var i = 0; i < _all.Count; i++)
            {
                if (cancelled.Contains(i)) continue;
                var l = _all[i].Entry.Level;
                if (l > level) level = l;
            }
            return level;
        }
    }

    /// <summary>The non-conventional commits seen (after revert cancellation).</summary>
    public IReadOnlyList<NoteEntry> NonConventional => Settle().Other;

    /// <summary>The surviving entries grouped by the configured categories (hidden ones included, empty ones left out).</summary>
    public (IReadOnlyList<NoteEntry> Breaking, IReadOnlyList<NoteSection> Sections) Group()
    {
        var cancelled = Settle().Cancelled;
        var breaking = new List<NoteEntry>();
        var byTitle = new Dictionary<string, (NoteCategory Category, List<NoteEntry> Entries)>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < _all.Count; i++)
        {
            if (cancelled.Contains(i) || !_all[i].Commit.IsConventional) continue;
            var entry = _all[i].Entry;
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
    public int CancelledCount => Settle().Cancelled.Count;

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
