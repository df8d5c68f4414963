using System.Text.Json;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Runs;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.GitHub;

/// <summary>The Octokit adapter and the run reader against the stand-in, through prism's contract check.</summary>
[Collection(GitHubStandInCollection.Name)]
public sealed class StandInGatewayTests
{
    private const string Token = "ghp_xunit_standin_token_0123456789";
    private readonly GitHubStandInFixture _standIn;

    public StandInGatewayTests(GitHubStandInFixture standIn) => _standIn = standIn;

    private async Task<List<JsonElement>> Seed(string repo, int count)
    {
        await _standIn.Control(HttpMethod.Post, "/reset");
        await _standIn.Control(HttpMethod.Post, "/tokens", new { token = Token });
        await _standIn.Control(HttpMethod.Post, $"/repos/{repo}/seed", new { count, seed = 11, inProgress = 2 });
        return (await _standIn.Control(HttpMethod.Get, $"/repos/{repo}/runs")).EnumerateArray().ToList();
    }

    private OctokitGitHubGateway Gateway(CapturingLog log, IHttpResponseCache? cache = null, TimeSpan? maxWait = null) =>
        new(GitHubOptions.Resolve(_standIn.ApiUrl, Token, new Dictionary<string, string?>(), maxWait), new X0Context(log), cache);

    [Fact]
    public async Task Octokit_on_a_plain_base_url_and_the_reader_return_exactly_the_matching_runs()
    {
        _standIn.RequireAvailable();
        var truth = await Seed("octo/xunit", 600);
        using var gateway = Gateway(new CapturingLog());

        var expected = truth.Where(r => r.GetProperty("head_branch").GetString() == "develop" && r.GetProperty("event").GetString() == "push")
            .Select(r => r.GetProperty("id").GetInt64()).ToList();
        var result = Assert.Single(await new GitHubRunReader(gateway.WorkflowRuns).QueryAsync(
            new RunQuery { Repositories = new[] { "octo/xunit" }, Branch = "develop", Event = "push", First = 1000 }, X0Context.None));
        Assert.Equal(expected, result.Runs.Select(r => r.Id));
        Assert.False(result.Truncated);

        // Octokit (GetRun, jobs, workflows) on the same base URL: no api/v3 appended.
        var one = await gateway.WorkflowRuns.GetRunAsync(GitHubRepositoryName.Parse("octo/xunit"), expected[0], null, TestContext.Current.CancellationToken);
        Assert.Equal(result.Runs[0].Name, one.Name);
        Assert.Equal(result.Runs[0].Commit, one.Commit);
        var jobs = await gateway.WorkflowRuns.ListJobsAsync(GitHubRepositoryName.Parse("octo/xunit"), expected[0], null, TestContext.Current.CancellationToken);
        Assert.Equal(new[] { "build", "test (3.12)" }, jobs.Select(j => j.Name));
        Assert.Equal(5, jobs[1].Steps.Count);
        Assert.Equal(3, (await gateway.WorkflowRuns.ListWorkflowsAsync(GitHubRepositoryName.Parse("octo/xunit"), TestContext.Current.CancellationToken)).Count);
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task The_1000_result_cap_is_detected_and_conditional_requests_cost_no_rate_limit()
    {
        _standIn.RequireAvailable();
        var truth = await Seed("octo/capped", 1500);
        var completed = truth.Count(r => r.GetProperty("status").GetString() == "completed");
        var cache = new MemoryHttpResponseCache();
        var log = new CapturingLog();
        using var gateway = Gateway(log, cache);
        var query = new RunQuery { Repositories = new[] { "octo/capped" }, Status = "completed", First = 5000 };

        var first = Assert.Single(await new GitHubRunReader(gateway.WorkflowRuns).QueryAsync(query, new X0Context(log)));
        Assert.Equal(1000, first.Runs.Count);
        Assert.True(first.Truncated);
        Assert.Equal(completed, first.TotalCount);
        Assert.Contains(log.Warnings, w => w.Contains("1,000", StringComparison.Ordinal));
        var remaining = gateway.RateLimit!.Remaining;

        var second = Assert.Single(await new GitHubRunReader(gateway.WorkflowRuns).QueryAsync(query, X0Context.None));
        Assert.Equal(10, second.NotModifiedPages);
        Assert.Equal(first.Runs.Select(r => r.Id), second.Runs.Select(r => r.Id));
        Assert.Equal(remaining, gateway.RateLimit!.Remaining);
        var stats = await _standIn.Control(HttpMethod.Get, "/stats");
        Assert.Equal(10, stats.GetProperty("notModified").GetInt32());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task The_log_archive_is_fetched_from_storage_without_the_token()
    {
        _standIn.RequireAvailable();
        await Seed("octo/logs", 5);
        var run = await _standIn.Control(HttpMethod.Post, "/repos/octo/logs/runs", new
        {
            conclusion = "failure",
            jobs = new[] { new { name = "test", conclusion = "failure", steps = new object[] { new { name = "Set up job" }, new { name = "Run pytest", conclusion = "failure", log = new[] { "E   boom" } } } } },
        });
        using var gateway = Gateway(new CapturingLog());
        var lines = await new RunLogReader(gateway.WorkflowRuns).ReadAsync(new RunLogRequest("octo/logs", run.GetProperty("id").GetInt64(), FailedOnly: true), X0Context.None);
        Assert.Equal("E   boom", Assert.Single(lines).Text);
        var blobs = await _standIn.Control(HttpMethod.Get, "/blobs-stats");
        Assert.Equal(1, blobs.GetProperty("requests").GetInt32());
        Assert.Equal(0, blobs.GetProperty("withAuthorization").GetInt32());
        await _standIn.AssertNoContractErrors();
    }

    [Fact]
    public async Task A_used_up_rate_limit_is_waited_out_within_MaxWait_and_is_an_error_beyond()
    {
        _standIn.RequireAvailable();
        await Seed("octo/limited", 5);
        var log = new CapturingLog();
        using var gateway = Gateway(log, maxWait: TimeSpan.FromSeconds(20));
        var repo = GitHubRepositoryName.Parse("octo/limited");

        await _standIn.Control(HttpMethod.Post, "/rate-limit", new { limit = 60, remaining = 0, resetInSeconds = 2 });
        var page = await gateway.WorkflowRuns.ListRunsAsync(new WorkflowRunListRequest(repo, null, null, null, null, null, null, 1, 5), TestContext.Current.CancellationToken);
        Assert.Equal(5, page.Runs.Count);
        Assert.Contains(log.Warnings, w => w.Contains("primary rate limit", StringComparison.Ordinal));

        await _standIn.Control(HttpMethod.Post, "/rate-limit", new { limit = 60, remaining = 0, resetInSeconds = 3600 });
        var ex = await Assert.ThrowsAsync<X0Exception>(() => gateway.WorkflowRuns.ListRunsAsync(new WorkflowRunListRequest(repo, null, null, null, null, null, null, 2, 5), TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.GitHubRateLimited, ex.ErrorId);
        Assert.Contains("UTC", ex.Message, StringComparison.Ordinal);
        await _standIn.Control(HttpMethod.Post, "/rate-limit", new { limit = 5000, remaining = 5000, resetInSeconds = 3600 });
        await _standIn.AssertNoContractErrors();
    }
}
