using LibGit2Sharp;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Git;

/// <summary>
/// <see cref="IGitRepository"/> over LibGit2Sharp for everything local (fast, no process per call), and
/// <see cref="GitCli"/> for the network.
/// </summary>
public sealed class LibGit2Repository : IGitRepository
{
    private readonly Repository _repo;
    private readonly GitCli _cli;

    private LibGit2Repository(Repository repo, string? token)
    {
        _repo = repo;
        WorkingDirectory = Path.TrimEndingDirectorySeparator(repo.Info.WorkingDirectory ?? repo.Info.Path);
        _cli = new GitCli(WorkingDirectory, token);
    }

    /// <summary>Opens the repository that contains <paramref name="path"/>.</summary>
    /// <exception cref="X0Exception">X0.NotAGitRepository when there is none.</exception>
    public static LibGit2Repository Open(string path, string? token = null)
    {
        var gitDir = Repository.Discover(path);
        if (gitDir is null)
        {
            throw new X0Exception(ErrorIds.NotAGitRepository, X0ErrorCategory.ObjectNotFound,
                "a git repository", $"none at or above {path}",
                "Run from inside a clone (git init or git clone first), or pass -Path", path);
        }
        var repo = new Repository(gitDir);
        if (repo.Info.IsBare)
        {
            repo.Dispose();
            throw new X0Exception(ErrorIds.NotAGitRepository, X0ErrorCategory.InvalidOperation,
                "a repository with a working tree", $"a bare repository at {gitDir}", "Run in a clone with a working tree", path);
        }
        return new LibGit2Repository(repo, token);
    }

    public string WorkingDirectory { get; }

    /// <summary>How history is read: "libgit2" (direct, one read per commit) or "LibGit2Sharp" (fallback).</summary>
    public static string HistoryReader => NativeHistoryWalk.IsAvailable ? "libgit2" : "LibGit2Sharp";

    public GitHead Head
    {
        get
        {
            var tip = _repo.Head.Tip?.Sha;
            var detached = _repo.Info.IsHeadDetached;
            return new GitHead(detached ? null : _repo.Head.FriendlyName, tip, detached);
        }
    }

    public bool IsShallow => _repo.Info.IsShallow;

    public IReadOnlyList<GitDirtyPath> GetDirtyPaths()
    {
        var status = _repo.RetrieveStatus(new StatusOptions
        {
            IncludeUntracked = false,
            IncludeIgnored = false,
            RecurseUntrackedDirs = false,
            DetectRenamesInIndex = false,
            DetectRenamesInWorkDir = false,
            ExcludeSubmodules = true,
        });
        return status
            .Where(e => e.State != FileStatus.Unaltered && e.State != FileStatus.Ignored && e.State != FileStatus.NewInWorkdir)
            .Select(e => new GitDirtyPath(e.FilePath, ShortStatus(e.State)))
            .OrderBy(e => e.Path, StringComparer.Ordinal)
            .ToList();
    }

    public bool IsTracked(string relativePath) => _repo.Index[relativePath.Replace('\\', '/')] is not null;

    public IReadOnlyList<GitTag> GetTags() => _repo.Tags
        .Select(ToTag)
        .Where(t => t is not null)
        .Select(t => t!)
        .ToList();

