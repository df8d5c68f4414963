using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Octokit;
using Octokit.Internal;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub.Http;
using X0tta6bl4.Core.Runs;

namespace X0tta6bl4.Core.GitHub;

/// <summary>
/// The GitHub adapter: Octokit where it covers the API (single runs and attempts, jobs, workflows),
/// plain HttpClient over the same handler chain where it does not (conditional requests with ETags,
/// the log-archive download with its redirect). No Octokit type leaves this file.
/// </summary>
public sealed class OctokitGitHubGateway : IGitHubGateway, IWorkflowRuns
{
    private readonly GitHubOptions _options;
    private readonly X0Context _context;
    private readonly IHttpResponseCache? _cache;
    private readonly GitHubRateLimitMonitor _monitor = new();
    private readonly HttpClient _http;
    private readonly GitHubClient _octokit;
    private readonly string _userAgent;

    public OctokitGitHubGateway(GitHubOptions options, X0Context context, IHttpResponseCache? cache = null)
    {
        _options = options;
        _context = context;
        _cache = cache;
        _userAgent = $"x0tta6bl4/{options.ProductVersion}";
        _http = new HttpClient(GitHubHttpPipeline.Create(options, context, _monitor), disposeHandler: true) { Timeout = options.WholeCallTimeout };
        // The simple GitHubClient(product, uri) constructor appends api/v3/ to any non-github.com URL;
        // a Connection takes the base as given (github.com, GHES …/api/v3/, or a stand-in).
        var connection = new Connection(new Octokit.ProductHeaderValue("x0tta6bl4", options.ProductVersion), options.ApiUrl,
            new InMemoryCredentialStore(Credentials.Anonymous),
            new HttpClientAdapter(() => GitHubHttpPipeline.Create(options, context, _monitor)),
            new SimpleJsonSerializer());
        connection.SetRequestTimeout(options.WholeCallTimeout);
        _octokit = new GitHubClient(connection);
    }

    public Uri ApiUrl => _options.ApiUrl;
    public IWorkflowRuns WorkflowRuns => this;
    public GitHubRateLimit? RateLimit => _monitor.Last;

