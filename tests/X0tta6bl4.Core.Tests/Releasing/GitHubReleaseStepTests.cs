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
    public async Task Two_runs_at_once_leave_exactly_one_release()
    {
        _github.RaceOnCreate = true;
        var results = await Run(State());
        Assert.Equal(StepStatus.Done, results[0].Status);
        var release = Assert.Single(_github.Releases);
        Assert.Equal("other run", release.Body); // the older release won; ours was removed
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
        public Task<GitHubReleaseInfo> PublishAsync(string r, long id, CancellationToken c) => inner.PublishAsync(r, id, c);
        public Task DeleteReleaseAsync(string r, long id, CancellationToken c) => inner.DeleteReleaseAsync(r, id, c);
    }

    public void Dispose()
    {
        _git.Dispose();
        _repo.Dispose();
    }
}
