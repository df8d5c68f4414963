using System.Diagnostics;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text.Json;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Tests.Infrastructure;

namespace X0tta6bl4.Tests.Commands;

/// <summary>
/// Ctrl+C (PowerShell.Stop()) while Publish-X0Release uploads an asset to GitHub: the command stops within
/// seconds, leaves no half-written file in the release folder and the release a draft without its lease,
/// and the next run resumes that draft and publishes it once, with every asset verified. GitHub is the
/// contract-checked stand-in (tests/StandIns, behind prism); its control surface is the ground truth.
/// </summary>
[Collection(GitHubStandInCollection.Name)]
public sealed class PublishX0ReleaseStopTests
{
    private const string Owner = "octo";
    private const string Name = "stop-upload";
    private const string Repository = Owner + "/" + Name;
    private const string Token = "ghp_stop_upload_token_0123456789abcdef";
    /// <summary>Environment the release reads; set through the runspace (process-wide) and restored after.</summary>
    private static readonly string[] ReleaseEnvironment = { "GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "GITHUB_ACTIONS", "X0_STATE_DIR" };

    private readonly GitHubStandInFixture _standIn;

    public PublishX0ReleaseStopTests(GitHubStandInFixture standIn) => _standIn = standIn;

    [Fact]
    public async Task Stop_during_an_asset_upload_stops_within_seconds_leaves_a_draft_and_the_next_run_publishes_it()
    {
        _standIn.RequireAvailable();
        StagedModule.ManifestOrSkip();
        var ct = TestContext.Current.CancellationToken;
        await _standIn.Control(HttpMethod.Post, "/reset");
        await _standIn.Control(HttpMethod.Post, "/tokens", new { token = Token, permissions = new Dictionary<string, string> { ["contents"] = "write" } });
        await _standIn.Control(HttpMethod.Post, "/repos", new { owner = Owner, name = Name });

        // A project at its release tag, pushed to a local bare remote, with this version's files in dist/.
        using var repo = new GitRepoFixture("publish-stop");
        repo.Write(".gitignore", "out/\ndist/\n")
            .Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.2.0\"\n")
            .Commit("feat: anomaly detection");
        repo.AddBareRemote();
        repo.Tag("v1.2.0").Git("push", "-q", "origin", "v1.2.0");
        // Every byte value, then random bytes: large enough to be a real upload, binary so text handling fails.
        var wheel = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(RandomNumberGenerator.GetBytes(256 * 1024)).ToArray();
        repo.WriteBytes("dist/demo-1.2.0-py3-none-any.whl", wheel).Write("dist/demo-1.2.0.tar.gz", "sdist 1.2.0\n");
        var releaseFolder = repo.PathOf("out/releases/v1.2.0");

        // Every upload is held by GitHub for two minutes: the first one is deterministically in flight.
        await _standIn.Control(HttpMethod.Post, "/faults", new { method = "POST", path = "/assets\\?", delayMs = 120_000, times = -1 });

        var saved = ReleaseEnvironment.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        var stateDir = Directory.CreateTempSubdirectory("x0-stop-state-").FullName;
        try
        {
            using var ps = StagedModule.CreateShell(out var runspace);
            using var session = runspace;
            ps.AddScript("param($token, $state) $env:GITHUB_TOKEN = $token; $env:GH_TOKEN = $null; $env:GITHUB_API_URL = $null; $env:GITHUB_ACTIONS = $null; $env:X0_STATE_DIR = $state")
                .AddArgument(Token).AddArgument(stateDir).Invoke();
            ps.Commands.Clear();

            AddPublish(ps, repo.Root);
            var started = Stopwatch.StartNew();
            var invocation = ps.BeginInvoke();

            // In flight: the stand-in has received the upload request (prism passed it on) and holds it.
            string? upload = null;
            while (upload is null)
            {
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(90), "no asset upload reached GitHub within 90 s");
                if (invocation.IsCompleted) Assert.Fail("Publish-X0Release ended before uploading: " + Describe(ps.Streams.Error) + " | " + Describe(ps.Streams.Warning));
                var log = (await _standIn.Control(HttpMethod.Get, "/stats")).GetProperty("log").EnumerateArray().Select(e => e.GetString()!);
                upload = log.FirstOrDefault(l => l.StartsWith("POST ", StringComparison.Ordinal) && l.Contains("/assets?name=", StringComparison.Ordinal));
                if (upload is null) await Task.Delay(50, ct);
            }
            var inFlightAfter = started.Elapsed;
            var draft = Assert.Single(await Truth());
            Assert.True(draft.GetProperty("draft").GetBoolean());
            Assert.Contains("x0tta6bl4:publishing", draft.GetProperty("body").GetString(), StringComparison.Ordinal);

            var stopping = Stopwatch.StartNew();
            ps.Stop();
            stopping.Stop();
            TestContext.Current.TestOutputHelper?.WriteLine($"upload in flight after {inFlightAfter.TotalSeconds:0.0} s ({upload}); Stop() returned after {stopping.Elapsed.TotalMilliseconds:0} ms");

            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {stopping.Elapsed}");
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(invocation));

