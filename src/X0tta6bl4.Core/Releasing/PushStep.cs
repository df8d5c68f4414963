using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;

namespace X0tta6bl4.Core.Releasing;

/// <summary>
/// Pushes the release commit and tag when the remote does not hold them yet, so that
/// <c>Step-X0Version -Minor | Publish-X0Release</c> needs no separate push. It runs after the preflight
/// (token permissions), the gates and the package checks: a version that fails any of them is never made
/// public. The branch and the tag go in one atomic push and the remote's refs are read back afterwards.
/// </summary>
public sealed class PushStep : ReleaseStep
{
    private List<string> _refspecs = new();

    public override string Name => "Push";

    public override async Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        var repo = state.Repository;
        var remote = state.Request.Remote;
        if (repo.GetRemoteUrl(remote) is null)
        {
            return StepPlan.Skip($"no '{remote}' remote: {state.Tag} stays local");
        }
        var branch = repo.Head.Branch;
        IReadOnlyList<GitRemoteRef> refs;
        try
        {
            var patterns = new List<string> { $"refs/tags/{state.Tag}" };
            if (branch is not null) patterns.Add($"refs/heads/{branch}");
            refs = await repo.ListRemoteRefsAsync(remote, patterns, context.Cancellation).ConfigureAwait(false);
        }
        catch (X0Exception ex) when (state.GitHubRepository is null)
        {
            // A local release from a machine that cannot reach its remote: nothing public depends on the tag.
            context.Log.Warning($"Could not read '{remote}', so {state.Tag} was not pushed: {ex.Found}");
            return StepPlan.Skip($"'{remote}' could not be read ({ex.Found}): {state.Tag} not pushed");
        }

        var remoteTag = refs.FirstOrDefault(r => r.Name == $"refs/tags/{state.Tag}");
        if (remoteTag is not null)
        {
            if (remoteTag.CommitSha != state.Commit)
            {
                throw PreflightStep.TagUsedElsewhere(state.Tag, remote, state.Commit, remoteTag.CommitSha);
            }
            return StepPlan.AlreadyDone($"'{remote}' holds {state.Tag} at {state.Commit[..12]}");
        }

        _refspecs = new List<string> { $"refs/tags/{state.Tag}:refs/tags/{state.Tag}" };
        var remoteBranch = branch is null ? null : refs.FirstOrDefault(r => r.Name == $"refs/heads/{branch}");
        // The remote branch may already hold the release commit and more (another clone pushed on top): then
        // only the tag goes out; pushing the branch would be a refused non-fast-forward.
        var branchHasIt = remoteBranch is not null
            && (remoteBranch.Sha == state.Commit || (repo.HasCommit(remoteBranch.Sha) && repo.IsAncestor(state.Commit, remoteBranch.Sha)));
        var pushBranch = branch is not null && !branchHasIt;
        if (pushBranch)
        {
            // The preflight put HEAD at the tagged commit: the branch carries the release commit.
            _refspecs.Insert(0, $"refs/heads/{branch}:refs/heads/{branch}");
        }
        else if (branch is null)
        {
            context.Log.Verbose($"HEAD is detached: only {state.Tag} is pushed, no branch");
        }
        var what = pushBranch ? $"{branch} and {state.Tag}" : state.Tag;
        return StepPlan.Todo($"push {what} to '{remote}' (the tag is only local)", $"'{remote}': {what}", "Push the release commit and tag");
    }

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var repo = state.Repository;
        var remote = state.Request.Remote;
        X0Exception? rejected = null;
        try
        {
            await repo.PushAsync(remote, _refspecs, context.Cancellation).ConfigureAwait(false);
        }
        catch (X0Exception ex)
        {
            rejected = ex;
        }

        // The exit code is not the truth; the remote's refs are (a push cut off after the server applied it is a success).
        var targets = _refspecs.Select(r => r.Split(':')[1]).ToList();
        var refs = await repo.ListRemoteRefsAsync(remote, targets, CancellationToken.None).ConfigureAwait(false);
        var landed = targets.All(t => refs.Any(r => r.Name == t && r.CommitSha == state.Commit));
        if (landed)
        {
            return $"pushed {string.Join(" and ", targets.Select(t => t.Split('/', 3)[2]))} to '{remote}' at {state.Commit[..12]}";
        }
        var branchTarget = targets.FirstOrDefault(t => t.StartsWith("refs/heads/", StringComparison.Ordinal));
        var fix = branchTarget is null
            ? "Fix what the remote reports (permissions, tag protection, hooks), then run Publish-X0Release again: it resumes here"
            : $"If '{remote}' moved on, the release commit is not on it: delete the local tag (git tag -d {state.Tag}), git pull --rebase, "
              + "and bump again; otherwise fix what the remote reports (permissions, branch protection, hooks) and run again: it resumes here";
        throw new X0Exception(ErrorIds.PushRejected, X0ErrorCategory.PermissionDenied,
            $"'{remote}' to accept {string.Join(" and ", targets)} at {state.Commit[..12]}",
            rejected?.Found ?? "the push reported success but the remote does not hold them", fix, remote, rejected);
    }
}