    public IReadOnlyList<string> GetBranchesAt(string sha)
    {
        var names = new List<string>();
        foreach (var r in _repo.Refs.FromGlob("refs/heads/*"))
        {
            if (r.ResolveToDirectReference()?.TargetIdentifier == sha) names.Add(r.CanonicalName["refs/heads/".Length..]);
        }
        foreach (var r in _repo.Refs.FromGlob("refs/remotes/*"))
        {
            // refs/remotes/<remote>/<branch>; origin/HEAD is a pointer, not a branch.
            var rest = r.CanonicalName["refs/remotes/".Length..];
            var slash = rest.IndexOf('/');
            if (slash < 0 || rest[(slash + 1)..] == "HEAD") continue;
            if (r.ResolveToDirectReference()?.TargetIdentifier == sha) names.Add(rest[(slash + 1)..]);
        }
        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<string> GetTagNames()
    {
        var names = new List<string>();
        foreach (var r in _repo.Refs.FromGlob("refs/tags/*")) names.Add(r.CanonicalName["refs/tags/".Length..]);
        return names;
    }

    public GitTag? FindTag(string name)
    {
        var tag = _repo.Tags[name];
        return tag is null ? null : ToTag(tag);
    }

    public GitCommit? GetCommit(string revision)
    {
        var obj = _repo.Lookup(revision);
        var commit = obj switch
        {
            Commit c => c,
            TagAnnotation a => a.Target.Peel<Commit>(),
            _ => obj?.Peel<Commit>(),
        };
        return commit is null ? null : ToCommit(commit);
    }

    public IEnumerable<GitCommit> WalkCommits(GitWalk walk, CancellationToken cancellation = default)
    {
        using var native = NativeHistoryWalk.TryOpen(_repo.Info.Path);
        foreach (var c in Walk(_repo, native, walk, cancellation)) yield return c;
    }

    /// <summary>The walk through LibGit2Sharp only (the fallback when libgit2's exports are not found); tests compare both.</summary>
    internal IEnumerable<GitCommit> WalkCommitsThroughLibGit2Sharp(GitWalk walk) => Walk(_repo, null, walk, CancellationToken.None);

    public IEnumerable<T> WalkRanges<T>(IReadOnlyList<GitWalk> walks, Func<GitWalk, IEnumerable<GitCommit>, T> consume, int parallelism, CancellationToken cancellation = default)
    {
        if (walks.Count == 0) yield break;
        parallelism = Math.Clamp(parallelism, 1, Math.Max(1, Environment.ProcessorCount));
        if (parallelism == 1 || walks.Count == 1)
        {
            using var native = NativeHistoryWalk.TryOpen(_repo.Info.Path);
            foreach (var w in walks) yield return consume(w, Walk(_repo, native, w, cancellation));
            yield break;
        }

        // libgit2 objects must not be shared across threads: every worker gets its own handle.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var handles = new System.Collections.Concurrent.ConcurrentBag<(Repository Repo, NativeHistoryWalk? Native)>();
        var gate = new SemaphoreSlim(parallelism);
        var window = new Queue<Task<T>>();
        var next = 0;
        Task<T> Start(GitWalk w) => Task.Run(async () =>
        {
            await gate.WaitAsync(stop.Token).ConfigureAwait(false);
            if (!handles.TryTake(out var handle)) handle = (new Repository(_repo.Info.Path), NativeHistoryWalk.TryOpen(_repo.Info.Path));
            try
            {
                return consume(w, Walk(handle.Repo, handle.Native, w, stop.Token));
            }
            finally
            {
                handles.Add(handle);
                gate.Release();
            }
        }, stop.Token);
        try
        {
            while (next < walks.Count && window.Count < parallelism * 2) window.Enqueue(Start(walks[next++]));
            while (window.Count > 0)
            {
                var result = window.Dequeue().GetAwaiter().GetResult();
                if (next < walks.Count) window.Enqueue(Start(walks[next++]));
                yield return result;
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var pending in window)
            {
                try { pending.Wait(); } catch (AggregateException) { } catch (OperationCanceledException) { }
            }
            foreach (var h in handles)
            {
                h.Native?.Dispose();
                h.Repo.Dispose();
            }
            gate.Dispose();
        }
    }

    /// <summary>
    /// Commits reachable from <see cref="GitWalk.From"/> and not from the excluded commits, newest first
    /// by committer date. Each commit object is read once (libgit2's revwalk reads every commit a second
    /// time when its message is asked for). Exclusion paints the excluded side's ancestors as they are
    /// reached in date order, the way git's own revision walk does, and — also like git — the paint
    /// flows on through commits already visited, so a commit dated wrongly (clock skew) cannot drag older
    /// history into the range. A range is yielded once it is settled, so memory is bounded by the
    /// largest range, never by the history.
    /// </summary>
    private static IEnumerable<GitCommit> Walk(Repository repo, NativeHistoryWalk? native, GitWalk walk, CancellationToken cancellation)
    {
        var from = repo.Lookup(walk.From)?.Peel<Commit>() ?? throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.ObjectNotFound,
            $"a commit at '{walk.From}'", "no such revision", "Check the tag or revision name (git rev-parse)", walk.From);
        if (native is not null)
        {
            var excluded = new List<string>();
            foreach (var e in walk.Exclude)
            {
                if (repo.Lookup(e)?.Peel<Commit>() is { } c) excluded.Add(c.Sha);
            }
            foreach (var c in native.Walk(from.Sha, excluded, walk.FirstParentOnly, cancellation)) yield return c;
            yield break;
        }
        const byte Queued = 1, Excluded = 2;
        var flags = new Dictionary<ObjectId, byte>();
        var parentsOf = new Dictionary<ObjectId, ObjectId[]>();
        var queue = new PriorityQueue<Commit, (long Time, long Order)>(new NewestFirst());
        var collected = new List<(ObjectId Id, GitCommit Commit)>();
        long order = 0;
        var interestingQueued = 0;

        void MarkExcluded(ObjectId id)
        {
            var stack = new Stack<ObjectId>();
            stack.Push(id);
            while (stack.Count > 0)
            {
                var current = stack.Pop();
                if (!flags.TryGetValue(current, out var f) || (f & Excluded) != 0) continue;
                flags[current] = (byte)(f | Excluded);
                if ((f & Queued) != 0)
                {
                    interestingQueued--;
                }
                else if (parentsOf.TryGetValue(current, out var parents))
                {
                    // Already visited as part of the range: its ancestors are excluded history too.
                    foreach (var p in parents) stack.Push(p);
                }
            }
        }

        void Enqueue(Commit c, bool excluded)
        {
            if (flags.ContainsKey(c.Id))
            {
                if (excluded) MarkExcluded(c.Id);
                return;
            }
            flags[c.Id] = (byte)(Queued | (excluded ? Excluded : 0));
            if (!excluded) interestingQueued++;
            queue.Enqueue(c, (c.Committer.When.ToUnixTimeSeconds(), order++));
        }

        foreach (var e in walk.Exclude)
        {
            if (repo.Lookup(e)?.Peel<Commit>() is { } c) Enqueue(c, excluded: true);
        }
        Enqueue(from, excluded: false);

        var n = 0;
        while (interestingQueued > 0 && queue.TryDequeue(out var commit, out _))
        {
            var f = flags[commit.Id];
            flags[commit.Id] = (byte)(f & ~Queued);
            if ((f & Excluded) != 0)
            {
                foreach (var p in commit.Parents) Enqueue(p, excluded: true);
                continue;
            }
            interestingQueued--;
            if ((++n & 1023) == 0) cancellation.ThrowIfCancellationRequested();
            var result = ToCommit(commit);
            var followed = new List<ObjectId>(2);
            foreach (var p in commit.Parents)
            {
                if (followed.Count > 0 && walk.FirstParentOnly) break;
                followed.Add(p.Id);
                Enqueue(p, excluded: false);
            }
            parentsOf[commit.Id] = followed.ToArray();
            collected.Add((commit.Id, result));
        }
        foreach (var (id, c) in collected)
        {
            if ((flags[id] & Excluded) == 0) yield return c;
        }
    }

