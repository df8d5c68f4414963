using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace X0tta6bl4.StandIns.GitHub;

/// <summary>
/// The control surface under /_x0 (not part of GitHub's API, so it is reached on the upstream port,
/// never through prism): reset, seed repositories and runs, accept tokens, set the rate limit, inject
/// faults, read counters and the ground truth the tests compare results with.
/// </summary>
public static class GitHubControl
{
    public static void Map(WebApplication app)
    {
        var x0 = app.MapGroup("/_x0");

        x0.MapPost("/reset", (GitHubState s) =>
        {
            lock (s.Gate) s.Reset();
            return Results.NoContent();
        });

        x0.MapGet("/stats", (GitHubState s) => Results.Json(s.Stats.Snapshot(s.RateLimit)));
        // Contract violations prism found since the last reset: a test fails when this is not empty.
        x0.MapGet("/contract", (GitHubState s) =>
        {
            lock (s.ContractErrors) return Results.Json(new { errors = s.ContractErrors.ToList() });
        });
        x0.MapPost("/stats/reset", (GitHubState s) =>
        {
            s.Stats.Reset();
            return Results.NoContent();
        });

        // { "token": "...", "permissions": { "actions": "read" } }
        x0.MapPost("/tokens", async (HttpContext c, GitHubState s) =>
        {
            var body = await Body(c);
            var perms = new Dictionary<string, string>(StringComparer.Ordinal);
            if (body.TryGetProperty("permissions", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                foreach (var kv in p.EnumerateObject()) perms[kv.Name] = kv.Value.GetString() ?? "";
            }
            lock (s.Gate) s.Tokens[Str(body, "token")!] = perms;
            return Results.NoContent();
        });

        // { "limit": 60, "remaining": 0, "resetInSeconds": 2 }
        x0.MapPost("/rate-limit", async (HttpContext c, GitHubState s) =>
        {
            var body = await Body(c);
            lock (s.Gate)
            {
                var limit = Int(body, "limit") ?? s.RateLimit.Limit;
                s.RateLimit.Set(limit, Int(body, "remaining") ?? limit, DateTimeOffset.UtcNow.AddSeconds(Int(body, "resetInSeconds") ?? 3600));
            }
            return Results.NoContent();
        });

        x0.MapPost("/options", async (HttpContext c, GitHubState s) =>
        {
            var body = await Body(c);
            lock (s.Gate)
            {
                if (body.TryGetProperty("reportTrueTotalCount", out var t)) s.ReportTrueTotalCount = t.GetBoolean();
            }
            return Results.NoContent();
        });

        // { "method": "GET", "path": "regex on path+query", "status": 500, "headers": {..}, "body": {..}|"text", "times": 1, "after": 0 }
        x0.MapPost("/faults", async (HttpContext c, GitHubState s) =>
        {
            var body = await Body(c);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (body.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object)
            {
                foreach (var kv in h.EnumerateObject()) headers[kv.Name] = kv.Value.ValueKind == JsonValueKind.String ? kv.Value.GetString()! : kv.Value.GetRawText();
            }
            string? text = null;
            if (body.TryGetProperty("body", out var b))
            {
                text = b.ValueKind == JsonValueKind.String ? b.GetString() : b.GetRawText();
            }
            var fault = new Fault
            {
                Method = Str(body, "method"),
                PathPattern = new Regex(Str(body, "path") ?? ".*", RegexOptions.CultureInvariant),
                Status = Int(body, "status") ?? 500,
                DelayMs = Int(body, "delayMs") ?? 0,
                PassThrough = Int(body, "status") is null && Int(body, "delayMs") is > 0,
                Headers = headers,
                Body = text,
                Times = Int(body, "times") ?? 1,
                After = Int(body, "after") ?? 0,
                CutAfterBytes = Int(body, "cutAfterBytes"),
                Apply = body.TryGetProperty("apply", out var apply) && apply.ValueKind == JsonValueKind.True,
            };
            lock (s.Gate) s.Faults.Add(fault);
            return Results.NoContent();
        });
        x0.MapDelete("/faults", (GitHubState s) =>
        {
            lock (s.Gate) s.Faults.Clear();
            return Results.NoContent();
        });

        // { "owner": "o", "name": "r", "private": false }
        x0.MapPost("/repos", async (HttpContext c, GitHubState s) =>
        {
            var body = await Body(c);
            lock (s.Gate)
            {
                var repo = s.GetOrCreateRepo(Str(body, "owner")!, Str(body, "name")!);
                if (body.TryGetProperty("private", out var p)) repo.Private = p.GetBoolean();
                if (body.TryGetProperty("immutableReleases", out var im)) repo.ImmutableReleases = im.GetBoolean();
                return Results.Json(new { id = repo.Id, full_name = repo.FullName });
            }
        });

        // A release as a test needs it: { "tag": "v1.0.0", "draft": false, "prerelease": false, "immutable": false,
        //   "body": "...", "assets": [{ "name": "a.whl", "text": "..." | "base64": "...", "state": "uploaded"|"open" }] }
        x0.MapPost("/repos/{owner}/{repo}/releases", async (HttpContext c, GitHubState s, string owner, string repo) =>
        {
            var body = await Body(c);
            lock (s.Gate)
            {
                var release = GitHubReleases.Arrange(s, s.GetOrCreateRepo(owner, repo), body);
                return Results.Json(GitHubReleases.Truth(release));
            }
        });

        // Ground truth: every release, drafts included, oldest first, with the sha256 of each asset's stored bytes.
        x0.MapGet("/repos/{owner}/{repo}/releases", (GitHubState s, string owner, string repo) =>
        {
            lock (s.Gate)
            {
                var r = s.FindRepo(owner, repo);
                if (r is null) return Results.NotFound();
                return Results.Json(r.Releases.OrderBy(x => x.Id).Select(GitHubReleases.Truth).ToList());
            }
        });

        // { "count": 2500, "seed": 7, "workflows": [{ "name": "Tests", "path": ".github/workflows/test.yml" }],
        //   "branches": [...], "events": [...], "actors": [...], "start": "2026-01-01T00:00:00Z", "spacingSeconds": 600, "inProgress": 3 }
        x0.MapPost("/repos/{owner}/{repo}/seed", async (HttpContext c, GitHubState s, string owner, string repo) =>
        {
            var body = await Body(c);
            lock (s.Gate)
            {
                var r = s.GetOrCreateRepo(owner, repo);
                var start = Str(body, "start") is { } st ? DateTimeOffset.Parse(st, CultureInfo.InvariantCulture) : new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var workflowSpecs = body.TryGetProperty("workflows", out var ws)
                    ? ws.EnumerateArray().Select(w => (Str(w, "name")!, Str(w, "path")!)).ToList()
                    : new List<(string, string)> { ("Tests", ".github/workflows/test.yml"), ("Docker", ".github/workflows/docker.yml"), ("Release", ".github/workflows/release.yml") };
                var workflows = GitHubSeeder.EnsureWorkflows(s, r, workflowSpecs, start.AddDays(-30));
                GitHubSeeder.SeedRuns(s, r, Int(body, "count") ?? 100, Int(body, "seed") ?? 1, workflows,
                    Strings(body, "branches") ?? GitHubSeeder.DefaultBranches,
                    Strings(body, "events") ?? GitHubSeeder.DefaultEvents,
                    Strings(body, "actors") ?? GitHubSeeder.DefaultActors,
                    start, TimeSpan.FromSeconds(Int(body, "spacingSeconds") ?? 600), Int(body, "inProgress") ?? 0);
                return Results.Json(new { runs = r.Runs.Count, workflows = r.Workflows.Select(w => new { id = w.Id, name = w.Name, path = w.Path }) });
            }
        });

        // One run with explicit jobs, steps and log lines:
        // { "workflow": { "name": "Tests", "path": ".github/workflows/test.yml" }, "title": "...", "branch": "main", "event": "push",
        //   "headSha": "...", "actor": "octocat", "createdAt": "...", "status": "completed", "conclusion": "failure",
        //   "pollsUntilComplete": 3, "pendingConclusion": "success", "logLayout": "steps"|"job", "attempts": 1,
        //   "jobs": [{ "name": "test", "conclusion": "failure", "steps": [{ "name": "Run pytest", "conclusion": "failure", "log": ["..."] }] }] }
        x0.MapPost("/repos/{owner}/{repo}/runs", async (HttpContext c, GitHubState s, string owner, string repo) =>
        {
            var body = await Body(c);
            lock (s.Gate)
            {
                var r = s.GetOrCreateRepo(owner, repo);
                var created = Str(body, "createdAt") is { } ca ? DateTimeOffset.Parse(ca, CultureInfo.InvariantCulture) : DateTimeOffset.UtcNow.AddMinutes(-5);
                // The API publishes whole seconds; sub-second start times would make step boundaries depend on the clock.
                created = new DateTimeOffset(created.UtcTicks - created.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
                var wf = body.TryGetProperty("workflow", out var w) ? (Str(w, "name")!, Str(w, "path")!) : ("Tests", ".github/workflows/test.yml");
                var workflow = GitHubSeeder.EnsureWorkflows(s, r, new[] { wf }, created.AddDays(-1))[0];
                var id = s.NextId();
                var run = new RunState
                {
                    Id = id,
                    Workflow = workflow,
                    RunNumber = r.Runs.Count(x => x.Workflow == workflow) + 1,
                    Title = Str(body, "title") ?? "test: explicit run",
                    Branch = Str(body, "branch") ?? "main",
                    Event = Str(body, "event") ?? "push",
                    HeadSha = Str(body, "headSha") ?? Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(BitConverter.GetBytes(id))).ToLowerInvariant(),
                    Actor = Str(body, "actor") ?? "octocat",
                    CreatedAt = created,
                    CheckSuiteId = id + 500_000_000,
                };
                var attempts = Int(body, "attempts") ?? 1;
                var jobIds = new List<long>();
                for (var n = 1; n <= attempts; n++)
                {
                    var a = new AttemptState
                    {
                        Number = n,
                        Status = Str(body, "status") ?? "completed",
                        Conclusion = Str(body, "status") is null or "completed" ? Str(body, "conclusion") ?? "success" : null,
                        StartedAt = created.AddSeconds(3),
                        UpdatedAt = created.AddSeconds(120),
                        PollsUntilComplete = Int(body, "pollsUntilComplete") ?? -1,
                        PendingConclusion = Str(body, "pendingConclusion") ?? "success",
                        LogLayout = Str(body, "logLayout") ?? "steps",
                    };
                    if (body.TryGetProperty("jobs", out var jobs))
                    {
                        a.Jobs = new List<JobState>();
                        var t = a.StartedAt;
                        foreach (var j in jobs.EnumerateArray())
                        {
                            var job = new JobState
                            {
                                Id = s.NextId(),
                                Name = Str(j, "name")!,
                                Status = a.Status == "completed" ? "completed" : a.Status,
                                Conclusion = a.Status == "completed" ? Str(j, "conclusion") ?? "success" : null,
                                StartedAt = t,
                            };
                            var number = 0;
                            foreach (var st in j.GetProperty("steps").EnumerateArray())
                            {
                                var begin = t;
                                t = t.AddSeconds(2);
                                var step = new StepState
                                {
                                    Number = ++number,
                                    Name = Str(st, "name")!,
                                    Status = a.Status == "completed" ? "completed" : "queued",
                                    Conclusion = a.Status == "completed" ? Str(st, "conclusion") ?? "success" : null,
                                    StartedAt = begin,
                                    CompletedAt = t,
                                };
                                if (st.TryGetProperty("log", out var log)) step.Log.AddRange(log.EnumerateArray().Select(l => l.GetString() ?? ""));
                                job.Steps.Add(step);
                            }
                            job.CompletedAt = a.Status == "completed" ? t : null;
                            a.Jobs.Add(job);
                            jobIds.Add(job.Id);
                        }
                    }
                    run.Attempts.Add(a);
                }
                r.AddRun(run);
                return Results.Json(new { id, jobIds, workflowId = workflow.Id });
            }
        });

        // Ground truth for assertions: every run of a repository in API order, compact.
        x0.MapGet("/repos/{owner}/{repo}/runs", (GitHubState s, string owner, string repo) =>
        {
            lock (s.Gate)
            {
                var r = s.FindRepo(owner, repo);
                if (r is null) return Results.NotFound();
                return Results.Json(r.Runs.Select(x => new
                {
                    id = x.Id,
                    workflow_id = x.Workflow.Id,
                    workflow_name = x.Workflow.Name,
                    workflow_path = x.Workflow.Path,
                    head_branch = x.Branch,
                    @event = x.Event,
                    status = x.Latest.Status,
                    conclusion = x.Latest.Conclusion,
                    actor = x.Actor,
                    head_sha = x.HeadSha,
                    created_at = GitHubJson.Time(x.CreatedAt),
                    run_attempt = x.Latest.Number,
                }));
            }
        });

        // Downloads the API redirects to. Counts requests that (wrongly) carried a token here.
        x0.MapGet("/blobs/{**key}", (HttpContext c, GitHubState s, string key) =>
        {
            if (!string.IsNullOrEmpty(c.Request.Headers.Authorization.ToString()))
            {
                Interlocked.Increment(ref s.BlobRequestsWithAuthorization);
            }
            Interlocked.Increment(ref s.BlobRequests);
            return s.Blobs.TryGetValue(key, out var blob) ? Results.Bytes(blob.Bytes, blob.ContentType) : Results.NotFound();
        });
        x0.MapGet("/blobs-stats", (GitHubState s) => Results.Json(new { requests = s.BlobRequests, withAuthorization = s.BlobRequestsWithAuthorization }));
    }

    private static async Task<JsonElement> Body(HttpContext c)
    {
        if (c.Request.ContentLength is 0) return JsonDocument.Parse("{}").RootElement;
        using var doc = await JsonDocument.ParseAsync(c.Request.Body);
        return doc.RootElement.Clone();
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static string[]? Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : null;
}
