using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace X0tta6bl4.StandIns.GitHub;

/// <summary>
/// The GitHub REST endpoints the module uses, plus the stand-in's control surface under /_x0
/// (seed, faults, tokens, rate limit, counters). The control surface is reached directly on the
/// upstream port; API calls go through prism.
/// </summary>
public static class GitHubEndpoints
{
    private static readonly HashSet<string> Statuses = new(StringComparer.Ordinal) { "queued", "in_progress", "completed", "requested", "waiting", "pending" };
    private static readonly string[] CappedFilters = { "actor", "branch", "check_suite_id", "created", "event", "head_sha", "status" };
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>HttpContext.Items key of the caller's token (null when anonymous).</summary>
    internal const string TokenKey = "x0.token";
    /// <summary>HttpContext.Items key of a fault the route itself carries out (<see cref="Fault.CutAfterBytes"/>, <see cref="Fault.Apply"/>).</summary>
    internal const string DeferredFaultKey = "x0.fault";

    public static void MapGitHubStandIn(this WebApplication app)
    {
        app.Use(ApiPipeline);

        // --- Repositories, releases and assets ---
        GitHubReleases.Map(app);

        // --- Actions: workflows, runs, attempts, jobs, logs ---
        app.MapGet("/repos/{owner}/{repo}/actions/workflows", (HttpContext c, GitHubState s, string owner, string repo) => ListWorkflows(c, s, owner, repo));
        app.MapGet("/repos/{owner}/{repo}/actions/workflows/{workflowId}", (HttpContext c, GitHubState s, string owner, string repo, string workflowId) => GetWorkflow(c, s, owner, repo, workflowId));
        app.MapGet("/repos/{owner}/{repo}/actions/runs", (HttpContext c, GitHubState s, string owner, string repo) => ListRuns(c, s, owner, repo, null));
        app.MapGet("/repos/{owner}/{repo}/actions/workflows/{workflowId}/runs", (HttpContext c, GitHubState s, string owner, string repo, string workflowId) => ListRuns(c, s, owner, repo, workflowId));
        app.MapGet("/repos/{owner}/{repo}/actions/runs/{runId:long}", (HttpContext c, GitHubState s, string owner, string repo, long runId) => GetRun(c, s, owner, repo, runId, null));
        app.MapGet("/repos/{owner}/{repo}/actions/runs/{runId:long}/attempts/{attempt:int}", (HttpContext c, GitHubState s, string owner, string repo, long runId, int attempt) => GetRun(c, s, owner, repo, runId, attempt));
        app.MapGet("/repos/{owner}/{repo}/actions/runs/{runId:long}/jobs", (HttpContext c, GitHubState s, string owner, string repo, long runId) => ListJobs(c, s, owner, repo, runId, null));
        app.MapGet("/repos/{owner}/{repo}/actions/runs/{runId:long}/attempts/{attempt:int}/jobs", (HttpContext c, GitHubState s, string owner, string repo, long runId, int attempt) => ListJobs(c, s, owner, repo, runId, attempt));
        app.MapGet("/repos/{owner}/{repo}/actions/runs/{runId:long}/logs", (HttpContext c, GitHubState s, string owner, string repo, long runId) => RunLogs(c, s, owner, repo, runId, null));
        app.MapGet("/repos/{owner}/{repo}/actions/runs/{runId:long}/attempts/{attempt:int}/logs", (HttpContext c, GitHubState s, string owner, string repo, long runId, int attempt) => RunLogs(c, s, owner, repo, runId, attempt));
        app.MapGet("/repos/{owner}/{repo}/actions/jobs/{jobId:long}", (HttpContext c, GitHubState s, string owner, string repo, long jobId) => GetJob(c, s, owner, repo, jobId));

        GitHubControl.Map(app);
    }

    /// <summary>Faults, authentication, the primary rate limit, ETags and counters around every API call.</summary>
    private static async Task ApiPipeline(HttpContext ctx, Func<Task> next)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/_x0", StringComparison.Ordinal))
        {
            await next();
            return;
        }
        var state = ctx.RequestServices.GetRequiredService<GitHubState>();
        var now = DateTimeOffset.UtcNow;
        var method = ctx.Request.Method;
        state.Stats.Count(method, Regex.Replace(path, "/[0-9]+(?=/|$)", "/:id"), path + ctx.Request.QueryString);

