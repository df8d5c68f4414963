using System.Security.Cryptography;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Releasing;

public sealed class GitHubReleaseStepTests : IDisposable
{
    private readonly GitRepoFixture _repo = new("release");
    private readonly LibGit2Repository _git;
    private readonly InMemoryGitHub _github = new();

    public GitHubReleaseStepTests()
    {
        _repo.Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.2.0\"\n").Commit("feat: demo");
        _repo.Write("dist/demo-1.2.0.tar.gz", "sdist bytes").Write("dist/demo-1.2.0-py3-none-any.whl", "wheel bytes");
        _git = LibGit2Repository.Open(_repo.Root);
    }

    private ReleaseState State(bool draft = false)
    {
        var state = new ReleaseState(new ReleaseRequest { Path = _repo.Root, Draft = draft }, ConfigLoader.Load(_repo.Root), _git)
        {
            GitHubRepository = "o/r",
            Commit = _repo.Head,
            Notes = new ReleaseNotes("## Features\n- a thing\n", "v1.1.0", 1),
        };
        state.UseTag("v1.2.0");
        state.Version = VersionText.ParseSemVer("1.2.0");
        foreach (var f in Directory.GetFiles(_repo.PathOf("dist")).OrderBy(f => f))
        {
            var bytes = File.ReadAllBytes(f);
            state.Assets.Add(new ReleaseAsset(Path.GetFileName(f), f, bytes.Length, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant()));
        }
        return state;
    }

    private Task<IReadOnlyList<StepResult>> Run(ReleaseState state, bool whatIf = false) =>
        ReleaseRunner.RunAsync(new ReleaseStep[] { new GitHubReleaseStep(_github, null) }, state, X0Context.None, whatIf, (_, _) => Task.FromResult(true));

    [Fact]
    public async Task Creates_a_draft_uploads_verifies_and_publishes_once()
    {
        var results = await Run(State());
        Assert.Equal(StepStatus.Done, results[0].Status);
        var release = Assert.Single(_github.Releases);
        Assert.False(release.Draft);
        Assert.Equal(new[] { "demo-1.2.0-py3-none-any.whl", "demo-1.2.0.tar.gz" }, release.Assets.Select(a => a.Name).OrderBy(n => n));
        Assert.Equal(1 + 2 + 1, _github.Mutations); // create, two uploads, publish
    }

    [Fact]
    public async Task A_rerun_after_success_is_already_done_without_any_mutation()
    {
        await Run(State());
        var before = _github.Mutations;
        var results = await Run(State());
        Assert.Equal(StepStatus.AlreadyDone, results[0].Status);
        Assert.Equal(before, _github.Mutations);
    }

    [Fact]
    public async Task WhatIf_reads_the_release_and_plans_without_mutating()
    {
        var results = await Run(State(), whatIf: true);
        Assert.Equal(StepStatus.Planned, results[0].Status);
        Assert.Contains("create", results[0].Detail);
        Assert.Equal(0, _github.Mutations);
    }

    [Fact]
    public async Task A_create_answered_502_that_created_the_release_is_found_not_duplicated()
    {
        _github.FailCreateAfterCreating = true;
        var results = await Run(State());
        Assert.Equal(StepStatus.Done, results[0].Status);
        Assert.Single(_github.Releases);
    }

    [Fact]
    public async Task A_broken_upload_is_deleted_and_uploaded_again()
    {
        _github.BreakUploadOf = "demo-1.2.0.tar.gz";
        var results = await Run(State());
        Assert.Equal(StepStatus.Done, results[0].Status);
        var asset = _github.Releases.Single().Assets.Single(a => a.Name == "demo-1.2.0.tar.gz");
        Assert.Equal("uploaded", asset.State);
        Assert.Equal(new FileInfo(_repo.PathOf("dist/demo-1.2.0.tar.gz")).Length, asset.Size);
    }

    [Fact]
    public async Task A_broken_asset_left_by_an_earlier_run_is_replaced_on_resume()
    {
        // First run dies mid-upload (the fault outlives the retries) ...
        _github.BreakUploadOf = "demo-1.2.0.tar.gz";
        var gateway = new FailingAfterBreak(_github);
        var first = await ReleaseRunner.RunAsync(new ReleaseStep[] { new GitHubReleaseStep(gateway, null) }, State(), X0Context.None, false, (_, _) => Task.FromResult(true));
        Assert.Equal(StepStatus.Failed, first[0].Status);
        Assert.True(_github.Releases.Single().Draft);

        // ... the resume replaces the starter asset and publishes.
        var second = await Run(State());
        Assert.Equal(StepStatus.Done, second[0].Status);
        Assert.All(_github.Releases.Single().Assets, a => Assert.Equal("uploaded", a.State));
        Assert.False(_github.Releases.Single().Draft);
    }

    [Fact]
    public async Task Different_bytes_under_a_published_name_are_an_error_and_nothing_is_overwritten()
    {
        await Run(State());
        _github.Tamper("demo-1.2.0.tar.gz", "other bytes!"u8.ToArray());
        var before = _github.Mutations;
        var results = await Run(State());
        Assert.Equal(StepStatus.Failed, results[0].Status);
        Assert.Equal(ErrorIds.AssetDiffers, results[0].Error!.ErrorId);
        Assert.Equal(before, _github.Mutations);
    }

    [Fact]
    public async Task Two_runs_at_once_leave_exactly_one_release_and_the_later_one_waits_and_reports_already_done()
    {
        // The other run's draft lands first, with its live lease; it publishes while this run waits.
        var state = State();
        _github.RaceOnCreate = true;
        _github.RaceBody = "notes\n\n" + new GitHubReleaseStep.Lease("0123456789ab", DateTimeOffset.UtcNow.AddMinutes(5)).Format();
        var waits = 0;
        _github.OnFind = g =>
        {
            var other = g.Releases.FirstOrDefault(r => r.Body.Contains("0123456789ab") && r.Draft);
            if (other is not null && ++waits == 3)
            {
                g.CompleteOther(other.Id, state.Assets.Select(a => (a.Name, File.ReadAllBytes(a.Path))));
            }
        };
        var step = new GitHubReleaseStep(_github, null) { PollInterval = TimeSpan.FromMilliseconds(10) };
        var results = await ReleaseRunner.RunAsync(new ReleaseStep[] { step }, state, X0Context.None, false, (_, _) => Task.FromResult(true));

        Assert.Equal(StepStatus.AlreadyDone, results[0].Status);
        Assert.Contains("another run", results[0].Detail);
        var release = Assert.Single(_github.Releases);
        Assert.Equal("other run", release.Body); // the older release won; ours was removed
        Assert.False(release.Draft);
        Assert.Equal(2, _github.Mutations); // our create and the delete of our duplicate; nothing on the winner
    }

    [Fact]
    public async Task A_lease_held_longer_than_MaxWait_is_an_error_naming_the_other_run()
    {
        var lease = new GitHubReleaseStep.Lease("0123456789ab", DateTimeOffset.UtcNow.AddMinutes(5));
        await _github.CreateDraftAsync("o/r", "v1.2.0", "v1.2.0", "notes\n\n" + lease.Format(), false, CancellationToken.None);
        var state = new ReleaseState(new ReleaseRequest { Path = _repo.Root, MaxWait = TimeSpan.FromMilliseconds(50) }, ConfigLoader.Load(_repo.Root), _git)
        {
            GitHubRepository = "o/r", Commit = _repo.Head, Notes = new ReleaseNotes("## Features\n- a thing\n", "v1.1.0", 1),
        };
        state.UseTag("v1.2.0");
        state.Version = VersionText.ParseSemVer("1.2.0");
        var step = new GitHubReleaseStep(_github, null) { PollInterval = TimeSpan.FromMilliseconds(10) };
        var results = await ReleaseRunner.RunAsync(new ReleaseStep[] { step }, state, X0Context.None, false, (_, _) => Task.FromResult(true));
        Assert.Equal(StepStatus.Failed, results[0].Status);
        Assert.Equal(ErrorIds.ReleaseInProgress, results[0].Error!.ErrorId);
        Assert.Contains("0123456789ab", results[0].Detail);
        Assert.Equal(1, _github.Mutations);
    }

    [Fact]
    public async Task An_expired_lease_of_an_interrupted_run_is_taken_over_and_the_release_published_with_plain_notes()
    {
        var lease = new GitHubReleaseStep.Lease("0123456789ab", DateTimeOffset.UtcNow.AddMinutes(-1));
        await _github.CreateDraftAsync("o/r", "v1.2.0", "v1.2.0", "old\n\n" + lease.Format(), false, CancellationToken.None);
        var results = await Run(State());
        Assert.Equal(StepStatus.Done, results[0].Status);
        var release = Assert.Single(_github.Releases);
        Assert.False(release.Draft);
        Assert.Equal("## Features\n- a thing\n", release.Body);
        Assert.DoesNotContain("x0tta6bl4:publishing", release.Body);
    }

    [Fact]
    public async Task A_published_immutable_release_missing_an_asset_is_an_error_without_any_change()
    {
        var created = await _github.CreateDraftAsync("o/r", "v1.2.0", "v1.2.0", "notes", false, CancellationToken.None);
        await _github.UpdateReleaseAsync("o/r", created.Id, new GitHubReleaseUpdate(Draft: false), CancellationToken.None);
        _github.Releases.Single().Immutable = true;
        var before = _github.Mutations;
        var results = await Run(State());
        Assert.Equal(StepStatus.Failed, results[0].Status);
        Assert.Equal(ErrorIds.ReleaseImmutable, results[0].Error!.ErrorId);
        Assert.Equal(before, _github.Mutations);
    }

    [Fact]
    public async Task The_lease_is_in_the_draft_body_while_working_and_gone_after_publishing()
    {
        string? draftBody = null;
        _github.OnFind = g => draftBody ??= g.Releases.FirstOrDefault(r => r.Draft)?.Body;
        await Run(State());
        Assert.NotNull(draftBody);
        Assert.Matches(@"<!-- x0tta6bl4:publishing run=[0-9a-f]{12} until=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z -->", draftBody);
        Assert.DoesNotContain("x0tta6bl4:publishing", _github.Releases.Single().Body);
    }

    [Fact]
    public async Task Draft_stays_a_draft_and_reruns_as_already_done()
    {
        await Run(State(draft: true));
        Assert.True(_github.Releases.Single().Draft);
        var again = await Run(State(draft: true));
        Assert.Equal(StepStatus.AlreadyDone, again[0].Status);
    }

    [Fact]
    public async Task Without_a_gateway_the_step_is_skipped_with_the_reason()
    {
        var results = await ReleaseRunner.RunAsync(new ReleaseStep[] { new GitHubReleaseStep(null, "no token") }, State(), X0Context.None, false, (_, _) => Task.FromResult(true));
        Assert.Equal(StepStatus.Skipped, results[0].Status);
        Assert.Equal("no token", results[0].Detail);
    }

    /// <summary>Makes every upload of the broken asset fail, as when the network stays down.</summary>
    private sealed class FailingAfterBreak(InMemoryGitHub inner) : IGitHubReleaseGateway
    {
        public Task<GitHubPermissions> GetPermissionsAsync(string r, CancellationToken c) => inner.GetPermissionsAsync(r, c);
        public Task<IReadOnlyList<GitHubReleaseInfo>> FindReleasesAsync(string r, string t, CancellationToken c) => inner.FindReleasesAsync(r, t, c);
        public Task<GitHubReleaseInfo> CreateDraftAsync(string r, string t, string n, string b, bool p, CancellationToken c) => inner.CreateDraftAsync(r, t, n, b, p, c);
        public Task<GitHubAssetInfo> UploadAssetAsync(string r, GitHubReleaseInfo rel, ReleaseAsset a, IProgress<long>? p, CancellationToken c)
        {
            if (a.Name == "demo-1.2.0.tar.gz") inner.BreakUploadOf = a.Name;
            return inner.UploadAssetAsync(r, rel, a, p, c);
        }
        public Task DeleteAssetAsync(string r, long id, CancellationToken c) => inner.DeleteAssetAsync(r, id, c);
        public Task<string> GetAssetSha256Async(string r, GitHubAssetInfo a, CancellationToken c) => inner.GetAssetSha256Async(r, a, c);
        public Task<GitHubReleaseInfo> UpdateReleaseAsync(string r, long id, GitHubReleaseUpdate u, CancellationToken c) => inner.UpdateReleaseAsync(r, id, u, c);
        public Task DeleteReleaseAsync(string r, long id, CancellationToken c) => inner.DeleteReleaseAsync(r, id, c);
    }

    public void Dispose()
    {
        _git.Dispose();
        _repo.Dispose();
    }
}
