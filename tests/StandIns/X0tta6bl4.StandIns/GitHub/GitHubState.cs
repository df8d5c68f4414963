using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace X0tta6bl4.StandIns.GitHub;

/// <summary>
/// Everything the GitHub stand-in knows: repositories with workflows, runs (with attempts), jobs with
/// steps and log archives; accepted tokens; the primary rate limit; injected faults; request counters.
/// One lock guards it all: the stand-in is small and correctness beats throughput here.
/// </summary>
public sealed class GitHubState
{
    public readonly object Gate = new();
    private long _nextId = 1_000_000;

    public string UpstreamBase { get; set; } = "http://127.0.0.1";
    /// <summary>The URL clients use for the API (prism when the contract is checked, else the upstream): upload_url points here.</summary>
    public string PublicApiBase { get; set; } = "http://127.0.0.1";
    public Dictionary<string, RepoState> Repos { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Accepted tokens and their permissions (empty: every request is accepted, like a public repo).</summary>
    public Dictionary<string, Dictionary<string, string>> Tokens { get; } = new(StringComparer.Ordinal);
    public RateLimitState RateLimit { get; } = new();
    public List<Fault> Faults { get; } = new();
    public Stats Stats { get; } = new();
    /// <summary>Served for downloads that the API redirects to (log archives; release assets later).</summary>
    public ConcurrentDictionary<string, (string ContentType, byte[] Bytes)> Blobs { get; } = new();
    /// <summary>When false the total_count of a filtered listing is capped at 1,000 too.</summary>
    public bool ReportTrueTotalCount { get; set; } = true;
    public int BlobRequests;
    public int BlobRequestsWithAuthorization;

    /// <summary>Errors prism reported (a request or response that breaks GitHub's published contract).</summary>
    public List<string> ContractErrors { get; } = new();

    public void AddContractError(string line)
    {
        lock (ContractErrors) ContractErrors.Add(line);
    }

    public long NextId() => Interlocked.Increment(ref _nextId);

    public RepoState GetOrCreateRepo(string owner, string name)
    {
        var key = owner + "/" + name;
        if (!Repos.TryGetValue(key, out var repo))
        {
            repo = new RepoState { Id = NextId(), Owner = owner, Name = name };
            Repos[key] = repo;
        }
        return repo;
    }

    public RepoState? FindRepo(string owner, string name) => Repos.GetValueOrDefault(owner + "/" + name);

    public void Reset()
    {
        Repos.Clear();
        Tokens.Clear();
        Faults.Clear();
        Blobs.Clear();
        RateLimit.Reset(5000);
        Stats.Reset();
        ReportTrueTotalCount = true;
        BlobRequests = 0;
        BlobRequestsWithAuthorization = 0;
    }
}

public sealed class RepoState
{
    public long Id { get; init; }
    public required string Owner { get; init; }
    public required string Name { get; init; }
    public bool Private { get; set; }
    public string DefaultBranch { get; set; } = "main";
    public List<WorkflowState> Workflows { get; } = new();
    /// <summary>Runs ordered newest first (the API's order).</summary>
    public List<RunState> Runs { get; } = new();
    public Dictionary<long, RunState> RunsById { get; } = new();
    /// <summary>Releases (drafts included) in creation order.</summary>
    public List<GitHubRelease> Releases { get; } = new();
    /// <summary>The repository setting "immutable releases": a published release's assets and tag can no longer change.</summary>
    public bool ImmutableReleases { get; set; }
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow.AddDays(-400);
    public string FullName => Owner + "/" + Name;

    public void AddRun(RunState run)
    {
        RunsById[run.Id] = run;
        var index = Runs.FindIndex(r => r.CreatedAt < run.CreatedAt || (r.CreatedAt == run.CreatedAt && r.Id < run.Id));
        if (index < 0) Runs.Add(run);
        else Runs.Insert(index, run);
    }

    public WorkflowState? FindWorkflow(string idOrFile) =>
        Workflows.FirstOrDefault(w => w.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == idOrFile
            || string.Equals(Path.GetFileName(w.Path), idOrFile, StringComparison.Ordinal));
}

public sealed class WorkflowState
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public required string Path { get; init; }
    public string State { get; set; } = "active";
    public DateTimeOffset CreatedAt { get; init; }
}

