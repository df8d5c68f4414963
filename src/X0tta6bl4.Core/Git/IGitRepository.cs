namespace X0tta6bl4.Core.Git;

/// <summary>Where HEAD is.</summary>
/// <param name="Branch">Short branch name, null when detached or unborn.</param>
/// <param name="Sha">Commit at HEAD, null when the repository has no commits.</param>
public sealed record GitHead(string? Branch, string? Sha, bool IsDetached)
{
    public bool IsUnborn => Sha is null;
}

public sealed record GitTag(string Name, string TargetSha, bool IsAnnotated);

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
    GitTag? FindTag(string name);
    string? GetRemoteUrl(string remote);
    bool HasCommit(string sha);
    /// <summary>True when <paramref name="ancestor"/> is reachable from <paramref name="descendant"/> (or equal).</summary>
    bool IsAncestor(string ancestor, string descendant);

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
