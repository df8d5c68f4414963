using System.Globalization;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Releasing;

/// <summary>
/// The GitHub Release: create as draft → upload what is missing → verify names, sizes and digests →
/// publish exactly once. Safe with immutable releases (nothing changes after publishing), with
/// retried creates (a 502 that created the release is found by listing, drafts included), broken
/// uploads (deleted and uploaded again) and two runs at once.
/// </summary>
/// <remarks>
/// Two runs of the same release coordinate through the draft itself: the run working on it keeps a
/// lease in the draft's body (an HTML comment with its run id and an expiry it renews). Another run
/// that finds a live lease waits — up to <see cref="ReleaseRequest.MaxWait"/> — for the release to be
/// published and then verifies it (AlreadyDone); a lease that expired (a run that was killed) is taken
/// over. When both runs create a draft at the same moment the older draft wins and the other run
/// deletes its own. Publishing replaces the body with the plain notes, so no lease outlives the draft.
/// </remarks>
public sealed partial class GitHubReleaseStep : ReleaseStep
{
    private const int MutationAttempts = 3;
    private readonly IGitHubReleaseGateway? _github;
    private readonly string? _skipReason;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..12];

    public GitHubReleaseStep(IGitHubReleaseGateway? github, string? skipReason)
    {
        _github = github;
        _skipReason = skipReason;
    }

    public override string Name => "GitHub Release";

    /// <summary>How long a lease lasts without renewal; it is renewed at half-time while this run works.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How often a waiting run reads the release again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>The clock leases are written and judged with (tests move it).</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    public override async Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        if (_github is null || state.GitHubRepository is null)
        {
            return StepPlan.Skip(_skipReason ?? "no GitHub repository to publish to");
        }
        var repo = state.GitHubRepository;
        var target = $"{repo} release {state.Tag}";
        var release = Winner(await _github.FindReleasesAsync(repo, state.Tag, context.Cancellation).ConfigureAwait(false));
        if (release is null)
        {
            return StepPlan.Todo($"create a draft {state.Tag} on {repo}, upload {state.Assets.Count} asset(s), verify them" +
                                 (state.Request.Draft ? " and keep it a draft" : " and publish it") + (state.IsPrerelease ? " as a pre-release" : string.Empty),
                target, state.Request.Draft ? "Create a draft GitHub release" : "Create and publish a GitHub release");
        }

        var lease = Lease.Parse(release.Body);
        if (release.Draft && lease is not null && lease.Run != _runId && lease.Until > Clock())
        {
            return StepPlan.Todo($"another run ({lease.Run}) is publishing {release.HtmlUrl} (its lease lasts until {lease.Until:HH:mm:ss} UTC): wait for it, then verify",
                target, "Wait for the other run, then verify the GitHub release");
        }

        var diff = await CompareAssetsAsync(repo, release, state, context).ConfigureAwait(false);
        if (!release.Draft && release.Immutable && (diff.Missing.Count > 0 || diff.Broken.Count > 0))
        {
            throw ImmutableError(release, diff);
        }
        var complete = diff.Missing.Count == 0 && diff.Broken.Count == 0;
        var wantsPublished = !state.Request.Draft;
        if (complete && (!release.Draft || (!wantsPublished && lease is null)))
        {
            Adopt(state, release);
            return StepPlan.AlreadyDone($"{release.HtmlUrl} ({Describe(release)}, {state.Assets.Count} asset(s) verified)");
        }
        var work = new List<string>();
        if (diff.Broken.Count > 0) work.Add($"replace {string.Join(", ", diff.Broken.Select(b => b.Name))}");
        if (diff.Missing.Count > diff.Broken.Count) work.Add($"upload {string.Join(", ", diff.Missing.Where(m => diff.Broken.All(b => b.Name != m.Name)).Select(m => m.Name))}");
        if (release.Draft && wantsPublished) work.Add("publish the draft");
        else if (release.Draft && lease is not null) work.Add("clear the stale lease of run " + lease.Run);
        return StepPlan.Todo($"{string.Join("; ", work)} on {release.HtmlUrl}", target, "Complete the GitHub release");
    }

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context) =>
        (await ApplyWithStatusAsync(state, plan, context).ConfigureAwait(false)).Detail;

    public override async Task<StepApplied> ApplyWithStatusAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var github = _github!;
        var repo = state.GitHubRepository!;
        var ct = context.Cancellation;
        var (release, owned, waited) = await AcquireAsync(github, repo, state, context).ConfigureAwait(false);
        var worked = false;
        using var renewal = owned ? new LeaseRenewal(this, github, repo, release.Id, state, context) : null;
        try
        {
            var diff = await CompareAssetsAsync(repo, release, state, context).ConfigureAwait(false);
            if (!release.Draft && release.Immutable && (diff.Missing.Count > 0 || diff.Broken.Count > 0))
            {
                throw ImmutableError(release, diff);
            }
            foreach (var broken in diff.Broken)
            {
                context.Log.Verbose($"Deleting broken or outdated asset {broken.Name} ({broken.State}, {broken.Size:N0} B) from {release.HtmlUrl}");
                await github.DeleteAssetAsync(repo, broken.Id, ct).ConfigureAwait(false);
                worked = true;
            }
            var index = 0;
            foreach (var asset in diff.Missing)
            {
                index++;
                var id = 10 + index;
                var size = asset.Size;
                var activity = $"Uploading {asset.Name}";
                var progress = new Progress<long>(sent => context.Progress.Report(new X0Progress(activity,
                    $"{sent:N0} of {size:N0} bytes ({index}/{diff.Missing.Count})", size == 0 ? 100 : (int)(sent * 100 / size), id, 0)));
                await UploadWithRecheckAsync(github, repo, release, asset, progress, context).ConfigureAwait(false);
                context.Progress.Report(new X0Progress(activity, "done", 100, id, 0, Completed: true));
                worked = true;
            }

            // Verify before publishing: with immutable releases nothing can be fixed afterwards.
            release = Winner(await github.FindReleasesAsync(repo, state.Tag, ct).ConfigureAwait(false)) ?? release;
            var check = await CompareAssetsAsync(repo, release, state, context).ConfigureAwait(false);
            if (check.Missing.Count > 0 || check.Broken.Count > 0)
            {
                throw new X0Exception(ErrorIds.AssetDiffers, X0ErrorCategory.InvalidResult,
                    "every asset on the release with the right size and digest after uploading",
                    $"missing {List(check.Missing.Select(m => m.Name))}; wrong {List(check.Broken.Select(b => b.Name))}",
                    "Run Publish-X0Release again: it re-uploads what is wrong", release.HtmlUrl);
            }
            if (renewal is not null) await renewal.StopAsync().ConfigureAwait(false);
            if (release.Draft && !state.Request.Draft)
            {
                release = await PublishAsync(github, repo, release, state, context).ConfigureAwait(false);
                worked = true;
            }
            else if (release.Draft && Lease.Parse(release.Body) is not null)
            {
                // -Draft: the release stays a draft, without this (or a dead) run's lease.
                release = await github.UpdateReleaseAsync(repo, release.Id, new GitHubReleaseUpdate(Body: Notes(state)), ct).ConfigureAwait(false);
                worked = true;
            }
        }
        catch (Exception) when (renewal is not null)
        {
            await renewal.StopAsync().ConfigureAwait(false);
            await ReleaseLeaseAsync(github, repo, release.Id, state, context).ConfigureAwait(false);
            throw;
        }

        Adopt(state, release);
        var detail = $"{release.HtmlUrl} ({Describe(release)}, {state.Assets.Count} asset(s) verified)";
        // Nothing changed by this run: the release was completed meanwhile (by another run).
        return worked || owned
            ? new StepApplied(StepStatus.Done, detail)
            : new StepApplied(StepStatus.AlreadyDone, detail + (waited ? "; published by another run at the same time" : "; completed meanwhile by another run"));
    }

    /// <summary>
    /// The release this run may work on: an existing published release, or a draft whose lease this run
    /// holds (created now, or taken over from a run whose lease expired). Waits while another run holds it.
    /// </summary>
    private async Task<(GitHubReleaseInfo Release, bool Owned, bool Waited)> AcquireAsync(IGitHubReleaseGateway github, string repo,
        ReleaseState state, X0Context context)
    {
        var waited = false;
        try
        {
            var (release, owned) = await AcquireLoopAsync(github, repo, state, context, () => waited = true).ConfigureAwait(false);
            return (release, owned, waited);
        }
        finally
        {
            if (waited) context.Progress.Report(new X0Progress("Waiting for another run", "done", 100, 9, 0, Completed: true));
        }
    }

    private async Task<(GitHubReleaseInfo Release, bool Owned)> AcquireLoopAsync(IGitHubReleaseGateway github, string repo,
        ReleaseState state, X0Context context, Action onWait)
    {
        var ct = context.Cancellation;
        var waited = false;
        var deadline = Clock() + state.Request.MaxWait;
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var existing = Winner(await github.FindReleasesAsync(repo, state.Tag, ct).ConfigureAwait(false));
            if (existing is null)
            {
                if (attempt > MutationAttempts * 2)
                {
                    throw new X0Exception(ErrorIds.GitHubServerError, X0ErrorCategory.ResourceUnavailable,
                        $"a draft {state.Tag} on {repo} after creating it", "none in the release list",
                        "Run Publish-X0Release again: it resumes from what GitHub holds", state.Tag);
                }
                var created = await CreateDraftAsync(github, repo, state, context).ConfigureAwait(false);
                if (created is null) continue; // the create may have happened: read again
                // Two runs at once may both have created a draft: the oldest wins, the others delete their own.
                var winner = Winner(await github.FindReleasesAsync(repo, state.Tag, ct).ConfigureAwait(false)) ?? created;
                if (winner.Id == created.Id) return (created, true);
                context.Log.Warning($"Another run created release {state.Tag} at the same time; removing this run's duplicate draft");
                await github.DeleteReleaseAsync(repo, created.Id, ct).ConfigureAwait(false);
                continue;
            }
            if (!existing.Draft)
            {
                return (existing, false);
            }
            var lease = Lease.Parse(existing.Body);
            if (lease is not null && lease.Run == _runId)
            {
                return (existing, true);
            }
            if (lease is not null && lease.Until > Clock())
            {
                if (Clock() >= deadline)
                {
                    throw new X0Exception(ErrorIds.ReleaseInProgress, X0ErrorCategory.ResourceBusy,
                        $"no other run publishing {state.Tag} within -MaxWait {state.Request.MaxWait.TotalSeconds:0} s",
                        $"run {lease.Run} holding the draft {existing.HtmlUrl} until {lease.Until:yyyy-MM-dd HH:mm:ss} UTC",
                        $"Let that run finish; if it was interrupted, run again after {lease.Until:HH:mm:ss} UTC (its lease then expires) or allow a longer -MaxWait",
                        state.Tag);
                }
                if (!waited)
                {
                    context.Log.Warning($"Another run ({lease.Run}) is publishing {state.Tag} (lease until {lease.Until:HH:mm:ss} UTC); waiting for it to finish.");
                }
                waited = true;
                onWait();
                context.Progress.Report(new X0Progress("Waiting for another run", $"{state.Tag} is being published by run {lease.Run}", -1, 9, 0));
                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
                attempt = 0;
                continue;
            }
            // A draft without a live lease: left by an interrupted run. Take it over and make sure the lease is ours.
            if (lease is not null) context.Log.Warning($"Run {lease.Run}'s lease on {existing.HtmlUrl} expired at {lease.Until:HH:mm:ss} UTC; taking the draft over");
            try
            {
                await github.UpdateReleaseAsync(repo, existing.Id, new GitHubReleaseUpdate(Body: Notes(state, NewLease())), ct).ConfigureAwait(false);
            }
            catch (X0Exception ex) when (IsTransient(ex) && attempt < MutationAttempts)
            {
                context.Log.Warning($"Taking over the draft failed ({ex.Found}); reading it again");
            }
        }
    }

    /// <summary>Creates the draft with this run's lease; null when the answer was lost (the draft may exist: read again).</summary>
    private async Task<GitHubReleaseInfo?> CreateDraftAsync(IGitHubReleaseGateway github, string repo, ReleaseState state, X0Context context)
    {
        try
        {
            return await github.CreateDraftAsync(repo, state.Tag, state.Tag, Notes(state, NewLease()), state.IsPrerelease, context.Cancellation).ConfigureAwait(false);
        }
        catch (X0Exception ex) when (IsTransient(ex) || ex.Category == X0ErrorCategory.ResourceExists)
        {
            // 5xx or a lost connection: the create may have happened. 422 already_exists: another run published meanwhile.
            context.Log.Warning($"Creating the release answered {ex.Found}; checking whether it exists before trying again");
            return null;
        }
    }

    private async Task<GitHubReleaseInfo> PublishAsync(IGitHubReleaseGateway github, string repo, GitHubReleaseInfo draft, ReleaseState state, X0Context context)
    {
        var ct = context.Cancellation;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await github.UpdateReleaseAsync(repo, draft.Id, new GitHubReleaseUpdate(Body: Notes(state), Draft: false, Prerelease: state.IsPrerelease), ct).ConfigureAwait(false);
            }
            catch (X0Exception ex) when ((IsTransient(ex) || ex.Category == X0ErrorCategory.ResourceExists) && attempt < MutationAttempts)
            {
                // Publishing may have happened before the error; never publish twice.
                context.Log.Warning($"Publishing {state.Tag} answered {ex.Found}; reading the release before trying again");
                var current = Winner(await github.FindReleasesAsync(repo, state.Tag, ct).ConfigureAwait(false));
                if (current is not null && !current.Draft) return current;
            }
        }
    }

    private async Task ReleaseLeaseAsync(IGitHubReleaseGateway github, string repo, long releaseId, ReleaseState state, X0Context context)
    {
        // Best effort, also after Ctrl+C: the next run should not have to wait for this lease to expire.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await github.UpdateReleaseAsync(repo, releaseId, new GitHubReleaseUpdate(Body: Notes(state)), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is X0Exception or OperationCanceledException or HttpRequestException)
        {
            context.Log.Verbose($"Could not release the lease on draft {releaseId} ({ex.Message}); it expires by itself");
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
            catch (X0Exception ex) when ((IsTransient(ex) || ex.Category == X0ErrorCategory.ResourceExists) && attempt < MutationAttempts)
            {
                // The upload may have completed, or a cut-off one left an "open" asset that blocks the name.
                context.Log.Warning($"Uploading {asset.Name} answered {ex.Found}; reading the release before trying again");
                var current = Winner(await github.FindReleasesAsync(repo, release.TagName, ct).ConfigureAwait(false));
                var leftover = current?.Assets.FirstOrDefault(a => a.Name == asset.Name);
                if (leftover is null) continue;
                if (leftover.State == "uploaded" && leftover.Size == asset.Size
                    && await Sha256Async(github, repo, leftover, ct).ConfigureAwait(false) == asset.Sha256)
                {
                    return;
                }
                context.Log.Verbose($"Deleting the incomplete asset {leftover.Name} ({leftover.State}, {leftover.Size:N0} of {asset.Size:N0} B)");
                await github.DeleteAssetAsync(repo, leftover.Id, ct).ConfigureAwait(false);
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
            var digest = remote.Size == asset.Size ? await Sha256Async(_github!, repo, remote, context.Cancellation).ConfigureAwait(false) : null;
            if (digest == asset.Sha256)
            {
                continue;
            }
            if (!release.Draft)
            {
                throw new X0Exception(ErrorIds.AssetDiffers, X0ErrorCategory.ResourceExists,
                    $"asset {asset.Name} on the published release {release.TagName} to hold this build ({asset.Size:N0} B, sha256 {asset.Sha256[..12]}…)",
                    (digest is null ? $"{remote.Size:N0} B" : $"sha256 {digest[..Math.Min(12, digest.Length)]}…") + " (the asset differs: the release already carries other bytes under that name)",
                    "Published assets are never overwritten: release a new version, or delete the asset on GitHub deliberately", asset.Name);
            }
            broken.Add(remote);
            missing.Add(asset);
        }
        return new AssetDiff(missing, broken);
    }

    /// <summary>The API's digest when it reports one ("sha256:…"), else the gateway downloads and hashes.</summary>
    private static Task<string> Sha256Async(IGitHubReleaseGateway github, string repo, GitHubAssetInfo asset, CancellationToken ct) =>
        asset.Digest is { } d && d.StartsWith("sha256:", StringComparison.Ordinal)
            ? Task.FromResult(d["sha256:".Length..].ToLowerInvariant())
            : github.GetAssetSha256Async(repo, asset, ct);

    private static X0Exception ImmutableError(GitHubReleaseInfo release, AssetDiff diff) =>
        new(ErrorIds.ReleaseImmutable, X0ErrorCategory.InvalidOperation,
            $"the published immutable release {release.TagName} to carry every asset of this build",
            $"missing {List(diff.Missing.Where(m => diff.Broken.All(b => b.Name != m.Name)).Select(m => m.Name))}; incomplete {List(diff.Broken.Select(b => b.Name))}",
            "An immutable release cannot change: release a new version with all its assets", release.HtmlUrl);

    /// <summary>Records the release on the state: URL, published or not, and each asset's download URL.</summary>
    private static void Adopt(ReleaseState state, GitHubReleaseInfo release)
    {
        state.ReleaseUrl = release.HtmlUrl;
        state.Published = !release.Draft;
        for (var i = 0; i < state.Assets.Count; i++)
        {
            var remote = release.Assets.FirstOrDefault(a => a.Name == state.Assets[i].Name);
            if (remote is not null && remote.DownloadUrl.Length > 0) state.Assets[i] = state.Assets[i] with { Url = remote.DownloadUrl };
        }
    }

    private static string Describe(GitHubReleaseInfo r) =>
        (r.Draft ? "draft" : r.Immutable ? "published, immutable" : "published") + (r.Prerelease ? ", pre-release" : string.Empty);

    private static string List(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }

    private Lease NewLease() => new(_runId, Clock() + LeaseDuration);

    /// <summary>The release body: the notes, plus this run's lease while it works on a draft.</summary>
    private static string Notes(ReleaseState state, Lease? lease = null)
    {
        var notes = state.Notes?.Markdown ?? string.Empty;
        return lease is null ? notes : notes.TrimEnd() + "\n\n" + lease.Format() + "\n";
    }

    /// <summary>A 5xx, a dropped connection or a timeout: the mutation may or may not have happened.</summary>
    private static bool IsTransient(X0Exception ex) => ex.ErrorId is ErrorIds.GitHubServerError or ErrorIds.GitHubUnreachable;

    /// <summary>The release that counts: a published one, else the oldest draft.</summary>
    private static GitHubReleaseInfo? Winner(IReadOnlyList<GitHubReleaseInfo> releases) =>
        releases.Where(r => !r.Draft).OrderBy(r => r.Id).FirstOrDefault() ?? releases.OrderBy(r => r.Id).FirstOrDefault();

    /// <summary>"This run works on the draft until …", kept in the draft's body as an HTML comment (invisible when rendered).</summary>
    internal sealed partial record Lease(string Run, DateTimeOffset Until)
    {
        [GeneratedRegex(@"<!-- x0tta6bl4:publishing run=(?<run>[0-9a-f]+) until=(?<until>[0-9TZ:.\-]+) -->", RegexOptions.CultureInvariant)]
        private static partial Regex Pattern();

        public string Format() => $"<!-- x0tta6bl4:publishing run={Run} until={Until.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} -->";

        public static Lease? Parse(string? body)
        {
            var m = body is null ? null : Pattern().Match(body);
            if (m is not { Success: true }) return null;
            return DateTimeOffset.TryParse(m.Groups["until"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until)
                ? new Lease(m.Groups["run"].Value, until)
                : null;
        }
    }

    /// <summary>Renews this run's lease at half-time while it uploads (large assets on slow links outlast one lease).</summary>
    private sealed class LeaseRenewal : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task _loop;

        public LeaseRenewal(GitHubReleaseStep step, IGitHubReleaseGateway github, string repo, long releaseId, ReleaseState state, X0Context context)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
            var token = _stop.Token;
            _loop = Task.Run(async () =>
            {
                while (!token.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(step.LeaseDuration / 2, token).ConfigureAwait(false);
                        await github.UpdateReleaseAsync(repo, releaseId, new GitHubReleaseUpdate(Body: Notes(state, step.NewLease())), token).ConfigureAwait(false);
                        context.Log.Verbose($"Renewed the lease on the draft of {state.Tag}");
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        // A missed renewal only shortens the lease; the work goes on and the next renewal tries again.
                        context.Log.Verbose($"Renewing the lease on the draft of {state.Tag} failed ({(ex is X0Exception x0 ? x0.Found : ex.Message)}); trying again later");
                    }
                }
            });
        }

        public async Task StopAsync()
        {
            _stop.Cancel();
            await _loop.ConfigureAwait(false);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
