using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Releasing;

/// <summary>
/// The GitHub Release: create as draft → upload what is missing → verify names, sizes and digests →
/// publish exactly once. Safe with immutable releases (nothing changes after publishing), with
/// retried creates (a 502 that created the release is found by listing, drafts included), broken
/// uploads (deleted and uploaded again) and two runs at once (the older release wins, the other
/// run removes its own draft and reports AlreadyDone).
/// </summary>
public sealed class GitHubReleaseStep : ReleaseStep
{
    private const int MutationAttempts = 3;
    private readonly IGitHubReleaseGateway? _github;
    private readonly string? _skipReason;

    public GitHubReleaseStep(IGitHubReleaseGateway? github, string? skipReason)
    {
        _github = github;
        _skipReason = skipReason;
    }

    public override string Name => "GitHub Release";

    public override async Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        if (_github is null || state.GitHubRepository is null)
        {
            return StepPlan.Skip(_skipReason ?? "no GitHub repository to publish to");
        }
        var repo = state.GitHubRepository;
        var release = Winner(await _github.FindReleasesAsync(repo, state.Tag, context.Cancellation).ConfigureAwait(false));
        if (release is null)
        {
            return StepPlan.Todo($"create {(state.Request.Draft ? "a draft" : "a release")} {state.Tag} on {repo} with {state.Assets.Count} asset(s)" +
                                 (state.IsPrerelease ? " (pre-release)" : string.Empty),
                $"{repo} release {state.Tag}", state.Request.Draft ? "Create a draft GitHub release" : "Create and publish a GitHub release");
        }