        Fault? fault;
        lock (state.Gate)
        {
            state.RateLimit.Roll(now);
            fault = MatchFault(state, method, path + ctx.Request.QueryString);
        }
        if (fault is { DelayMs: > 0 })
        {
            await Task.Delay(fault.DelayMs, ctx.RequestAborted);
            if (fault.PassThrough) fault = null;
        }
        if (fault is { CutAfterBytes: not null } or { Apply: true })
        {
            // Faults that let the request reach its route first (a cut upload, a create that happened).
            ctx.Items[DeferredFaultKey] = fault;
            Interlocked.Increment(ref state.Stats.Faulted);
            fault = null;
        }
        if (fault is not null)
        {
            Interlocked.Increment(ref state.Stats.Faulted);
            ctx.Response.StatusCode = fault.Status;
            WriteRateHeaders(ctx, state);
            foreach (var (k, v) in fault.Headers) ctx.Response.Headers[k] = v;
            if (fault.Body is not null)
            {
                ctx.Response.ContentType = "application/json; charset=utf-8";
                await ctx.Response.WriteAsync(fault.Body);
            }
            return;
        }

        var auth = ctx.Request.Headers.Authorization.ToString();
        var token = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim()
            : auth.StartsWith("token ", StringComparison.OrdinalIgnoreCase) ? auth[6..].Trim()
            : null;
        bool accepted;
        lock (state.Gate) accepted = state.Tokens.Count == 0 || (token is not null && state.Tokens.ContainsKey(token));
        if (!accepted)
        {
            Interlocked.Increment(ref state.Stats.Unauthorized);
            await WriteJson(ctx, 401, GitHubJson.Error("Bad credentials"));
            return;
        }
        if (token is not null) Interlocked.Increment(ref state.Stats.Authenticated);
        ctx.Items[TokenKey] = token;

        bool limited;
        lock (state.Gate) limited = state.RateLimit.Remaining <= 0;
        if (limited)
        {
            Interlocked.Increment(ref state.Stats.RateLimited);
            WriteRateHeaders(ctx, state);
            await WriteJson(ctx, 403, GitHubJson.Error("API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"));
            return;
        }

