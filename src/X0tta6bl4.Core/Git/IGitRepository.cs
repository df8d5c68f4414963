namespace X0tta6bl4.Core.Git;

/// <summary>Where HEAD is.</summary>
/// <param name="Branch">Short branch name, null when detached or unborn.</param>
/// <param name="Sha">Commit at HEAD, null when the repository has no commits.</param>
public sealed record GitHead(string? Branch, string? Sha, bool IsDetached)
{
    public bool IsUnborn => Sha is null;
}

public sealed record GitTag(string Name, string TargetSha, bool IsAnnotated)
{
    /// <summary>The tagger's date for annotated tags, else the tagged commit's committer date (null when unknown).</summary>
    public DateTimeOffset? Date { get; init; }
}

/// <summary>One commit as a history walk yields it.</summary>
/// <param name="ParentShas">The parents in order; two or more for a merge commit.</param>
public sealed record GitCommit(string Sha, IReadOnlyList<string> ParentShas, string Message, string AuthorName, string AuthorEmail,
    DateTimeOffset AuthorDate, DateTimeOffset CommitDate)
{
    public bool IsMerge => ParentShas.Count > 1;
}

/// <summary>What a history walk covers: commits reachable from <see cref="From"/> and not from any of <see cref="Exclude"/>.</summary>
public sealed record GitWalk(string From)
{
    /// <summary>Commits (SHAs or revisions) whose history is left out, e.g. the previous release tag.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
    /// <summary>Follow only first parents (the mainline of a merge-based workflow).</summary>
    public bool FirstParentOnly { get; init; }
}

/// <summary>A path whose working-tree or index state differs from HEAD, with git's short status code.</summary>
public sealed record GitDirtyPath(string Path, string Status);

/// <summary>A ref as a remote reports it (ls-remote); for annotated tags <see cref="PeeledSha"/> is the commit.</summary>
public sealed record GitRemoteRef(string Name, string Sha, string? PeeledSha)
{
    public string CommitSha => PeeledSha ?? Sha;
}

/// <summary>
/// The git operations the engine needs, owned by Core so logic can be tested against real temp
/// repositories and adapters can change (LibGit2Sharp for local work, the git CLI for the network:
/// libgit2 cannot deepen a shallow clone, run server hooks on local remotes or use credential helpers/ssh).
/// </summary>
public interface IGitRepository : IDisposable
{
    /// <summary>Root of the working tree, with a trailing separator removed.</summary>
    string WorkingDirectory { get; }
    GitHead Head { get; }
    /// <summary>True for a shallow clone (history cut off; tags and versions may be missing).</summary>
    bool IsShallow { get; }

    /// <summary>Tracked paths with changes (staged or not). Untracked and ignored files are not dirt.</summary>
    IReadOnlyList<GitDirtyPath> GetDirtyPaths();
    /// <summary>True when git tracks <paramref name="relativePath"/> (it is in the index).</summary>
    bool IsTracked(string relativePath) => true;
    IReadOnlyList<GitTag> GetTags();
    /// <summary>Tag names only, without reading any object (cheap on repositories with thousands of tags).</summary>
    IReadOnlyList<string> GetTagNames();
    /// <summary>Branches (local, then remote-tracking without the remote's name) whose tip is <paramref name="sha"/>.</summary>
    IReadOnlyList<string> GetBranchesAt(string sha) => Array.Empty<string>();
    GitTag? FindTag(string name);
    string? GetRemoteUrl(string remote);
    bool HasCommit(string sha);
    /// <summary>True when <paramref name="ancestor"/> is reachable from <paramref name="descendant"/> (or equal).</summary>
    bool IsAncestor(string ancestor, string descendant);

    /// <summary>Resolves a revision (SHA, tag, branch, HEAD) to its commit, or null.</summary>
    GitCommit? GetCommit(string revision);

    /// <summary>
    /// Streams commits newest first (topological, then by time) without holding the history in memory:
    /// each message is read when its commit is reached and can be dropped after use.
    /// </summary>
    IEnumerable<GitCommit> WalkCommits(GitWalk walk, CancellationToken cancellation = default);

    /// <summary>
    /// Walks several ranges, up to <paramref name="parallelism"/> at once on separate handles, and yields
    /// <paramref name="consume"/>'s result for each range in the order given. <paramref name="consume"/> runs
    /// on a worker thread and sees its range's commits streamed newest first; at most a few ranges are in
    /// flight, so memory stays bounded by the ranges, not the history. Stopping the enumeration stops the work.
    /// </summary>
    IEnumerable<T> WalkRanges<T>(IReadOnlyList<GitWalk> walks, Func<GitWalk, IEnumerable<GitCommit>, T> consume, int parallelism, CancellationToken cancellation = default);

    /// <summary>
    /// Commits exactly <paramref name="relativePaths"/> as they are in the working tree on top of HEAD,
    /// leaving any other staged or unstaged change alone. Returns the new commit's SHA.
    /// </summary>
    /// <exception cref="Diagnostics.X0Exception">No identity configured (X0.GitCommandFailed).</exception>
    string CommitPaths(IReadOnlyList<string> relativePaths, string message);
    void CreateAnnotatedTag(string name, string targetSha, string message);
    void DeleteTag(string name);
    /// <summary>Moves the current branch back to <paramref name="sha"/> and resets the index entries of <paramref name="relativePaths"/> to it.</summary>
    void UndoCommit(string sha, IReadOnlyList<string> relativePaths);

    /// <summary>Refs on a remote (git ls-remote); patterns like refs/tags/v1.2.0.</summary>
    /// <remarks>
    /// May run while the caller goes on with local calls on the same instance (a plan overlaps the
    /// network round trip with its local checks), so implementations must not use the local
    /// repository handle here.
    /// </remarks>
    Task<IReadOnlyList<GitRemoteRef>> ListRemoteRefsAsync(string remote, IReadOnlyList<string> patterns, CancellationToken cancellation);
    /// <summary>Pushes refspecs atomically; throws X0.PushRejected with the remote's reason.</summary>
    Task PushAsync(string remote, IReadOnlyList<string> refspecs, CancellationToken cancellation);
}