public sealed class RunState
{
    public long Id { get; init; }
    public required WorkflowState Workflow { get; init; }
    public long RunNumber { get; init; }
    public required string Title { get; init; }
    public required string Branch { get; init; }
    public required string Event { get; init; }
    public required string HeadSha { get; init; }
    public required string Actor { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public long CheckSuiteId { get; init; }
    /// <summary>Attempt 1..n; the run object shows the latest.</summary>
    public List<AttemptState> Attempts { get; } = new();
    public AttemptState Latest => Attempts[^1];
}

public sealed class AttemptState
{
    public int Number { get; init; }
    public string Status { get; set; } = "completed";
    public string? Conclusion { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>For Wait tests: GETs of the run left before it completes with <see cref="PendingConclusion"/>.</summary>
    public int PollsUntilComplete { get; set; } = -1;
    public string PendingConclusion { get; set; } = "success";
    public List<JobState>? Jobs { get; set; }
    /// <summary>"steps" (a folder per job with N_step.txt files, as the API long served) or "job" (one file per job only).</summary>
    public string LogLayout { get; set; } = "steps";
}

public sealed class JobState
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public string Status { get; set; } = "completed";
    public string? Conclusion { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string RunnerName { get; set; } = "GitHub Actions 2";
    public List<string> Labels { get; } = new() { "ubuntu-latest" };
    public List<StepState> Steps { get; } = new();
}

public sealed class StepState
{
    public int Number { get; init; }
    public required string Name { get; init; }
    public string Status { get; set; } = "completed";
    public string? Conclusion { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public List<string> Log { get; } = new();
}

public sealed class RateLimitState
{
    public int Limit { get; private set; } = 5000;
    public int Remaining { get; set; } = 5000;
    public DateTimeOffset ResetAt { get; set; } = DateTimeOffset.UtcNow.AddHours(1);

    public void Reset(int limit)
    {
        Limit = limit;
        Remaining = limit;
        ResetAt = DateTimeOffset.UtcNow.AddHours(1);
    }

    public void Set(int limit, int remaining, DateTimeOffset resetAt)
    {
        Limit = limit;
        Remaining = remaining;
        ResetAt = resetAt;
    }

    /// <summary>A new window opens at the reset time, as on GitHub.</summary>
    public void Roll(DateTimeOffset now)
    {
        if (now >= ResetAt)
        {
            Remaining = Limit;
            ResetAt = now.AddHours(1);
        }
    }
}

/// <summary>An answer to give instead of the real one, for requests matching Method and PathPattern.</summary>
public sealed class Fault
{
    public string? Method { get; init; }
    public required Regex PathPattern { get; init; }
    public int Status { get; init; } = 500;
    public Dictionary<string, string> Headers { get; init; } = new();
    public string? Body { get; init; }
    /// <summary>How many more matching requests get the fault (-1: all).</summary>
    public int Times { get; set; } = 1;
    /// <summary>Matching requests to let through before the first fault.</summary>
    public int After { get; set; }
    public int Hits { get; set; }
    /// <summary>Uploads only: read this many bytes of the body, leave the asset in state "open", then answer the fault (status 0: drop the connection).</summary>
    public int? CutAfterBytes { get; init; }
    /// <summary>Let the request take effect first, then answer the fault instead of the real answer (a 502 after the create happened).</summary>
    public bool Apply { get; init; }
    /// <summary>Hold the request this long first (a slow network or a large upload).</summary>
    public int DelayMs { get; init; }
    /// <summary>Only delay: the request then goes on as usual (a fault given delayMs and no status).</summary>
    public bool PassThrough { get; init; }
}

/// <summary>Counters the tests assert on.</summary>
public sealed class Stats
{
    private readonly object _gate = new();
    public int Requests;
    public int NotModified;
    public int RateLimited;
    public int Faulted;
    public int Unauthorized;
    public int ConditionalRequests;
    public int Authenticated;
    /// <summary>API requests with a mutating method (POST, PATCH, PUT, DELETE), whatever their answer.</summary>
    public int Mutations;
    public Dictionary<string, int> ByRoute { get; } = new(StringComparer.Ordinal);
    public List<string> Log { get; } = new();

    public void Count(string method, string route, string pathAndQuery)
    {
        lock (_gate)
        {
            Requests++;
            if (method is not ("GET" or "HEAD" or "OPTIONS")) Mutations++;
            var key = method + " " + route;
            ByRoute[key] = ByRoute.GetValueOrDefault(key) + 1;
            if (Log.Count < 5000) Log.Add(method + " " + pathAndQuery);
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            Requests = NotModified = RateLimited = Faulted = Unauthorized = ConditionalRequests = Authenticated = Mutations = 0;
            ByRoute.Clear();
            Log.Clear();
        }
    }