    private sealed class NewestFirst : IComparer<(long Time, long Order)>
    {
        public int Compare((long Time, long Order) x, (long Time, long Order) y)
        {
            var c = y.Time.CompareTo(x.Time);
            return c != 0 ? c : x.Order.CompareTo(y.Order);
        }
    }

    private static GitCommit ToCommit(Commit c)
    {
        var author = c.Author;
        var parents = new List<string>(2);
        foreach (var p in c.Parents) parents.Add(p.Sha);
        return new GitCommit(c.Sha, parents, c.Message, author.Name, author.Email, author.When, c.Committer.When);
    }

    public string? GetRemoteUrl(string remote) => _repo.Network.Remotes[remote]?.Url;

    public bool HasCommit(string sha) => _repo.Lookup<Commit>(sha) is not null;

    public bool IsAncestor(string ancestor, string descendant)
    {
        var a = _repo.Lookup<Commit>(ancestor);
        var d = _repo.Lookup<Commit>(descendant);
        if (a is null || d is null)
        {
            return false;
        }
        if (a.Id == d.Id)
        {
            return true;
        }
        var mergeBase = _repo.ObjectDatabase.FindMergeBase(a, d);
        return mergeBase is not null && mergeBase.Id == a.Id;
    }

    public string CommitPaths(IReadOnlyList<string> relativePaths, string message)
    {
        var head = _repo.Head.Tip ?? throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.InvalidOperation,
            "a branch with at least one commit", "an unborn HEAD", "Make an initial commit first", WorkingDirectory);
        var author = Signature("AUTHOR");
        var committer = Signature("COMMITTER");