            // Locally: no temporaries, and every copy in the release folder whole (the same bytes as its source).
            Assert.Empty(Directory.EnumerateFiles(releaseFolder, "*.tmp", SearchOption.AllDirectories));
            Assert.Equal(wheel, File.ReadAllBytes(Path.Combine(releaseFolder, "assets", "demo-1.2.0-py3-none-any.whl")));
            Assert.Equal(repo.ReadBytes("dist/demo-1.2.0.tar.gz"), File.ReadAllBytes(Path.Combine(releaseFolder, "assets", "demo-1.2.0.tar.gz")));
            Assert.Equal("", repo.Git("status", "--porcelain", "--untracked-files=all"));

            // On GitHub: still the one draft, nothing published, and its lease let go so the next run need not wait.
            var stopped = Assert.Single(await Truth());
            Assert.True(stopped.GetProperty("draft").GetBoolean(), "the stopped run published the release");
            Assert.DoesNotContain("x0tta6bl4:publishing", stopped.GetProperty("body").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(stopped.GetProperty("assets").EnumerateArray(), a => a.GetProperty("state").GetString() == "uploaded");

            // The next run, with GitHub answering again: resumes the draft, uploads everything, verifies, publishes once.
            await _standIn.Control(HttpMethod.Delete, "/faults");
            await _standIn.Control(HttpMethod.Post, "/stats/reset");
            ps.Commands.Clear();
            AddPublish(ps, repo.Root);
            var rerun = Stopwatch.StartNew();
            var output = ps.Invoke();
            rerun.Stop();
            TestContext.Current.TestOutputHelper?.WriteLine($"the re-run published in {rerun.Elapsed.TotalSeconds:0.0} s");
            Assert.Empty(Enumerable.Range(0, ps.Streams.Error.Count).Select(i => ps.Streams.Error[i].ToString()));
            var release = Assert.Single(output);
            Assert.True((bool)release.Properties["Succeeded"].Value);
            Assert.False((bool)release.Properties["Draft"].Value);
            var steps = ((IEnumerable<object>)release.Properties["Steps"].Value).Select(PSObject.AsPSObject).ToList();
            var github = steps.Single(s => (string)s.Properties["Name"].Value == "GitHub Release");
            Assert.Equal("Done", github.Properties["Status"].Value);

            var published = Assert.Single(await Truth());
            Assert.Equal(stopped.GetProperty("id").GetInt64(), published.GetProperty("id").GetInt64());
            Assert.False(published.GetProperty("draft").GetBoolean());
            Assert.Equal("v1.2.0", published.GetProperty("tag_name").GetString());
            Assert.DoesNotContain("x0tta6bl4:publishing", published.GetProperty("body").GetString(), StringComparison.Ordinal);
            var local = Directory.GetFiles(Path.Combine(releaseFolder, "assets")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "SHA256SUMS", "demo-1.2.0-py3-none-any.whl", "demo-1.2.0.tar.gz" }, local);
            var remote = published.GetProperty("assets").EnumerateArray().ToList();
            Assert.Equal(local, remote.Select(a => a.GetProperty("name").GetString()).Order(StringComparer.Ordinal).ToArray());
            foreach (var asset in remote)
            {
                var bytes = File.ReadAllBytes(Path.Combine(releaseFolder, "assets", asset.GetProperty("name").GetString()!));
                Assert.Equal("uploaded", asset.GetProperty("state").GetString());
                Assert.Equal(bytes.Length, asset.GetProperty("size").GetInt64());
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), asset.GetProperty("sha256").GetString());
            }
            var routes = (await _standIn.Control(HttpMethod.Get, "/stats")).GetProperty("byRoute");
            Assert.False(routes.TryGetProperty($"POST /repos/{Repository}/releases", out _), "the re-run created another release instead of resuming the draft");
            // One PATCH takes the draft over (this run's lease), one publishes it.
            Assert.Equal(2, routes.GetProperty($"PATCH /repos/{Repository}/releases/:id").GetInt32());
            await _standIn.AssertNoContractErrors();
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
            try
            {
                Directory.Delete(stateDir, recursive: true);
            }
            catch (IOException)
            {
                // X0_STATE_DIR is process-wide: a command of another test may still be recording there.
            }
        }
    }

    private void AddPublish(PowerShell ps, string path) =>
        ps.AddCommand("Publish-X0Release").AddParameter("Path", path).AddParameter("Repository", Repository)
            .AddParameter("ApiUrl", _standIn.ApiUrl).AddParameter("SkipTests").AddParameter("Package", new[] { "None" });

    private async Task<List<JsonElement>> Truth() =>
        (await _standIn.Control(HttpMethod.Get, $"/repos/{Repository}/releases")).EnumerateArray().ToList();

    // PSDataCollection enumerates blocking until the pipeline closes it: index it instead.
    private static string Describe<T>(PSDataCollection<T> items) =>
        string.Join("; ", Enumerable.Range(0, items.Count).Select(i => items[i]));
}