    public async Task<WorkflowRunPage> ListRunsAsync(WorkflowRunListRequest r, CancellationToken cancellation)
    {
        var path = r.WorkflowId is null
            ? $"repos/{r.Repository.Owner}/{r.Repository.Name}/actions/runs"
            : $"repos/{r.Repository.Owner}/{r.Repository.Name}/actions/workflows/{Uri.EscapeDataString(r.WorkflowId)}/runs";
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) query.Add(name + "=" + Uri.EscapeDataString(value));
        }
        Add("actor", r.Actor);
        Add("branch", r.Branch);
        Add("event", r.Event);
        Add("status", r.Status);
        Add("head_sha", r.HeadSha);
        Add("per_page", r.PerPage.ToString(CultureInfo.InvariantCulture));
        Add("page", r.Page.ToString(CultureInfo.InvariantCulture));
        var (body, notModified) = await GetJsonAsync(path + "?" + string.Join("&", query), r.Repository.FullName, cancellation).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var runs = new List<RunRecord>();
        foreach (var run in root.GetProperty("workflow_runs").EnumerateArray())
        {
            runs.Add(MapRun(run, r.Repository.FullName));
        }
        return new WorkflowRunPage(root.TryGetProperty("total_count", out var tc) ? tc.GetInt64() : runs.Count, runs, notModified);
    }

    public async Task<RunRecord> GetRunAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation)
    {
        var run = await Call(repository, $"run {runId}", () => attempt is null
            ? _octokit.Actions.Workflows.Runs.Get(repository.Owner, repository.Name, runId)
            : _octokit.Actions.Workflows.Runs.GetAttempt(repository.Owner, repository.Name, runId, attempt.Value), cancellation).ConfigureAwait(false);
        return MapRun(run, repository.FullName);
    }

    public async Task<(RunRecord Run, bool NotModified)> PollRunAsync(GitHubRepositoryName repository, long runId, CancellationToken cancellation)
    {
        var (body, notModified) = await GetJsonAsync($"repos/{repository.Owner}/{repository.Name}/actions/runs/{runId}", $"{repository.FullName} run {runId}", cancellation).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(body);
        return (MapRun(doc.RootElement, repository.FullName), notModified);
    }

    public async Task<IReadOnlyList<WorkflowInfo>> ListWorkflowsAsync(GitHubRepositoryName repository, CancellationToken cancellation)
    {
        var result = new List<WorkflowInfo>();
        for (var page = 1; ; page++)
        {
            var p = page;
            var response = await Call(repository, "workflows", () => _octokit.Actions.Workflows.List(repository.Owner, repository.Name,
                new ApiOptions { PageSize = 100, PageCount = 1, StartPage = p }), cancellation).ConfigureAwait(false);
            result.AddRange(response.Workflows.Select(w => new WorkflowInfo(w.Id, w.Name, w.Path, w.State.StringValue)));
            if (response.Workflows.Count < 100 || result.Count >= response.TotalCount) break;
        }
        return result;
    }

    public async Task<IReadOnlyList<RunJobRecord>> ListJobsAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation)
    {
        var result = new List<RunJobRecord>();
        for (var page = 1; ; page++)
        {
            var options = new ApiOptions { PageSize = 100, PageCount = 1, StartPage = page };
            var response = await Call(repository, $"jobs of run {runId}", () => attempt is null
                ? _octokit.Actions.Workflows.Jobs.List(repository.Owner, repository.Name, runId, new WorkflowRunJobsRequest(), options)
                : _octokit.Actions.Workflows.Jobs.List(repository.Owner, repository.Name, runId, attempt.Value, options), cancellation).ConfigureAwait(false);
            result.AddRange(response.Jobs.Select(MapJob));
            if (response.Jobs.Count < 100 || result.Count >= response.TotalCount) break;
        }
        return result;
    }

    public async Task<Stream> DownloadLogArchiveAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation)
    {
        var path = attempt is null
            ? $"repos/{repository.Owner}/{repository.Name}/actions/runs/{runId}/logs"
            : $"repos/{repository.Owner}/{repository.Name}/actions/runs/{runId}/attempts/{attempt}/logs";
        var uri = new Uri(_options.ApiUrl, path);
        var target = $"{repository.FullName} run {runId}";
        for (var hop = 0; hop < 5; hop++)
        {
            using var request = NewRequest(uri, "application/vnd.github+json");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                // Storage URLs are pre-signed: the auth handler sends the token to the API host only.
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new X0Exception(ErrorIds.RunLogUnavailable, X0ErrorCategory.ObjectNotFound,
                    $"the log archive of {target}", "none (404): logs expire after the retention period, and a run still in progress has none yet",
                    "Check the run with Get-X0Run -Id " + runId + "; logs of expired runs cannot be recovered", target);
            }
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorAsync(response, target, repository).ConfigureAwait(false);
            }
            var file = new FileStream(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "x0-logs-" + Guid.NewGuid().ToString("N") + ".zip"),
                System.IO.FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            try
            {
                await response.Content.CopyToAsync(file, cancellation).ConfigureAwait(false);
                file.Position = 0;
                return file;
            }
            catch
            {
                await file.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        throw new X0Exception(ErrorIds.RunLogUnavailable, X0ErrorCategory.ProtocolError, "at most 5 redirects to the log archive", "more", "Run again; report it if it persists", target);
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage NewRequest(Uri uri, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.ParseAdd(accept);
        request.Headers.UserAgent.ParseAdd(_userAgent);
        return request;
    }

    /// <summary>GET with If-None-Match from the cache; a 304 returns the stored body (and cost no rate limit).</summary>
    private async Task<(byte[] Body, bool NotModified)> GetJsonAsync(string relative, string target, CancellationToken cancellation)
    {
        var uri = new Uri(_options.ApiUrl, relative);
        var key = "GET " + uri.AbsoluteUri;
        string? etag = null;
        byte[]? cached = null;
        if (_cache is not null && _cache.TryGet(key, out var e, out var b))
        {
            etag = e;
            cached = b;
        }
        using var request = NewRequest(uri, "application/vnd.github+json");
        if (etag is not null) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var response = await _http.SendAsync(request, cancellation).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified && cached is not null)
        {
            _context.Log.Debug($"GET {uri.AbsolutePath}{uri.Query}: 304 Not Modified (cached)");
            return (cached, true);
        }
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, target, null).ConfigureAwait(false);
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
        _context.Log.Debug($"GET {uri.AbsolutePath}{uri.Query}: {(int)response.StatusCode}");
        if (_cache is not null && response.Headers.ETag is { } tag)
        {
            _cache.Put(key, tag.ToString(), body);
        }
        return (body, false);
    }

    private async Task<T> Call<T>(GitHubRepositoryName repository, string what, Func<Task<T>> call, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        try
        {
            return await call().WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            throw GitHubErrors.From((int)ex.StatusCode, ex.ApiError?.Message ?? ex.Message, $"{repository.FullName} {what}", repository, _options.ApiUrl, ex);
        }
    }

    private static async Task<X0Exception> ErrorAsync(HttpResponseMessage response, string target, GitHubRepositoryName? repository)
    {
        string message;
        try
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            using var doc = JsonDocument.Parse(text);
            message = doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? text
                : doc.RootElement.TryGetProperty("title", out var t) ? t.GetString() + (doc.RootElement.TryGetProperty("detail", out var d) ? ": " + d.GetString() : "")
                : text;
        }
        catch (JsonException)
        {
            message = response.ReasonPhrase ?? string.Empty;
        }
        return GitHubErrors.From((int)response.StatusCode, message, target, repository, response.RequestMessage?.RequestUri, null);
    }

    internal static RunRecord MapRun(JsonElement run, string repository)
    {
        static string? S(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static DateTimeOffset? T(JsonElement e, string name) => S(e, name) is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null;
        var created = T(run, "created_at") ?? DateTimeOffset.MinValue;
        var started = T(run, "run_started_at") ?? created;
        var updated = T(run, "updated_at");
        var status = S(run, "status") ?? "completed";
        var actor = run.TryGetProperty("actor", out var a) && a.ValueKind == JsonValueKind.Object ? S(a, "login") : null;
        return new RunRecord
        {
            Id = run.GetProperty("id").GetInt64(),
            Source = RunSource.GitHub,
            Repository = repository,
            Workflow = S(run, "name"),
            WorkflowPath = S(run, "path"),
            WorkflowId = run.TryGetProperty("workflow_id", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt64() : null,
            Name = S(run, "display_title") ?? S(run, "name"),
            Event = S(run, "event"),
            Branch = S(run, "head_branch"),
            Commit = S(run, "head_sha"),
            Status = status,
            Conclusion = S(run, "conclusion"),
            Actor = actor,
            Attempt = run.TryGetProperty("run_attempt", out var att) && att.ValueKind == JsonValueKind.Number ? att.GetInt32() : 1,
            RunNumber = run.TryGetProperty("run_number", out var rn) && rn.ValueKind == JsonValueKind.Number ? rn.GetInt64() : null,
            CreatedAt = created,
            StartedAt = started,
            UpdatedAt = updated,
            Duration = Duration(status, started, updated),
            Url = S(run, "html_url"),
        };
    }

    private static RunRecord MapRun(WorkflowRun run, string repository)
    {
        var status = run.Status.StringValue;
        var started = run.RunStartedAt == default ? run.CreatedAt : run.RunStartedAt;
        return new RunRecord
        {
            Id = run.Id,
            Source = RunSource.GitHub,
            Repository = repository,
            Workflow = run.Name,
            WorkflowPath = run.Path,
            WorkflowId = run.WorkflowId,
            Name = run.DisplayTitle ?? run.Name,
            Event = run.Event,
            Branch = run.HeadBranch,
            Commit = run.HeadSha,
            Status = status,
            Conclusion = run.Conclusion?.StringValue,
            Actor = run.Actor?.Login,
            Attempt = (int)run.RunAttempt,
            RunNumber = run.RunNumber,
            CreatedAt = run.CreatedAt,
            StartedAt = started,
            UpdatedAt = run.UpdatedAt,
            Duration = Duration(status, started, run.UpdatedAt),
            Url = run.HtmlUrl,
        };
    }

    private static RunJobRecord MapJob(WorkflowJob job) => new(
        job.Id, job.RunId, 0, job.Name, job.Status.StringValue, job.Conclusion?.StringValue,
        job.StartedAt, job.CompletedAt, job.HtmlUrl, job.RunnerName,
        (job.Steps ?? (IReadOnlyList<WorkflowJobStep>)Array.Empty<WorkflowJobStep>())
            .Select(s => new RunStepRecord(s.Number, s.Name, s.Status.StringValue, s.Conclusion?.StringValue, s.StartedAt, s.CompletedAt)).ToList());

    private static TimeSpan? Duration(string status, DateTimeOffset started, DateTimeOffset? updated)
    {
        if (status == "completed") return updated is { } u && u >= started ? u - started : null;
        if (status is "queued" or "requested" or "waiting" or "pending") return null;
        var now = DateTimeOffset.UtcNow;
        return now >= started ? now - started : TimeSpan.Zero;
    }
}

/// <summary>One mapping from GitHub answers to errors that say what was expected, what was found and what to do.</summary>
public static class GitHubErrors
{
    public static X0Exception From(int status, string message, string target, GitHubRepositoryName? repository, Uri? api, Exception? inner)
    {
        message = string.IsNullOrWhiteSpace(message) ? "no message" : message.Trim();
        var repo = repository?.FullName ?? "the repository";
        return status switch
        {
            401 => new X0Exception(ErrorIds.GitHubAuthenticationFailed, X0ErrorCategory.AuthenticationError,
                "a valid GitHub token", $"401 {message}",
                "Pass -Token, or set GITHUB_TOKEN / GH_TOKEN to a token that is not expired or revoked", target, inner),
            403 => new X0Exception(ErrorIds.GitHubPermissionDenied, X0ErrorCategory.PermissionDenied,
                $"a token allowed to read Actions of {repo}", $"403 {message}",
                "Use a token with 'actions: read' (fine-grained) or 'repo' scope (classic); in a workflow add permissions: actions: read", target, inner),
            404 => new X0Exception(ErrorIds.GitHubNotFound, X0ErrorCategory.ObjectNotFound,
                $"{target} to exist", $"404 {message}",
                $"Check the name and id; a private repository answers 404 when the token cannot see it", target, inner),
            422 => new X0Exception(ErrorIds.GitHubRequestInvalid, X0ErrorCategory.InvalidArgument,
                "a request GitHub accepts", $"422 {message}", "Check the filter values (status, event, branch)", target, inner),
            >= 500 => new X0Exception(ErrorIds.GitHubServerError, X0ErrorCategory.ResourceUnavailable,
                $"an answer from {api?.GetLeftPart(UriPartial.Authority) ?? "GitHub"} (after retries)", $"{status} {message}",
                "GitHub may be degraded: check its status page and run again later", target, inner),
            _ => new X0Exception(ErrorIds.GitHubRequestInvalid, X0ErrorCategory.ProtocolError,
                "a successful answer", $"{status} {message}", "Run again with -Debug to see the exchange", target, inner),
        };
    }
}