        // Stage our files through the index (so filters such as autocrlf apply), but build the tree
        // from HEAD plus only these entries: whatever else the user staged stays out of the commit.
        var definition = TreeDefinition.From(head.Tree);
        foreach (var path in relativePaths)
        {
            _repo.Index.Add(path);
            var entry = _repo.Index[path];
            definition.Add(path, _repo.Lookup<Blob>(entry.Id), entry.Mode);
        }
        var tree = _repo.ObjectDatabase.CreateTree(definition);
        var commit = _repo.ObjectDatabase.CreateCommit(author, committer, message, tree, new[] { head }, prettifyMessage: true);
        _repo.Refs.UpdateTarget(_repo.Refs.Head.ResolveToDirectReference(), commit.Id, "commit: " + FirstLine(message));
        _repo.Index.Write();
        return commit.Sha;
    }

    public void CreateAnnotatedTag(string name, string targetSha, string message)
    {
        var target = _repo.Lookup(targetSha) ?? throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.ObjectNotFound,
            $"commit {targetSha}", "no such object", "Run the command again", targetSha);
        _repo.Tags.Add(name, target, Signature("COMMITTER"), message);
    }

    public void DeleteTag(string name)
    {
        if (_repo.Tags[name] is not null)
        {
            _repo.Tags.Remove(name);
        }
    }

    public void UndoCommit(string sha, IReadOnlyList<string> relativePaths)
    {
        var commit = _repo.Lookup<Commit>(sha) ?? throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.ObjectNotFound,
            $"commit {sha} to return to", "no such commit", "Inspect the repository with git log", sha);
        _repo.Refs.UpdateTarget(_repo.Refs.Head.ResolveToDirectReference(), commit.Id, "x0tta6bl4: roll back release commit");
        _repo.Index.Replace(commit, relativePaths, null);
        _repo.Index.Write();
    }

    public async Task<IReadOnlyList<GitRemoteRef>> ListRemoteRefsAsync(string remote, IReadOnlyList<string> patterns, CancellationToken cancellation)
    {
        // Without --refs: the peeled "^{}" lines tell which commit an annotated tag names.
        var args = new List<string> { "ls-remote", remote };
        foreach (var pattern in patterns)
        {
            args.Add(pattern);
            // ls-remote matches patterns against whole ref names, so "refs/tags/v1" misses "refs/tags/v1^{}".
            if (pattern.StartsWith("refs/tags/", StringComparison.Ordinal) && !pattern.EndsWith('*'))
            {
                args.Add(pattern + "^{}");
            }
        }
        var result = await _cli.RunAsync(args, cancellation, throwOnError: false).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new X0Exception(ErrorIds.RemoteNotFound, X0ErrorCategory.ConnectionError,
                $"to read refs from remote '{remote}'", GitCli.Tail(result.StandardError),
                $"Check that the remote exists and is reachable (git ls-remote {remote}); credentials come from your git credential helper or GITHUB_TOKEN", remote);
        }
        var refs = new Dictionary<string, (string Sha, string? Peeled)>(StringComparer.Ordinal);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            if (parts.Length != 2) continue;
            var (sha, name) = (parts[0].Trim(), parts[1].Trim());
            if (name.EndsWith("^{}", StringComparison.Ordinal))
            {
                var baseName = name[..^3];
                refs[baseName] = (refs.TryGetValue(baseName, out var existing) ? existing.Sha : sha, sha);
            }
            else
            {
                refs[name] = (sha, refs.TryGetValue(name, out var existing) ? existing.Peeled : null);
            }
        }
        return refs.Select(r => new GitRemoteRef(r.Key, r.Value.Sha, r.Value.Peeled)).ToList();
    }

    public async Task PushAsync(string remote, IReadOnlyList<string> refspecs, CancellationToken cancellation)
    {
        var args = new List<string> { "push", "--atomic", "--porcelain", remote };
        args.AddRange(refspecs);
        var result = await _cli.RunAsync(args, cancellation, throwOnError: false).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var reason = string.Join(" | ", (result.StandardOutput + "\n" + result.StandardError)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith('!') || l.StartsWith("remote:", StringComparison.Ordinal) || l.StartsWith("error:", StringComparison.Ordinal)
                            || l.StartsWith("fatal:", StringComparison.Ordinal))
                .Take(8));
            throw new X0Exception(ErrorIds.PushRejected, X0ErrorCategory.PermissionDenied,
                $"remote '{remote}' to accept {string.Join(", ", refspecs.Select(r => r.Split(':')[^1]))}",
                $"a rejection: {(reason.Length > 0 ? reason : GitCli.Tail(result.StandardError))}",
                "Fix what the remote reports (permissions, protected branch, hooks), then run again: the local commit and tag were rolled back", remote);
        }
    }

    public void Dispose() => _repo.Dispose();

    private GitTag? ToTag(Tag tag)
    {
        // A tag may point at a tree or blob; only commits are versions.
        var peeled = tag.PeeledTarget as Commit;
        return peeled is null ? null : new GitTag(tag.FriendlyName, peeled.Sha, tag.IsAnnotated)
        {
            Date = tag.IsAnnotated && tag.Annotation.Tagger is { } tagger ? tagger.When : peeled.Committer.When,
        };
    }

    private LibGit2Sharp.Signature Signature(string role)
    {
        var now = DateTimeOffset.Now;
        var name = Environment.GetEnvironmentVariable($"GIT_{role}_NAME");
        var email = Environment.GetEnvironmentVariable($"GIT_{role}_EMAIL");
        var configured = _repo.Config.BuildSignature(now);
        name = string.IsNullOrWhiteSpace(name) ? configured?.Name : name;
        email = string.IsNullOrWhiteSpace(email) ? configured?.Email : email;
        if (string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(email))
        {
            throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.InvalidOperation,
                "a git identity (user.name and user.email) for the release commit and tag", "none configured",
                "Run git config user.name \"Your Name\" and git config user.email you@example.com (in Actions: the github-actions[bot] identity)",
                WorkingDirectory);
        }
        return new LibGit2Sharp.Signature(name, email, now);
    }

    private static string ShortStatus(FileStatus s)
    {
        if (s.HasFlag(FileStatus.Conflicted)) return "U";
        var index = s.HasFlag(FileStatus.NewInIndex) ? 'A' : s.HasFlag(FileStatus.ModifiedInIndex) ? 'M'
            : s.HasFlag(FileStatus.DeletedFromIndex) ? 'D' : s.HasFlag(FileStatus.RenamedInIndex) ? 'R'
            : s.HasFlag(FileStatus.TypeChangeInIndex) ? 'T' : ' ';
        var work = s.HasFlag(FileStatus.ModifiedInWorkdir) ? 'M' : s.HasFlag(FileStatus.DeletedFromWorkdir) ? 'D'
            : s.HasFlag(FileStatus.RenamedInWorkdir) ? 'R' : s.HasFlag(FileStatus.TypeChangeInWorkdir) ? 'T' : ' ';
        return $"{index}{work}".Trim();
    }

    private static string FirstLine(string s) => s.Split('\n')[0];
}
