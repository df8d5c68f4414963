using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Releasing;

/// <summary>
/// Releases over real HTTP: the gateway and the release step against the GitHub stand-in, behind prism
/// checking every exchange against GitHub's published description. Ground truth comes from the
/// stand-in's control surface, never from the code under test.
/// </summary>
[Collection(GitHubStandInCollection.Name)]
public sealed class StandInReleaseTests : IDisposable
{
    private const string Token = "ghp_xunit_release_token_0123456789";
    private const string Repo = "octo/release";
    private readonly GitHubStandInFixture _standIn;
    private readonly GitRepoFixture _repo = new("standin-release");
    private readonly LibGit2Repository _git;
    private readonly CapturingLog _log = new();

    public StandInReleaseTests(GitHubStandInFixture standIn)
    {
        _standIn = standIn;
        _repo.Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.2.0\"\n").Commit("feat: demo");
        // Every byte value, so a transfer that treats the body as text cannot pass.
        var binary = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(RandomNumberGenerator.GetBytes(70_000)).ToArray();
        _repo.WriteBytes("dist/demo-1.2.0-py3-none-any.whl", binary).Write("dist/demo-1.2.0.tar.gz", "sdist bytes\n");
        _git = LibGit2Repository.Open(_repo.Root);
    }

    private async Task Arrange(string contents = "write", bool immutable = false)
    {
        _standIn.RequireAvailable();
        await _standIn.Control(HttpMethod.Post, "/reset");
        await _standIn.Control(HttpMethod.Post, "/tokens", new { token = Token, permissions = new Dictionary<string, string> { ["contents"] = contents } });
        await _standIn.Control(HttpMethod.Post, "/repos", new { owner = "octo", name = "release", immutableReleases = immutable });
    }

    private HttpReleaseGateway Gateway(TimeSpan? timeout = null) => new(new GitHubOptions
    {
        ApiUrl = new Uri(_standIn.ApiUrl.TrimEnd('/') + "/"),
        Token = SecretRedactor.Register(Token),
        RetryDelay = TimeSpan.FromMilliseconds(20),
        SecondaryLimitDelay = TimeSpan.FromMilliseconds(50),
        MaxWait = TimeSpan.FromSeconds(20),
        Timeout = timeout ?? TimeSpan.FromSeconds(100),
    }, new X0Context(_log));

    private ReleaseState State(bool draft = false, string version = "1.2.0")
    {
        var state = new ReleaseState(new ReleaseRequest { Path = _repo.Root, Draft = draft, MaxWait = TimeSpan.FromSeconds(20) }, ConfigLoader.Load(_repo.Root), _git)
        {
            GitHubRepository = Repo,
            Commit = _repo.Head,
            Notes = new ReleaseNotes("## Features\n- a thing\n", "v1.1.0", 1),
        };
        state.UseTag("v" + version);
        state.Version = VersionText.ParseSemVer(version);
        foreach (var f in Directory.GetFiles(_repo.PathOf("dist")).OrderBy(f => f, StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(f);
            state.Assets.Add(new ReleaseAsset(Path.GetFileName(f), f, bytes.Length, Sha256(bytes)));
        }
        return state;
    }

    private async Task<IReadOnlyList<StepResult>> Run(ReleaseState state, IGitHubReleaseGateway gateway, bool whatIf = false) =>
        await ReleaseRunner.RunAsync(new ReleaseStep[] { new GitHubReleaseStep(gateway, null) { PollInterval = TimeSpan.FromMilliseconds(100) } },
            state, new X0Context(_log), whatIf, (_, _) => Task.FromResult(true));

    private async Task<List<JsonElement>> Truth() => (await _standIn.Control(HttpMethod.Get, $"/repos/{Repo}/releases")).EnumerateArray().ToList();

    private async Task<int> Mutations() => (await _standIn.Control(HttpMethod.Get, "/stats")).GetProperty("mutations").GetInt32();

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private void AssertAssetsMatch(JsonElement release, ReleaseState state)
    {
        var assets = release.GetProperty("assets").EnumerateArray().ToList();
        Assert.Equal(state.Assets.Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal), assets.Select(a => a.GetProperty("name").GetString()).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var a in state.Assets)
        {
            var remote = assets.Single(x => x.GetProperty("name").GetString() == a.Name);
            Assert.Equal("uploaded", remote.GetProperty("state").GetString());
            Assert.Equal(a.Size, remote.GetProperty("size").GetInt64());
            Assert.Equal(a.Sha256, remote.GetProperty("sha256").GetString());
        }
    }

    [Fact]
    public async Task The_gateway_round_trips_releases_and_binary_assets_through_the_contract_check()
    {
        await Arrange();
        using var gateway = Gateway();
        var ct = TestContext.Current.CancellationToken;

        var permissions = await gateway.GetPermissionsAsync(Repo, ct);
        Assert.True(permissions.CanWriteContents, permissions.Evidence);

        var draft = await gateway.CreateDraftAsync(Repo, "v1.2.0", "v1.2.0", "notes", prerelease: true, ct);
        Assert.True(draft.Draft);
        Assert.True(draft.Prerelease);
        Assert.StartsWith(_standIn.ApiUrl, draft.UploadUrl);

        var state = State();
        var wheel = state.Assets.Single(a => a.Name.EndsWith(".whl", StringComparison.Ordinal));
        long reported = 0;
        var uploaded = await gateway.UploadAssetAsync(Repo, draft, wheel, new SyncProgress(v => reported = v), ct);
        Assert.Equal(wheel.Size, reported);
        Assert.Equal("uploaded", uploaded.State);
        Assert.Equal(wheel.Size, uploaded.Size);
        Assert.Equal("sha256:" + wheel.Sha256, uploaded.Digest);

        // Drafts are found by listing (get-by-tag cannot see them).
        var found = Assert.Single(await gateway.FindReleasesAsync(Repo, "v1.2.0", ct));
        Assert.Equal(draft.Id, found.Id);
        Assert.Equal(wheel.Name, Assert.Single(found.Assets).Name);

        // The digest of the stored bytes by download: the 302 to storage is followed without the token.
        Assert.Equal(wheel.Sha256, await gateway.GetAssetSha256Async(Repo, uploaded with { Digest = null }, ct));
        var blobs = await _standIn.Control(HttpMethod.Get, "/blobs-stats");
        Assert.Equal(1, blobs.GetProperty("requests").GetInt32());
        Assert.Equal(0, blobs.GetProperty("withAuthorization").GetInt32());

        // A second upload of the name: 422 already_exists, reported as ResourceExists.
        var duplicate = await Assert.ThrowsAsync<X0Exception>(() => gateway.UploadAssetAsync(Repo, draft, wheel, null, ct));
        Assert.Equal(X0ErrorCategory.ResourceExists, duplicate.Category);

        var published = await gateway.UpdateReleaseAsync(Repo, draft.Id, new GitHubReleaseUpdate(Body: "final", Draft: false, Prerelease: false), ct);
        Assert.False(published.Draft);
        Assert.False(published.Prerelease);
        Assert.Equal("final", published.Body);
        Assert.EndsWith("/releases/tag/v1.2.0", published.HtmlUrl);

        // A second release for a published tag: 422 already_exists.
        var again = await Assert.ThrowsAsync<X0Exception>(() => gateway.CreateDraftAsync(Repo, "v1.2.0", "v1.2.0", "x", false, ct));
        Assert.Equal(X0ErrorCategory.ResourceExists, again.Category);

        await gateway.DeleteAssetAsync(Repo, uploaded.Id, ct);
        await gateway.DeleteAssetAsync(Repo, uploaded.Id, ct); // already gone: not an error
        await gateway.DeleteReleaseAsync(Repo, draft.Id, ct);
        Assert.Empty(await Truth());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task The_other_release_routes_answer_in_GitHubs_shapes_and_keep_drafts_and_immutable_assets_as_GitHub_does()
    {
        await Arrange(immutable: true);
        using var http = new HttpClient { BaseAddress = new Uri(_standIn.ApiUrl.TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Add("Authorization", "Bearer " + Token);
        http.DefaultRequestHeaders.Add("Accept", "application/vnd.github+json");
        http.DefaultRequestHeaders.Add("User-Agent", "x0tta6bl4-tests");
        var ct = TestContext.Current.CancellationToken;
        async Task<(int Status, JsonElement Body)> Send(HttpMethod method, string path, object? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }

        var draft = (await _standIn.Control(HttpMethod.Post, $"/repos/{Repo}/releases", new { tag = "v1.0.0", draft = true, assets = new[] { new { name = "a.txt", text = "a" } } })).GetProperty("id").GetInt64();
        Assert.Equal(404, (await Send(HttpMethod.Get, $"repos/{Repo}/releases/tags/v1.0.0")).Status); // drafts are invisible there
        Assert.Equal(404, (await Send(HttpMethod.Get, $"repos/{Repo}/releases/latest")).Status);
        var got = await Send(HttpMethod.Get, $"repos/{Repo}/releases/{draft}");
        Assert.Equal(200, got.Status);
        Assert.True(got.Body.GetProperty("draft").GetBoolean());
        var assets = await Send(HttpMethod.Get, $"repos/{Repo}/releases/{draft}/assets");
        var assetId = assets.Body[0].GetProperty("id").GetInt64();
        var renamed = await Send(HttpMethod.Patch, $"repos/{Repo}/releases/assets/{assetId}", new { name = "b.txt", label = "the b file" });
        Assert.Equal("b.txt", renamed.Body.GetProperty("name").GetString());
        Assert.Equal("the b file", renamed.Body.GetProperty("label").GetString());

        var published = await Send(HttpMethod.Patch, $"repos/{Repo}/releases/{draft}", new { draft = false });
        Assert.True(published.Body.GetProperty("immutable").GetBoolean());
        Assert.Equal(200, (await Send(HttpMethod.Get, $"repos/{Repo}/releases/tags/v1.0.0")).Status);
        Assert.Equal(draft, (await Send(HttpMethod.Get, $"repos/{Repo}/releases/latest")).Body.GetProperty("id").GetInt64());
        Assert.Equal(422, (await Send(HttpMethod.Delete, $"repos/{Repo}/releases/assets/{assetId}")).Status);
        Assert.Equal(422, (await Send(HttpMethod.Patch, $"repos/{Repo}/releases/assets/{assetId}", new { name = "c.txt" })).Status);
        Assert.Equal(422, (await Send(HttpMethod.Patch, $"repos/{Repo}/releases/{draft}", new { draft = true })).Status);
        var notes = await Send(HttpMethod.Patch, $"repos/{Repo}/releases/{draft}", new { body = "notes may still change" });
        Assert.Equal("notes may still change", notes.Body.GetProperty("body").GetString());
        Assert.Equal(204, (await Send(HttpMethod.Delete, $"repos/{Repo}/releases/{draft}")).Status);
        Assert.Empty(await Truth());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task A_read_only_token_is_reported_by_the_permission_check_and_a_write_says_contents_write()
    {
        await Arrange(contents: "read");
        using var gateway = Gateway();
        var ct = TestContext.Current.CancellationToken;
        var permissions = await gateway.GetPermissionsAsync(Repo, ct);
        Assert.False(permissions.CanWriteContents);
        Assert.Contains("push", permissions.Evidence);
        var denied = await Assert.ThrowsAsync<X0Exception>(() => gateway.CreateDraftAsync(Repo, "v1.2.0", "v1.2.0", "x", false, ct));
        Assert.Equal(ErrorIds.GitHubPermissionDenied, denied.ErrorId);
        Assert.Contains("contents: write", denied.Message);
        Assert.DoesNotContain(Token, denied.ToString());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task The_step_publishes_once_and_a_rerun_is_already_done_without_a_mutating_call()
    {
        await Arrange();
        using var gateway = Gateway();
        var state = State();
        var first = await Run(state, gateway);
        Assert.Equal(StepStatus.Done, first[0].Status);
        var release = Assert.Single(await Truth());
        Assert.False(release.GetProperty("draft").GetBoolean());
        Assert.Equal("## Features\n- a thing\n", release.GetProperty("body").GetString());
        AssertAssetsMatch(release, state);
        Assert.All(state.Assets, a => Assert.StartsWith("https://github.com/octo/release/releases/download/v1.2.0/", a.Url));
        Assert.True(state.Published);

        await _standIn.Control(HttpMethod.Post, "/stats/reset");
        var second = State();
        var rerun = await Run(second, gateway);
        Assert.Equal(StepStatus.AlreadyDone, rerun[0].Status);
        Assert.Equal(0, await Mutations());
        Assert.True(second.Published);
        Assert.EndsWith("/releases/tag/v1.2.0", second.ReleaseUrl);
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task WhatIf_reads_the_release_and_plans_without_a_mutating_call()
    {
        await Arrange();
        using var gateway = Gateway();
        var results = await Run(State(), gateway, whatIf: true);
        Assert.Equal(StepStatus.Planned, results[0].Status);
        Assert.Contains("create a draft v1.2.0", results[0].Detail);
        var stats = await _standIn.Control(HttpMethod.Get, "/stats");
        Assert.Equal(0, stats.GetProperty("mutations").GetInt32());
        Assert.True(stats.GetProperty("requests").GetInt32() > 0, "the plan reads the releases");
        Assert.Empty(await Truth());
    }

    [Fact]
    public async Task A_create_answered_502_that_created_the_release_is_found_by_listing_and_not_duplicated()
    {
        await Arrange();
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "POST", path = "/releases$", status = 502, apply = true, body = new { message = "Server Error" } });
        using var gateway = Gateway();
        var state = State();
        var results = await Run(state, gateway);
        Assert.Equal(StepStatus.Done, results[0].Status);
        var release = Assert.Single(await Truth());
        Assert.False(release.GetProperty("draft").GetBoolean());
        AssertAssetsMatch(release, state);
        Assert.Contains(_log.Warnings, w => w.Contains("502", StringComparison.Ordinal));
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task An_upload_cut_off_is_deleted_and_uploaded_again()
    {
        await Arrange();
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "POST", path = @"\.whl$", status = 502, cutAfterBytes = 30_000, body = new { message = "Server Error" } });
        using var gateway = Gateway();
        var state = State();
        var results = await Run(state, gateway);
        Assert.Equal(StepStatus.Done, results[0].Status);
        var release = Assert.Single(await Truth());
        AssertAssetsMatch(release, state);
        var stats = await _standIn.Control(HttpMethod.Get, "/stats");
        Assert.Equal(1, stats.GetProperty("byRoute").GetProperty("DELETE /repos/octo/release/releases/assets/:id").GetInt32());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task An_upload_that_goes_silent_is_abandoned_after_the_bound_and_uploaded_again()
    {
        await Arrange();
        // The first wheel upload gets no answer for longer than the gateway's bound on silence.
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "POST", path = @"\.whl$", delayMs = 5_000 });
        using var gateway = Gateway(timeout: TimeSpan.FromSeconds(1));
        var state = State();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var results = await Run(state, gateway);

        Assert.Equal(StepStatus.Done, results[0].Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4.5), $"the stalled upload was waited out: {watch.Elapsed}");
        AssertAssetsMatch(Assert.Single(await Truth()), state);
        Assert.Contains(_log.Warnings, w => w.Contains("nothing for 1 s after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rate_limit_wait_longer_than_the_bound_on_one_answer_is_not_a_timeout()
    {
        await Arrange();
        // One secondary-limit answer with Retry-After 2 s, while a single answer may take at most 1 s.
        await _standIn.Control(HttpMethod.Post, "/faults", new
        {
            method = "POST", path = "/releases$", status = 403, headers = new Dictionary<string, string> { ["retry-after"] = "2" },
            body = new { message = "You have exceeded a secondary rate limit." },
        });
        using var gateway = Gateway(timeout: TimeSpan.FromSeconds(1));
        var state = State();

        var results = await Run(state, gateway);

        Assert.Equal(StepStatus.Done, results[0].Status);
        AssertAssetsMatch(Assert.Single(await Truth()), state);
        Assert.Contains(_log.Warnings, w => w.Contains("rate limit reached", StringComparison.Ordinal));
        // The wait is not mistaken for a lost answer (which would make the step re-read and create again).
        Assert.DoesNotContain(_log.Warnings, w => w.Contains("Creating the release answered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_broken_asset_left_by_an_earlier_run_is_replaced_and_a_same_digest_asset_is_kept()
    {
        await Arrange();
        var state = State();
        var sdist = state.Assets.Single(a => a.Name.EndsWith(".tar.gz", StringComparison.Ordinal));
        var wheel = state.Assets.Single(a => a.Name.EndsWith(".whl", StringComparison.Ordinal));
        await _standIn.Control(HttpMethod.Post, $"/repos/{Repo}/releases", new
        {
            tag = "v1.2.0", draft = true, body = "earlier run",
            assets = new object[]
            {
                new { name = sdist.Name, text = "sdist bytes\n" },                                          // same digest: kept
                new { name = wheel.Name, base64 = Convert.ToBase64String(new byte[1000]), state = "open" }, // cut off: replaced
            },
        });
        var keptId = (await Truth())[0].GetProperty("assets")[0].GetProperty("id").GetInt64();
        using var gateway = Gateway();
        var results = await Run(state, gateway);
        Assert.Equal(StepStatus.Done, results[0].Status);
        var release = Assert.Single(await Truth());
        AssertAssetsMatch(release, state);
        Assert.Contains(release.GetProperty("assets").EnumerateArray(), a => a.GetProperty("id").GetInt64() == keptId);
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task Different_bytes_under_a_published_asset_name_are_an_error_and_nothing_is_changed()
    {
        await Arrange();
        var state = State();
        await _standIn.Control(HttpMethod.Post, $"/repos/{Repo}/releases", new
        {
            tag = "v1.2.0", draft = false, body = "published",
            assets = state.Assets.Select(a => a.Name.EndsWith(".tar.gz", StringComparison.Ordinal)
                ? (object)new { name = a.Name, text = "other bytes\n" }
                : new { name = a.Name, base64 = Convert.ToBase64String(File.ReadAllBytes(a.Path)) }).ToArray(),
        });
        await _standIn.Control(HttpMethod.Post, "/stats/reset");
        using var gateway = Gateway();
        var results = await Run(state, gateway);
        Assert.Equal(StepStatus.Failed, results[0].Status);
        Assert.Equal(ErrorIds.AssetDiffers, results[0].Error!.ErrorId);
        Assert.Contains("asset differs", results[0].Detail);
        Assert.Equal(0, await Mutations());
        Assert.Equal(Sha256(Encoding.UTF8.GetBytes("other bytes\n")),
            (await Truth())[0].GetProperty("assets").EnumerateArray().Single(a => a.GetProperty("name").GetString()!.EndsWith(".tar.gz", StringComparison.Ordinal)).GetProperty("sha256").GetString());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task An_immutable_release_is_completed_as_a_draft_then_published_once_and_reruns_change_nothing()
    {
        await Arrange(immutable: true);
        using var gateway = Gateway();
        var state = State(version: "1.3.0-rc.1");
        var results = await Run(state, gateway);
        Assert.Equal(StepStatus.Done, results[0].Status);
        var release = Assert.Single(await Truth());
        Assert.True(release.GetProperty("immutable").GetBoolean());
        Assert.True(release.GetProperty("prerelease").GetBoolean());
        AssertAssetsMatch(release, state);
        var stats = await _standIn.Control(HttpMethod.Get, "/stats");
        Assert.Equal(1, stats.GetProperty("byRoute").GetProperty("PATCH /repos/octo/release/releases/:id").GetInt32());

        await _standIn.Control(HttpMethod.Post, "/stats/reset");
        var rerun = await Run(State(version: "1.3.0-rc.1"), gateway);
        Assert.Equal(StepStatus.AlreadyDone, rerun[0].Status);
        Assert.Contains("immutable", rerun[0].Detail);
        Assert.Equal(0, await Mutations());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task A_publish_answered_502_is_read_back_and_never_repeated_once_it_took_effect()
    {
        await Arrange(immutable: true);
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "PATCH", path = "/releases/[0-9]+$", status = 502, apply = true, after = 0, times = 1, body = new { message = "Server Error" } });
        using var gateway = Gateway();
        var state = State();
        // The first PATCH is the publish (the draft needs no lease renewal in so short a run).
        var results = await Run(state, gateway);
        Assert.Equal(StepStatus.Done, results[0].Status);
        var release = Assert.Single(await Truth());
        Assert.False(release.GetProperty("draft").GetBoolean());
        var stats = await _standIn.Control(HttpMethod.Get, "/stats");
        Assert.Equal(1, stats.GetProperty("byRoute").GetProperty("PATCH /repos/octo/release/releases/:id").GetInt32());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task Server_errors_on_reads_are_retried_and_a_secondary_limit_backs_off()
    {
        await Arrange();
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "GET", path = "/releases\\?", status = 503, times = 2, body = new { message = "Service Unavailable" } });
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "POST", path = "/releases$", status = 403, times = 1, body = new { message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." } });
        using var gateway = Gateway();
        var state = State();
        var results = await Run(state, gateway);
        Assert.Equal(StepStatus.Done, results[0].Status);
        AssertAssetsMatch(Assert.Single(await Truth()), state);
        Assert.Contains(_log.Warnings, w => w.Contains("secondary rate limit", StringComparison.Ordinal));
        Assert.Equal(3, (await _standIn.Control(HttpMethod.Get, "/stats")).GetProperty("faulted").GetInt32());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task Two_steps_racing_for_the_same_release_leave_one_release_and_the_other_reports_already_done()
    {
        await Arrange();
        using var gatewayA = Gateway();
        using var gatewayB = Gateway();
        var stateA = State();
        var stateB = State();
        var results = await Task.WhenAll(Run(stateA, gatewayA), Run(stateB, gatewayB));
        var statuses = results.Select(r => r[0].Status).OrderBy(s => s).ToList();
        Assert.Equal(new[] { StepStatus.Done, StepStatus.AlreadyDone }, statuses);
        var release = Assert.Single(await Truth());
        Assert.False(release.GetProperty("draft").GetBoolean());
        AssertAssetsMatch(release, stateA);
        Assert.DoesNotContain("x0tta6bl4:publishing", release.GetProperty("body").GetString());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task A_renewed_lease_keeps_a_second_run_waiting_through_uploads_longer_than_the_lease()
    {
        await Arrange();
        // Each upload outlasts the whole lease: only renewals keep the second run from taking the draft over.
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "POST", path = "/assets\\?", delayMs = 700, times = -1 });
        using var gatewayA = Gateway();
        using var gatewayB = Gateway();
        var stateA = State();
        var stateB = State();
        StepResult Single(IReadOnlyList<StepResult> r) => Assert.Single(r);
        var first = new GitHubReleaseStep(gatewayA, null) { LeaseDuration = TimeSpan.FromMilliseconds(500), PollInterval = TimeSpan.FromMilliseconds(50) };
        var runA = ReleaseRunner.RunAsync(new ReleaseStep[] { first }, stateA, new X0Context(_log), false, (_, _) => Task.FromResult(true));
        // The second run starts once the first one's draft (with its lease) exists.
        for (var i = 0; i < 200 && (await Truth()).Count == 0; i++) await Task.Delay(20, TestContext.Current.CancellationToken);
        var second = new GitHubReleaseStep(gatewayB, null) { LeaseDuration = TimeSpan.FromMilliseconds(500), PollInterval = TimeSpan.FromMilliseconds(50) };
        var runB = ReleaseRunner.RunAsync(new ReleaseStep[] { second }, stateB, new X0Context(_log), false, (_, _) => Task.FromResult(true));

        var a = Single(await runA);
        var b = Single(await runB);
        Assert.Equal(StepStatus.Done, a.Status);
        Assert.Equal(StepStatus.AlreadyDone, b.Status);
        Assert.Contains("another run", b.Detail);
        var release = Assert.Single(await Truth());
        AssertAssetsMatch(release, stateA);
        Assert.DoesNotContain("x0tta6bl4:publishing", release.GetProperty("body").GetString());
        var patches = (await _standIn.Control(HttpMethod.Get, "/stats")).GetProperty("byRoute").GetProperty("PATCH /repos/octo/release/releases/:id").GetInt32();
        Assert.True(patches >= 3, $"renewals and the publish: {patches} PATCH(es)");
        Assert.DoesNotContain(_log.Warnings, w => w.Contains("taking the draft over", StringComparison.Ordinal));
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task PublishRelease_over_HTTP_resumes_after_a_failed_upload_and_then_changes_nothing()
    {
        await Arrange();
        _repo.Write("CHANGELOG.md", "# Changelog\n\n## [1.2.0] - 2026-01-01\n\n- a thing\n").Write(".gitignore", "dist/\nout/\n").Commit("feat: a thing");
        _repo.Tag("v1.2.0");
        _repo.AddBareRemote();
        _repo.Git("push", "-q", "origin", "HEAD:refs/heads/main", "--tags");
        // Every upload fails for the first run (longer than its retries); the second run resumes.
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "POST", path = "/assets\\?", status = 502, times = 3, body = new { message = "Server Error" } });
        var request = new ReleaseRequest
        {
            Path = _repo.Root, SkipTests = true, Token = Token, ApiUrl = _standIn.ApiUrl, Repository = Repo, MaxWait = TimeSpan.FromSeconds(20),
        };
        var operation = new PublishRelease(new ReleaseCollaborators
        {
            Notes = new FixedNotes(),
            Gates = new NoGates(),
            GitHub = (api, token) => new HttpReleaseGateway(new GitHubOptions { ApiUrl = api, Token = token, RetryDelay = TimeSpan.FromMilliseconds(20) }, new X0Context(_log)),
        });
        var first = await operation.RunAsync(request, new X0Context(_log), whatIf: false, (_, _) => Task.FromResult(true));
        Assert.False(first.Succeeded);
        Assert.Equal("GitHub Release", first.FirstFailure!.Name);
        Assert.True(Assert.Single(await Truth()).GetProperty("draft").GetBoolean());
        Assert.DoesNotContain("x0tta6bl4:publishing", Assert.Single(await Truth()).GetProperty("body").GetString()); // the failed run let its lease go

        var second = await operation.RunAsync(request, new X0Context(_log), whatIf: false, (_, _) => Task.FromResult(true));
        Assert.True(second.Succeeded, second.FirstFailure?.Detail);
        Assert.Equal(StepStatus.Done, second.Steps.Single(s => s.Name == "GitHub Release").Status);
        Assert.False(second.Draft);
        Assert.EndsWith("/releases/tag/v1.2.0", second.Url);
        var release = Assert.Single(await Truth());
        Assert.Equal(new[] { "SHA256SUMS", "demo-1.2.0-py3-none-any.whl", "demo-1.2.0.tar.gz" },
            release.GetProperty("assets").EnumerateArray().Select(a => a.GetProperty("name").GetString()).OrderBy(n => n, StringComparer.Ordinal));

        await _standIn.Control(HttpMethod.Post, "/stats/reset");
        var third = await operation.RunAsync(request, new X0Context(_log), whatIf: false, (_, _) => Task.FromResult(true));
        Assert.All(third.Steps, s => Assert.True(s.Status is StepStatus.AlreadyDone or StepStatus.Skipped, $"{s.Name}: {s.Status} {s.Detail}"));
        Assert.False(third.Draft);
        Assert.Equal(0, await Mutations());
        await _standIn.AssertNoContractErrors();
    }

    public void Dispose()
    {
        _git.Dispose();
        _repo.Dispose();
    }

    private sealed class FixedNotes : IReleaseNotesSource
    {
        public Task<ReleaseNotes> GetNotesAsync(string repositoryRoot, string tag, CancellationToken cancellation) =>
            Task.FromResult(new ReleaseNotes("## Features\n- a thing\n", null, 1));
    }

    private sealed class NoGates : IQualityGates
    {
        public Task<GateSummary> RunAsync(string projectRoot, string outputDirectory, X0Context context) =>
            throw new InvalidOperationException("-SkipTests: the gates must not run");
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool and may report after the call returned).</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
