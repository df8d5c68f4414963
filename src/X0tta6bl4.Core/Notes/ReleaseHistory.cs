using Semver;
using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Notes;

/// <summary>
/// A release tag: a tag in the configured format whose name parses as SemVer. The commit it names and
/// its date are read only when asked for, so a repository with thousands of tags costs nothing until used.
/// </summary>
public sealed class ReleaseTag
{
    private readonly IGitRepository? _repo;
    private GitTag? _resolved;
    private bool _looked;

    public ReleaseTag(string name, SemVersion version, IGitRepository repo)
    {
        Name = name;
        Version = version;
        _repo = repo;
    }

    public ReleaseTag(string name, SemVersion version, string sha, DateTimeOffset? date)
    {
        Name = name;
        Version = version;
        _resolved = new GitTag(name, sha, true) { Date = date };
        _looked = true;
    }

    public string Name { get; }
    public SemVersion Version { get; }

    /// <summary>The pre-release channel (rc, beta…), null for a final release.</summary>
    public string? Channel => Version.IsPrerelease ? Version.PrereleaseIdentifiers[0].Value : null;

    /// <summary>False for a tag that names a tree or blob rather than a commit.</summary>
    public bool IsCommit => Resolve() is not null;

    /// <summary>The commit the tag names.</summary>
    public string Sha => Resolve()?.TargetSha ?? throw new InvalidOperationException($"Tag {Name} does not name a commit");

    /// <summary>The tagger's date (annotated), else the commit's.</summary>
    public DateTimeOffset? Date => Resolve()?.Date;

    private GitTag? Resolve()
    {
        if (!_looked)
        {
            _resolved = _repo!.FindTag(Name);
            _looked = true;
        }
        return _resolved;
    }

    public override string ToString() => Name;
}

/// <summary>The raw outcome of walking one range: the builder fed with its commits.</summary>
internal sealed record RangeScan(ReleaseNoteBuilder Builder, bool ReachedPrevious, DateTimeOffset? TipDate);

/// <summary>
/// Release ranges over a repository's history: which tag came before which (SemVer precedence within the
/// tag prefix, only tags reachable from the target, pre-release tags per channel), and the notes of a
/// range — streamed commit by commit, so whole histories never sit in memory.
/// </summary>
public sealed class ReleaseHistory
{
    private readonly IGitRepository _repo;
    private readonly CommitConventions _conventions;
    private readonly RepositoryLinks? _links;

    public ReleaseHistory(IGitRepository repo, TagFormat format, CommitConventions conventions, RepositoryLinks? links)
    {
        _repo = repo;
        _conventions = conventions;
        _links = links;
        var tags = new List<ReleaseTag>();
        foreach (var name in repo.GetTagNames())
        {
            if (format.TryParse(name, out var v)) tags.Add(new ReleaseTag(name, v!, repo));
        }
        // Highest precedence first; equal precedence (1.0.0 vs 1.0.0+build) by name for a stable order.
        tags.Sort((a, b) =>
        {
            var c = b.Version.ComparePrecedenceTo(a.Version);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        Tags = tags;
    }

    /// <summary>Release tags, highest precedence first (junk and other prefixes left out).</summary>
    public IReadOnlyList<ReleaseTag> Tags { get; }

    public RepositoryLinks? Links => _links;

    public ReleaseTag? FindTag(string name) => Tags.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal) && t.IsCommit);

    /// <summary>The highest-precedence release tag on exactly this commit, looking only at tags above <paramref name="floor"/>.</summary>
    public ReleaseTag? TagAt(string sha, SemVersion? floor)
    {
        foreach (var t in Tags)
        {
            if (floor is not null && t.Version.ComparePrecedenceTo(floor) < 0) break;
            if (t.IsCommit && t.Sha == sha) return t;
        }
        return null;
    }

    /// <summary>
    /// The release before <paramref name="targetSha"/>: the highest-precedence tag below
    /// <paramref name="below"/> (when given) that is reachable from the target and is a final release,
    /// or (with <paramref name="channel"/>) a pre-release of that channel.
    /// </summary>
    public ReleaseTag? FindPrevious(string targetSha, SemVersion? below, string? channel)
    {
        var misses = 0;
        HashSet<string>? reachable = null;
        foreach (var t in Tags)
        {
            if (below is not null && t.Version.ComparePrecedenceTo(below) >= 0) continue;
            if (t.Channel is not null && !string.Equals(t.Channel, channel, StringComparison.Ordinal)) continue;
            if (!t.IsCommit) continue;
            if (reachable is not null)
            {
                if (reachable.Contains(t.Sha)) return t;
                continue;
            }
            if (_repo.IsAncestor(t.Sha, targetSha)) return t;
            // A maintenance branch behind many newer tags: one walk of its history beats a merge-base per tag.
            if (++misses == 3) reachable = ReachableTagCommits(targetSha);
        }
        return null;
    }

