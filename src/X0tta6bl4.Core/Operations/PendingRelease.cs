using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Operations;

/// <summary>
/// Releases that did not reach the remote: a release tag on the branch that the remote lacks (a push
/// killed half-way), and a remote that moved on while this run pushed (two releases at once).
/// Both are told as what they are, with the exact next command, instead of a second bump or a
/// generic push failure.
/// </summary>
internal static class PendingRelease
{
    /// <summary>
    /// The error for a newer release tag than any on the remote that sits on this branch only locally
    /// (bumping past it would leave it unpublished for ever), or null.
    /// </summary>
    public static X0Exception? Unpushed(IGitRepository repo, GitHead head, TagFormat format, IReadOnlyList<string> localTags,
        IReadOnlyList<string> remoteTags, string remote)
    {
        var remoteSet = new HashSet<string>(remoteTags, StringComparer.Ordinal);
        var newestRemote = format.Latest(remoteTags);
        var pending = localTags
            .Where(t => !remoteSet.Contains(t) && format.TryParse(t, out var v) && (newestRemote is null || v!.ComparePrecedenceTo(newestRemote) > 0))
            .Select(t => (Name: t, Tag: repo.FindTag(t)))
            .Where(t => t.Tag is not null && repo.IsAncestor(t.Tag.TargetSha, head.Sha!))
            .OrderByDescending(t => format.TryParse(t.Name, out var v) ? v : null, SemVerPrecedence.Instance)
            .ToList();
        if (pending.Count == 0)
        {
            return null;
        }
        var (name, found) = pending[0];
        var sha = found!.TargetSha;
        var branch = head.Branch ?? "HEAD";
        var atHead = sha == head.Sha;
        return new X0Exception(ErrorIds.ReleaseNotPushed, X0ErrorCategory.InvalidOperation,
            $"every release on {branch} to be on '{remote}' before the next one is made",
            $"tag {name} at {sha[..12]} exists only in this repository{(atHead ? " (on HEAD)" : "")}: a release whose push did not finish",
            $"Finish it with Publish-X0Release -Tag {name} (or git push {remote} refs/heads/{branch} refs/tags/{name}); " +
            $"or drop it with git tag -d {name}{(atHead ? $" and git reset --keep {sha[..12]}~1 to undo its release commit" : "")}, then bump again",
            name);
    }

    /// <summary>The error for a push that lost a race with another push, or null when the remote did not move on.</summary>
    public static X0Exception? Race(StepVersionPlan plan, string commitSha, IReadOnlyList<GitRemoteRef> refs)
    {
        var branchSha = refs.FirstOrDefault(r => r.Name == $"refs/heads/{plan.Branch}")?.Sha;
        var tag = plan.Tag is null ? null : refs.FirstOrDefault(r => r.Name == $"refs/tags/{plan.Tag}");
        var branchMoved = branchSha is not null && branchSha != commitSha && branchSha != plan.RemoteBranchSha;
        var tagTaken = tag is not null && tag.CommitSha != commitSha;
        if (!branchMoved && !tagTaken)
        {
            return null;
        }
        var what = new List<string>();
        if (branchMoved) what.Add($"{plan.Remote}/{plan.Branch} moved from {Short(plan.RemoteBranchSha)} to {branchSha![..12]}");
        if (tagTaken) what.Add($"tag {plan.Tag} now names {tag!.CommitSha[..12]} there");
        return new X0Exception(ErrorIds.RemoteMovedOn, X0ErrorCategory.ResourceBusy,
            $"{plan.Remote}/{plan.Branch} to stay where it was when the bump was planned ({Short(plan.RemoteBranchSha)})",
            $"{string.Join(" and ", what)} while this run pushed: another push or release ran at the same time (a race, not a permission problem)",
            $"This run's commit{(plan.Tag is null ? " was" : " and tag were")} rolled back. Bring in what the other run pushed " +
            $"(git pull --rebase {plan.Remote} {plan.Branch}; git fetch --tags {plan.Remote}), then plan again with -WhatIf: " +
            "the version may already be released, or the next one is chosen from there",
            plan.Remote);
    }

    private static string Short(string? sha) => sha is null ? "nothing" : sha[..Math.Min(12, sha.Length)];

    private sealed class SemVerPrecedence : IComparer<Semver.SemVersion?>
    {
        public static readonly SemVerPrecedence Instance = new();
        public int Compare(Semver.SemVersion? x, Semver.SemVersion? y) =>
            x is null ? (y is null ? 0 : -1) : y is null ? 1 : x.ComparePrecedenceTo(y);
    }
}