    public object Snapshot(RateLimitState limit)
    {
        lock (_gate)
        {
            return new
            {
                rateLimitRemaining = limit.Remaining,
                requests = Requests,
                notModified = NotModified,
                rateLimited = RateLimited,
                faulted = Faulted,
                unauthorized = Unauthorized,
                conditionalRequests = ConditionalRequests,
                authenticated = Authenticated,
                mutations = Mutations,
                byRoute = new Dictionary<string, int>(ByRoute),
                log = Log.ToList(),
            };
        }
    }
}

/// <summary>Deterministic content: the same seed always gives the same runs, jobs, steps and logs.</summary>
public static class GitHubSeeder
{
    public static readonly string[] DefaultBranches = { "main", "develop", "feat/anomaly-detection", "fix/executor-deadlock" };
    public static readonly string[] DefaultEvents = { "push", "pull_request", "schedule", "workflow_dispatch" };
    public static readonly string[] DefaultActors = { "octocat", "monalisa", "hubot" };

    public static IReadOnlyList<WorkflowState> EnsureWorkflows(GitHubState state, RepoState repo, IEnumerable<(string Name, string Path)> workflows, DateTimeOffset createdAt)
    {
        var result = new List<WorkflowState>();
        foreach (var (name, path) in workflows)
        {
            var existing = repo.Workflows.FirstOrDefault(w => w.Path == path);
            if (existing is null)
            {
                existing = new WorkflowState { Id = state.NextId(), Name = name, Path = path, CreatedAt = createdAt };
                repo.Workflows.Add(existing);
            }
            result.Add(existing);
        }
        return result;
    }

    /// <summary>
    /// Adds <paramref name="count"/> runs, oldest first, one every <paramref name="spacing"/>; the
    /// newest few are still queued or in progress; conclusions cycle through success/failure/cancelled/skipped.
    /// </summary>
    public static void SeedRuns(GitHubState state, RepoState repo, int count, int seed, IReadOnlyList<WorkflowState> workflows,
        string[] branches, string[] events, string[] actors, DateTimeOffset start, TimeSpan spacing, int inProgress)
    {
        var random = new Random(seed);
        var numbers = workflows.ToDictionary(w => w.Id, w => (long)repo.Runs.Count(r => r.Workflow.Id == w.Id));
        for (var i = 0; i < count; i++)
        {
            var workflow = workflows[random.Next(workflows.Count)];
            var created = start + spacing * i;
            var runId = state.NextId();
            var run = new RunState
            {
                Id = runId,
                Workflow = workflow,
                RunNumber = ++numbers[workflow.Id],
                Title = Titles[random.Next(Titles.Length)],
                Branch = branches[random.Next(branches.Length)],
                Event = events[random.Next(events.Length)],
                HeadSha = Sha(seed, i),
                Actor = actors[random.Next(actors.Length)],
                CreatedAt = created,
                CheckSuiteId = runId + 500_000_000,
            };
            var attempts = random.Next(10) == 0 ? 2 : 1;
            for (var a = 1; a <= attempts; a++)
            {
                var roll = random.Next(100);
                var conclusion = roll < 70 ? "success" : roll < 88 ? "failure" : roll < 95 ? "cancelled" : "skipped";
                var attempt = new AttemptState
                {
                    Number = a,
                    Conclusion = conclusion,
                    StartedAt = created + TimeSpan.FromSeconds(5 + (a - 1) * 600),
                    UpdatedAt = created + TimeSpan.FromSeconds(5 + (a - 1) * 600 + 30 + random.Next(600)),
                };
                run.Attempts.Add(attempt);
            }
            if (i >= count - inProgress)
            {
                var latest = run.Latest;
                latest.Status = (count - i) % 2 == 0 ? "queued" : "in_progress";
                latest.Conclusion = null;
            }
            repo.AddRun(run);
        }
    }