        var original = ctx.Response.Body;
        using var buffer = new MemoryStream();
        ctx.Response.Body = buffer;
        try
        {
            await next();
        }
        finally
        {
            ctx.Response.Body = original;
        }
        if (ctx.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        if (ctx.Items.TryGetValue(DeferredFaultKey, out var deferred) && deferred is Fault { Apply: true } applied)
        {
            // The request took effect; the client hears the fault instead (a 502 from a proxy after the write).
            ctx.Response.Clear();
            ctx.Response.StatusCode = applied.Status;
            WriteRateHeaders(ctx, state);
            foreach (var (k, v) in applied.Headers) ctx.Response.Headers[k] = v;
            if (applied.Body is not null)
            {
                ctx.Response.ContentType = "application/json; charset=utf-8";
                await ctx.Response.WriteAsync(applied.Body);
            }
            return;
        }

        if (HttpMethods.IsGet(method) && ctx.Response.StatusCode == 200 && (ctx.Response.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
        {
            var etag = "W/\"" + Convert.ToHexString(SHA256.HashData(buffer.ToArray()))[..40].ToLowerInvariant() + "\"";
            ctx.Response.Headers.ETag = etag;
            var inm = ctx.Request.Headers.IfNoneMatch.ToString();
            if (!string.IsNullOrEmpty(inm))
            {
                Interlocked.Increment(ref state.Stats.ConditionalRequests);
                if (inm.Split(',').Select(t => t.Trim()).Any(t => t == etag || t == "*"))
                {
                    // A 304 costs no rate limit (GitHub's rule for conditional requests).
                    Interlocked.Increment(ref state.Stats.NotModified);
                    ctx.Response.StatusCode = 304;
                    ctx.Response.ContentType = null;
                    ctx.Response.ContentLength = null;
                    ctx.Response.Headers.Remove("Link");
                    WriteRateHeaders(ctx, state);
                    return;
                }
            }
        }
        lock (state.Gate)
        {
            state.RateLimit.Remaining = Math.Max(0, state.RateLimit.Remaining - 1);
        }
        WriteRateHeaders(ctx, state);
        ctx.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(original);
    }

    private static Fault? MatchFault(GitHubState state, string method, string pathAndQuery)
    {
        foreach (var f in state.Faults)
        {
            if (f.Times == 0) continue;
            if (f.Method is not null && !string.Equals(f.Method, method, StringComparison.OrdinalIgnoreCase)) continue;
            if (!f.PathPattern.IsMatch(pathAndQuery)) continue;
            if (f.After > 0)
            {
                f.After--;
                continue;
            }
            if (f.Times > 0) f.Times--;
            f.Hits++;
            return f;
        }
        return null;
    }

    private static void WriteRateHeaders(HttpContext ctx, GitHubState state)
    {
        int limit, remaining;
        long reset;
        lock (state.Gate)
        {
            limit = state.RateLimit.Limit;
            remaining = state.RateLimit.Remaining;
            reset = state.RateLimit.ResetAt.ToUnixTimeSeconds();
        }
        var h = ctx.Response.Headers;
        if (!h.ContainsKey("x-ratelimit-limit")) h["x-ratelimit-limit"] = limit.ToString(CultureInfo.InvariantCulture);
        if (!h.ContainsKey("x-ratelimit-remaining")) h["x-ratelimit-remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        if (!h.ContainsKey("x-ratelimit-reset")) h["x-ratelimit-reset"] = reset.ToString(CultureInfo.InvariantCulture);
        if (!h.ContainsKey("x-ratelimit-used")) h["x-ratelimit-used"] = (limit - remaining).ToString(CultureInfo.InvariantCulture);
        if (!h.ContainsKey("x-ratelimit-resource")) h["x-ratelimit-resource"] = "core";
        h["x-github-api-version-selected"] = "2022-11-28";
    }

    internal static async Task WriteJson(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(body.ToJsonString(Json));
    }

    internal static IResult JsonResult(JsonNode body, int status = 200) =>
        Results.Text(body.ToJsonString(Json), "application/json; charset=utf-8", Encoding.UTF8, status);

    internal static IResult NotFound() => JsonResult(GitHubJson.Error("Not Found"), 404);

    internal static string ApiBase(HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}";

    internal static (int PerPage, int Page) Paging(HttpContext ctx, int defaultPerPage = 30)
    {
        var q = ctx.Request.Query;
        var perPage = int.TryParse(q["per_page"], out var pp) ? Math.Clamp(pp, 1, 100) : defaultPerPage;
        var page = int.TryParse(q["page"], out var p) ? Math.Max(1, p) : 1;
        return (perPage, page);
    }

    internal static void Link(HttpContext ctx, int available, int perPage, int page)
    {
        var last = Math.Max(1, (available + perPage - 1) / perPage);
        var links = new List<string>();
        string Url(int p)
        {
            var q = ctx.Request.Query.Where(kv => kv.Key != "page").Select(kv => $"{kv.Key}={Uri.EscapeDataString(kv.Value.ToString())}").ToList();
            q.Add("page=" + p.ToString(CultureInfo.InvariantCulture));
            return $"<{ApiBase(ctx)}{ctx.Request.Path}?{string.Join("&", q)}>";
        }
        if (page < last) links.Add(Url(page + 1) + "; rel=\"next\"");
        if (page < last) links.Add(Url(last) + "; rel=\"last\"");
        if (page > 1) links.Add(Url(1) + "; rel=\"first\"");
        if (page > 1) links.Add(Url(page - 1) + "; rel=\"prev\"");
        if (links.Count > 0) ctx.Response.Headers["Link"] = string.Join(", ", links);
    }

    private static IResult ListWorkflows(HttpContext ctx, GitHubState state, string owner, string name)
    {
        lock (state.Gate)
        {
            var repo = state.FindRepo(owner, name);
            if (repo is null) return NotFound();
            var (perPage, page) = Paging(ctx);
            var items = repo.Workflows.Skip((page - 1) * perPage).Take(perPage).Select(w => (JsonNode)GitHubJson.Workflow(ApiBase(ctx), repo, w)).ToArray();
            Link(ctx, repo.Workflows.Count, perPage, page);
            return JsonResult(new JsonObject { ["total_count"] = repo.Workflows.Count, ["workflows"] = new JsonArray(items) });
        }
    }

    private static IResult GetWorkflow(HttpContext ctx, GitHubState state, string owner, string name, string workflowId)
    {
        lock (state.Gate)
        {
            var repo = state.FindRepo(owner, name);
            var w = repo?.FindWorkflow(workflowId);
            return repo is null || w is null ? NotFound() : JsonResult(GitHubJson.Workflow(ApiBase(ctx), repo, w));
        }
    }

    private static IResult ListRuns(HttpContext ctx, GitHubState state, string owner, string name, string? workflowId)
    {
        lock (state.Gate)
        {
            var repo = state.FindRepo(owner, name);
            if (repo is null) return NotFound();
            IEnumerable<RunState> runs = repo.Runs;
            if (workflowId is not null)
            {
                var w = repo.FindWorkflow(workflowId);
                if (w is null) return NotFound();
                runs = runs.Where(r => r.Workflow == w);
            }
            var q = ctx.Request.Query;
            var filtered = CappedFilters.Any(f => !string.IsNullOrEmpty(q[f]));
            if (q["actor"].ToString() is { Length: > 0 } actor) runs = runs.Where(r => string.Equals(r.Actor, actor, StringComparison.OrdinalIgnoreCase));
            if (q["branch"].ToString() is { Length: > 0 } branch) runs = runs.Where(r => r.Branch == branch);
            if (q["event"].ToString() is { Length: > 0 } ev) runs = runs.Where(r => r.Event == ev);
            if (q["head_sha"].ToString() is { Length: > 0 } sha) runs = runs.Where(r => r.HeadSha == sha);
            if (q["check_suite_id"].ToString() is { Length: > 0 } cs) runs = runs.Where(r => r.CheckSuiteId.ToString(CultureInfo.InvariantCulture) == cs);
            if (q["status"].ToString() is { Length: > 0 } status)
            {
                runs = Statuses.Contains(status) ? runs.Where(r => r.Latest.Status == status) : runs.Where(r => r.Latest.Conclusion == status);
            }
            if (q["created"].ToString() is { Length: > 0 } created)
            {
                if (!CreatedFilter.TryParse(created, out var predicate))
                {
                    return JsonResult(GitHubJson.Error($"Invalid created filter '{created}'"), 422);
                }
                runs = runs.Where(r => predicate(r.CreatedAt));
            }
            var all = runs.ToList();
            // Filtered listings serve at most 1,000 results (GitHub's documented cap).
            var available = filtered ? all.Take(1000).ToList() : all;
            var (perPage, page) = Paging(ctx);
            var api = ApiBase(ctx);
            var items = available.Skip((page - 1) * perPage).Take(perPage)
                .Select(r => (JsonNode)GitHubJson.Run(api, repo, r, r.Latest)).ToArray();
            Link(ctx, available.Count, perPage, page);
            var total = filtered && !state.ReportTrueTotalCount ? Math.Min(all.Count, 1000) : all.Count;
            return JsonResult(new JsonObject { ["total_count"] = total, ["workflow_runs"] = new JsonArray(items) });
        }
    }

    private static IResult GetRun(HttpContext ctx, GitHubState state, string owner, string name, long runId, int? attemptNumber)
    {
        lock (state.Gate)
        {
            var repo = state.FindRepo(owner, name);
            if (repo is null || !repo.RunsById.TryGetValue(runId, out var run)) return NotFound();
            var attempt = attemptNumber is null ? run.Latest : run.Attempts.FirstOrDefault(a => a.Number == attemptNumber);
            if (attempt is null) return NotFound();
            if (attemptNumber is null && attempt.PollsUntilComplete > 0)
            {
                attempt.PollsUntilComplete--;
                if (attempt.Status == "queued") attempt.Status = "in_progress";
                attempt.UpdatedAt = DateTimeOffset.UtcNow;
                if (attempt.PollsUntilComplete == 0)
                {
                    attempt.Status = "completed";
                    attempt.Conclusion = attempt.PendingConclusion;
                    attempt.PollsUntilComplete = -1;
                    if (attempt.Jobs is not null)
                    {
                        foreach (var job in attempt.Jobs)
                        {
                            job.Status = "completed";
                            job.Conclusion ??= attempt.Conclusion;
                            job.CompletedAt ??= attempt.UpdatedAt;
                            foreach (var step in job.Steps)
                            {
                                step.Status = "completed";
                                step.Conclusion ??= "success";
                            }
                        }
                    }
                }
            }
            return JsonResult(GitHubJson.Run(ApiBase(ctx), repo, run, attempt));
        }
    }

    private static IResult ListJobs(HttpContext ctx, GitHubState state, string owner, string name, long runId, int? attemptNumber)
    {
        lock (state.Gate)
        {
            var repo = state.FindRepo(owner, name);
            if (repo is null || !repo.RunsById.TryGetValue(runId, out var run)) return NotFound();
            IEnumerable<AttemptState> attempts;
            if (attemptNumber is not null)
            {
                var a = run.Attempts.FirstOrDefault(x => x.Number == attemptNumber);
                if (a is null) return NotFound();
                attempts = new[] { a };
            }
            else
            {
                var filter = ctx.Request.Query["filter"].ToString();
                if (filter is { Length: > 0 } && filter != "latest" && filter != "all")
                {
                    return JsonResult(GitHubJson.Error("Invalid filter"), 422);
                }
                attempts = filter == "all" ? run.Attempts : new[] { run.Latest };
            }
            var api = ApiBase(ctx);
            var all = attempts.SelectMany(a => GitHubSeeder.JobsFor(state, run, a).Select(j => (a, j))).ToList();
            var (perPage, page) = Paging(ctx);
            var items = all.Skip((page - 1) * perPage).Take(perPage).Select(x => (JsonNode)GitHubJson.Job(api, repo, run, x.a, x.j)).ToArray();
            Link(ctx, all.Count, perPage, page);
            return JsonResult(new JsonObject { ["total_count"] = all.Count, ["jobs"] = new JsonArray(items) });
        }
    }

    private static IResult GetJob(HttpContext ctx, GitHubState state, string owner, string name, long jobId)
    {
        lock (state.Gate)
        {
            var repo = state.FindRepo(owner, name);
            if (repo is null) return NotFound();
            foreach (var run in repo.Runs)
            {
                foreach (var a in run.Attempts.Where(a => a.Jobs is not null))
                {
                    var job = a.Jobs!.FirstOrDefault(j => j.Id == jobId);
                    if (job is not null) return JsonResult(GitHubJson.Job(ApiBase(ctx), repo, run, a, job));
                }
            }
            return NotFound();
        }
    }

    private static IResult RunLogs(HttpContext ctx, GitHubState state, string owner, string name, long runId, int? attemptNumber)
    {
        lock (state.Gate)
        {
            var repo = state.FindRepo(owner, name);
            if (repo is null || !repo.RunsById.TryGetValue(runId, out var run)) return NotFound();
            var attempt = attemptNumber is null ? run.Latest : run.Attempts.FirstOrDefault(a => a.Number == attemptNumber);
            if (attempt is null) return NotFound();
            var archive = GitHubSeeder.LogArchive(GitHubSeeder.JobsFor(state, run, attempt), attempt.LogLayout);
            var key = $"logs/{runId}-{attempt.Number}-{Guid.NewGuid():N}.zip";
            state.Blobs[key] = ("application/zip", archive);
            // Like GitHub: a short-lived redirect to storage outside the API, which needs no token.
            ctx.Response.Headers.Location = $"{state.UpstreamBase}/_x0/blobs/{key}";
            return Results.StatusCode(302);
        }
    }
}

/// <summary>The <c>created</c> query parameter: <c>&gt;=T</c>, <c>&lt;=T</c>, <c>&gt;T</c>, <c>&lt;T</c>, <c>A..B</c> (either side may be *), or a single date.</summary>
public static class CreatedFilter
{
    public static bool TryParse(string text, out Func<DateTimeOffset, bool> predicate)
    {
        predicate = _ => true;
        text = text.Trim();
        if (text.Contains("..", StringComparison.Ordinal))
        {
            var parts = text.Split("..", 2);
            DateTimeOffset? from = null, to = null;
            if (parts[0] != "*")
            {
                if (!TryTime(parts[0], false, out var f)) return false;
                from = f;
            }
            if (parts[1] != "*")
            {
                if (!TryTime(parts[1], true, out var t)) return false;
                to = t;
            }
            predicate = d => (from is null || d >= from) && (to is null || d <= to);
            return true;
        }
        foreach (var op in new[] { ">=", "<=", ">", "<" })
        {
            if (text.StartsWith(op, StringComparison.Ordinal))
            {
                if (!TryTime(text[op.Length..], op.StartsWith('<'), out var t)) return false;
                predicate = op switch
                {
                    ">=" => d => d >= t,
                    "<=" => d => d <= t,
                    ">" => d => d > t,
                    _ => d => d < t,
                };
                return true;
            }
        }
        if (!TryTime(text, false, out var day)) return false;
        var end = text.Length <= 10 ? day.AddDays(1) : day.AddSeconds(1);
        predicate = d => d >= day && d < end;
        return true;
    }

    private static bool TryTime(string s, bool upper, out DateTimeOffset value)
    {
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value)) return false;
        // A bare date as an upper bound includes that whole day.
        if (upper && s.Length <= 10) value = value.AddDays(1).AddTicks(-1);
        return true;
    }
}