    private HashSet<string> ReachableTagCommits(string targetSha)
    {
        var tagged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in Tags)
        {
            if (t.IsCommit) tagged.Add(t.Sha);
        }
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in _repo.WalkCommits(new GitWalk(targetSha)))
        {
            if (tagged.Contains(c.Sha)) found.Add(c.Sha);
        }
        return found;
    }

    /// <summary>Walks (previous, target] and returns the builder with every commit fed in, newest first.</summary>
    public ReleaseNoteBuilder Scan(string target, ReleaseTag? previous, CancellationToken cancellation = default)
    {
        var builder = new ReleaseNoteBuilder(_conventions);
        foreach (var c in _repo.WalkCommits(Walk(target, previous), cancellation)) builder.Add(c);
        return builder;
    }

    /// <summary>Builds the note object for a scanned range.</summary>
    public ReleaseNote ToNote(ReleaseNoteBuilder builder, string? version, string? tag, ReleaseTag? previous, DateTimeOffset date,
        bool unreleased, ReleaseLevel level, string reason)
    {
        var (breaking, sections) = builder.Group();
        var isPre = version is not null && VersionText.TryParseSemVer(version, out var sv) && sv!.IsPrerelease;
        string? compare = null;
        string? releaseUrl = null;
        if (_links is not null)
        {
            var to = tag ?? "HEAD";
            compare = previous is null ? null : _links.Compare(previous.Name, to);
            releaseUrl = tag is null ? null : _links.Tag(tag);
        }
        return new ReleaseNote
        {
            Version = version,
            Tag = tag,
            PreviousTag = previous?.Name,
            PreviousVersion = previous?.Version.ToString(),
            Date = date,
            IsUnreleased = unreleased,
            IsPrerelease = isPre,
            Level = level,
            Reason = reason,
            Breaking = breaking,
            Sections = sections,
            NonConventional = builder.NonConventional,
            ShowOther = _conventions.ShowOther,
            CommitCount = builder.CommitCount,
            CancelledCount = builder.CancelledCount,
            CompareUrl = compare,
            ReleaseUrl = releaseUrl,
        };
    }

    /// <summary>
    /// Every final release reachable from <paramref name="headSha"/>, newest first, each with the range from
    /// the release before it. Ranges are walked in parallel (each on its own handle) and yielded in order;
    /// the guess that the next lower tag is the previous release is verified from the walk itself (some
    /// commit of the range has it as a parent) and corrected when it is not.
    /// </summary>
    public IEnumerable<(ReleaseTag Release, ReleaseTag? Previous, ReleaseNoteBuilder Builder, DateTimeOffset? TipDate)> AllReleases(
        string headSha, ReleaseTag? newest, int parallelism, CancellationToken cancellation)
    {
        var finals = Tags.Where(t => t.Channel is null && t.IsCommit).ToList();
        var current = newest;
        while (current is not null)
        {
            var chain = new List<(ReleaseTag Release, ReleaseTag? Previous)>();
            var index = finals.IndexOf(current);
            for (var i = index; i >= 0 && i < finals.Count; i++)
            {
                // Tags of equal precedence or on the same commit are not a range of their own.
                var previous = i + 1 < finals.Count ? finals[i + 1] : null;
                chain.Add((finals[i], previous));
            }
            var walks = chain.Select(c => Walk(c.Release.Sha, c.Previous)).ToList();
            var k = 0;
            ReleaseTag? restartFrom = null;
            foreach (var scan in _repo.WalkRanges(walks, (w, commits) => ScanRange(commits, w), parallelism, cancellation))
            {
                var (release, previous) = chain[k++];
                if (previous is not null && !scan.ReachedPrevious && previous.Sha != release.Sha && !_repo.IsAncestor(previous.Sha, release.Sha))
                {
                    // The next lower tag lives on another line of history: find the real previous release and go on from there.
                    var real = FindPrevious(release.Sha, release.Version, null);
                    var builder = Scan(release.Sha, real, cancellation);
                    yield return (release, real, builder, null);
                    restartFrom = real;
                    break;
                }
                yield return (release, previous, scan.Builder, scan.TipDate);
            }
            current = restartFrom;
        }
    }

    private RangeScan ScanRange(IEnumerable<GitCommit> commits, GitWalk walk)
    {
        var builder = new ReleaseNoteBuilder(_conventions);
        var previousSha = walk.Exclude.Count > 0 ? walk.Exclude[0] : null;
        var reached = previousSha is null;
        DateTimeOffset? tip = null;
        foreach (var c in commits)
        {
            tip ??= c.CommitDate;
            if (!reached)
            {
                foreach (var p in c.ParentShas)
                {
                    if (string.Equals(p, previousSha, StringComparison.Ordinal))
                    {
                        reached = true;
                        break;
                    }
                }
            }
            builder.Add(c);
        }
        return new RangeScan(builder, reached, tip);
    }

    private GitWalk Walk(string target, ReleaseTag? previous) => new(target)
    {
        Exclude = previous is null ? Array.Empty<string>() : new[] { previous.Sha },
        FirstParentOnly = _conventions.FirstParent,
    };

    /// <summary>Refuses non-conventional commits (the -Strict rule), naming each.</summary>
    /// <exception cref="X0Exception">X0.NonConventionalCommits.</exception>
    public static void EnforceStrict(IReadOnlyList<NoteEntry> nonConventional, string range)
    {
        if (nonConventional.Count == 0) return;
        var named = string.Join("; ", nonConventional.Take(20).Select(e => $"{e.ShortSha} \"{e.Header}\""));
        throw new X0Exception(ErrorIds.NonConventionalCommits, X0ErrorCategory.InvalidData,
            $"only Conventional Commits (type(scope): description) in {range}",
            $"{nonConventional.Count} that are not: {named}{(nonConventional.Count > 20 ? "; …" : "")}",
            "Reword them (git rebase -i, before they are pushed), or run without -Strict to list them under Other", range);
    }
}