        var diff = await CompareAssetsAsync(repo, release, state, context).ConfigureAwait(false);
        state.ReleaseUrl = release.HtmlUrl;
        var wantsPublished = !state.Request.Draft;
        if (diff.Missing.Count == 0 && diff.Broken.Count == 0 && (release.Draft != wantsPublished))
        {
            return StepPlan.AlreadyDone($"{release.HtmlUrl} ({(release.Draft ? "draft" : "published")}, {state.Assets.Count} asset(s) verified)");
        }
        var work = new List<string>();
        if (diff.Broken.Count > 0) work.Add($"replace {string.Join(", ", diff.Broken.Select(b => b.Name))}");
        if (diff.Missing.Count > 0) work.Add($"upload {string.Join(", ", diff.Missing.Select(m => m.Name))}");
        if (release.Draft && wantsPublished) work.Add("publish the draft");
        return StepPlan.Todo($"{string.Join("; ", work)} on {release.HtmlUrl}", $"{repo} release {state.Tag}", "Complete the GitHub release");
    }

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var github = _github!;
        var repo = state.GitHubRepository!;
        var ct = context.Cancellation;
        var release = await EnsureDraftAsync(github, repo, state, context).ConfigureAwait(false);

        var diff = await CompareAssetsAsync(repo, release, state, context).ConfigureAwait(false);
        foreach (var broken in diff.Broken)
        {
            context.Log.Verbose($"Deleting broken or outdated asset {broken.Name} ({broken.State}, {broken.Size} B)");
            await github.DeleteAssetAsync(repo, broken.Id, ct).ConfigureAwait(false);
        }
        var index = 0;
        foreach (var asset in diff.Missing)
        {
            index++;
            var id = 10 + index;
            var size = asset.Size;
            var progress = new Progress<long>(sent => context.Progress.Report(new X0Progress($"Uploading {asset.Name}",
                $"{sent:N0} of {size:N0} bytes", size == 0 ? 100 : (int)(sent * 100 / size), id, 0)));
            await UploadWithRecheckAsync(github, repo, release, asset, progress, context).ConfigureAwait(false);
            context.Progress.Report(new X0Progress($"Uploading {asset.Name}", "done", 100, id, 0, Completed: true));
        }

        // Verify before publishing: with immutable releases nothing can be fixed afterwards.
        release = Winner(await github.FindReleasesAsync(repo, state.Tag, ct).ConfigureAwait(false)) ?? release;
        var check = await CompareAssetsAsync(repo, release, state, context).ConfigureAwait(false);
        if (check.Missing.Count > 0 || check.Broken.Count > 0)
        {
            throw new X0Exception(ErrorIds.AssetDiffers, X0ErrorCategory.InvalidResult,
                $"every asset on the draft with the right size and digest",
                $"missing {string.Join(", ", check.Missing.Select(m => m.Name))}; wrong {string.Join(", ", check.Broken.Select(b => b.Name))}",
                "Run Publish-X0Release again: it re-uploads what is wrong", release.HtmlUrl);
        }
        if (release.Draft && !state.Request.Draft)
        {
            release = await github.PublishAsync(repo, release.Id, ct).ConfigureAwait(false);
        }
        state.ReleaseUrl = release.HtmlUrl;
        state.Published = !release.Draft;
        return $"{release.HtmlUrl} ({(release.Draft ? "draft" : "published")}, {state.Assets.Count} asset(s) verified)";
    }

    private async Task<GitHubReleaseInfo> EnsureDraftAsync(IGitHubReleaseGateway github, string repo, ReleaseState state, X0Context context)
    {
        var ct = context.Cancellation;
        for (var attempt = 1; ; attempt++)
        {
            var existing = Winner(await github.FindReleasesAsync(repo, state.Tag, ct).ConfigureAwait(false));
            if (existing is not null)
            {
                return existing;
            }
            GitHubReleaseInfo created;
            try
            {
                created = await github.CreateDraftAsync(repo, state.Tag, state.Tag, state.Notes?.Markdown ?? string.Empty, state.IsPrerelease, ct).ConfigureAwait(false);
            }
            catch (X0Exception ex) when (IsTransient(ex) && attempt < MutationAttempts)
            {
                // The create may have happened before the error: re-read before trying again.
                context.Log.Warning($"Creating the release failed ({ex.Found}); checking whether it exists before retrying");
                continue;
            }

            // Two runs at once may both have created a draft: the oldest release wins, ours goes.
            var all = await github.FindReleasesAsync(repo, state.Tag, ct).ConfigureAwait(false);
            var winner = Winner(all) ?? created;
            if (winner.Id != created.Id)
            {
                context.Log.Warning($"Another run created release {state.Tag} at the same time; removing this run's duplicate draft");
                await github.DeleteReleaseAsync(repo, created.Id, ct).ConfigureAwait(false);
            }
            return winner;
        }
    }

    private static async Task UploadWithRecheckAsync(IGitHubReleaseGateway github, string repo, GitHubReleaseInfo release,
        ReleaseAsset asset, IProgress<long> progress, X0Context context)
    {
        var ct = context.Cancellation;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await github.UploadAssetAsync(repo, release, asset, progress, ct).ConfigureAwait(false);
                return;
            }
            catch (X0Exception ex) when (IsTransient(ex) && attempt < MutationAttempts)
            {
                // A cut-off upload can leave a "starter" asset that blocks the name: remove it, then retry.
                context.Log.Warning($"Uploading {asset.Name} failed ({ex.Found}); cleaning up and retrying");
                var current = Winner(await github.FindReleasesAsync(repo, release.TagName, ct).ConfigureAwait(false));
                var leftover = current?.Assets.FirstOrDefault(a => a.Name == asset.Name);
                if (leftover is not null)
                {
                    if (leftover.State == "uploaded" && leftover.Size == asset.Size
                        && await github.GetAssetSha256Async(repo, leftover, ct).ConfigureAwait(false) == asset.Sha256)
                    {
                        return;
                    }
                    await github.DeleteAssetAsync(repo, leftover.Id, ct).ConfigureAwait(false);
                }
            }
        }
    }

    private sealed record AssetDiff(List<ReleaseAsset> Missing, List<GitHubAssetInfo> Broken);

    private async Task<AssetDiff> CompareAssetsAsync(string repo, GitHubReleaseInfo release, ReleaseState state, X0Context context)
    {
        var missing = new List<ReleaseAsset>();
        var broken = new List<GitHubAssetInfo>();
        foreach (var asset in state.Assets)
        {
            var remote = release.Assets.FirstOrDefault(a => string.Equals(a.Name, asset.Name, StringComparison.Ordinal));
            if (remote is null)
            {
                missing.Add(asset);
                continue;
            }
            if (remote.State != "uploaded")
            {
                // An upload cut short: never a valid asset, whatever the release's state.
                broken.Add(remote);
                missing.Add(asset);
                continue;
            }
            var digest = remote.Size == asset.Size ? await DigestAsync(repo, remote, context).ConfigureAwait(false) : $"(size {remote.Size} B)";
            if (digest == asset.Sha256)
            {
                continue;
            }
            if (!release.Draft)
            {
                throw new X0Exception(ErrorIds.AssetDiffers, X0ErrorCategory.ResourceExists,
                    $"asset {asset.Name} on the published release {release.TagName} to have sha256 {asset.Sha256[..12]}…",
                    $"{(digest.StartsWith('(') ? digest : "sha256 " + digest[..Math.Min(12, digest.Length)] + "…")} (the release already carries different bytes under that name)",
                    "Published assets are never overwritten: release a new version, or delete the asset on GitHub deliberately", asset.Name);
            }
            broken.Add(remote);
            missing.Add(asset);
        }
        return new AssetDiff(missing, broken);
    }

    /// <summary>The API's digest when it reports one ("sha256:…"), else the gateway downloads and hashes.</summary>
    private Task<string> DigestAsync(string repo, GitHubAssetInfo asset, X0Context context) =>
        asset.Digest is { } d && d.StartsWith("sha256:", StringComparison.Ordinal)
            ? Task.FromResult(d["sha256:".Length..].ToLowerInvariant())
            : _github!.GetAssetSha256Async(repo, asset, context.Cancellation);

    /// <summary>A 5xx or a dropped connection: the mutation may or may not have happened.</summary>
    private static bool IsTransient(X0Exception ex) => ex.ErrorId is ErrorIds.GitHubServerError or ErrorIds.GitHubUnreachable;

    /// <summary>The release that counts: a published one, else the oldest draft.</summary>
    private static GitHubReleaseInfo? Winner(IReadOnlyList<GitHubReleaseInfo> releases) =>
        releases.Where(r => !r.Draft).OrderBy(r => r.Id).FirstOrDefault() ?? releases.OrderBy(r => r.Id).FirstOrDefault();
}