    /// <summary>Jobs of a seeded attempt: build (setup, install, lint) and test (setup, install, pytest, report).</summary>
    public static List<JobState> JobsFor(GitHubState state, RunState run, AttemptState attempt)
    {
        if (attempt.Jobs is not null) return attempt.Jobs;
        var jobs = new List<JobState>();
        var t = attempt.StartedAt;
        var failed = attempt.Conclusion == "failure";
        foreach (var (name, steps) in new[]
                 {
                     ("build", new[] { "Set up job", "Run actions/checkout@v4", "Install dependencies", "Lint (flake8)", "Complete job" }),
                     ("test (3.12)", new[] { "Set up job", "Run actions/checkout@v4", "Install dependencies", "Run pytest", "Complete job" }),
                 })
        {
            var job = new JobState { Id = state.NextId(), Name = name, StartedAt = t };
            var jobFailed = failed && name.StartsWith("test", StringComparison.Ordinal);
            for (var s = 0; s < steps.Length; s++)
            {
                var started = t;
                t += TimeSpan.FromSeconds(3 + s);
                var step = new StepState { Number = s + 1, Name = steps[s], StartedAt = started, CompletedAt = t };
                var stepFailed = jobFailed && steps[s] == "Run pytest";
                step.Conclusion = attempt.Status != "completed" ? null
                    : stepFailed ? "failure"
                    : jobFailed && s > 3 ? "skipped"
                    : attempt.Conclusion == "cancelled" && s > 2 ? "cancelled"
                    : "success";
                step.Status = attempt.Status == "completed" ? "completed" : s == 0 ? "completed" : "queued";
                if (stepFailed)
                {
                    step.Log.Add("============================= test session starts ==============================");
                    step.Log.Add("collected 67 items");
                    step.Log.Add("tests/test_executor.py::test_parallel_execute FAILED");
                    step.Log.Add("E   AssertionError: deadlock detected after 5.0s");
                    step.Log.Add("=================== 1 failed, 66 passed in 12.34s ===================");
                    step.Log.Add("##[error]Process completed with exit code 1.");
                }
                else
                {
                    step.Log.Add($"{steps[s]}: started");
                    step.Log.Add($"{steps[s]}: done");
                }
                job.Steps.Add(step);
            }
            job.Status = attempt.Status == "completed" ? "completed" : attempt.Status;
            job.Conclusion = attempt.Status != "completed" ? null
                : jobFailed ? "failure"
                : attempt.Conclusion == "failure" ? "success"
                : attempt.Conclusion;
            job.CompletedAt = attempt.Status == "completed" ? t : null;
            jobs.Add(job);
        }
        attempt.Jobs = jobs;
        return jobs;
    }

    /// <summary>The run's log archive as the API serves it: per job a file N_job.txt and (layout "steps") a folder job/ with N_step.txt.</summary>
    public static byte[] LogArchive(IReadOnlyList<JobState> jobs, string layout)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var j = 0; j < jobs.Count; j++)
            {
                var job = jobs[j];
                var jobText = new StringBuilder();
                foreach (var step in job.Steps)
                {
                    var stepText = new StringBuilder();
                    var time = step.StartedAt ?? job.StartedAt;
                    foreach (var line in step.Log)
                    {
                        var stamped = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture) + "Z " + line;
                        stepText.Append(stamped).Append("\r\n");
                        time += TimeSpan.FromMilliseconds(100);
                    }
                    jobText.Append(stepText);
                    if (layout == "steps")
                    {
                        Write(zip, $"{SafeName(job.Name)}/{step.Number}_{SafeName(step.Name)}.txt", stepText.ToString());
                    }
                }
                Write(zip, $"{j}_{SafeName(job.Name)}.txt", jobText.ToString());
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Characters the archive leaves out of file names.</summary>
    public static string SafeName(string name) => Regex.Replace(name, "[/\\\\:*?\"<>|]", "");

    private static void Write(ZipArchive zip, string name, string text)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var s = entry.Open();
        var bytes = new UTF8Encoding(true).GetBytes(text);
        s.Write(new UTF8Encoding(true).GetPreamble());
        s.Write(bytes);
    }

    private static string Sha(int seed, int i)
    {
        var bytes = System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes($"{seed}:{i}"));
        return Convert.ToHexString(bytes).ToLowerInvariant();
    }

    private static readonly string[] Titles =
    {
        "feat: add ML-based anomaly detection",
        "fix: resolve deadlock in executor",
        "perf: optimize analyzer by 30%",
        "test: add integration tests",
        "docs: update README",
        "chore(deps): bump pytest",
        "refactor: split planner",
    };
}
