namespace X0tta6bl4.Core.Runs;

/// <summary>Where a run comes from.</summary>
public enum RunSource
{
    GitHub,
    Local,
}

/// <summary>
/// One run, from GitHub Actions or from the local store: the engine's shape, mapped one to one onto
/// the pipeline type X0Run by the cmdlets.
/// </summary>
public sealed record RunRecord
{
    public long Id { get; init; }
    public RunSource Source { get; init; }
    /// <summary>owner/name for GitHub runs; for local runs owner/name of the GitHub remote, else the remote URL, else the path.</summary>
    public string Repository { get; init; } = string.Empty;
    public string? Workflow { get; init; }
    public string? WorkflowPath { get; init; }
    public long? WorkflowId { get; init; }
    /// <summary>The run's title (GitHub's display title; for local runs the summary).</summary>
    public string? Name { get; init; }
    public string? Event { get; init; }
    public string? Branch { get; init; }
    public string? Commit { get; init; }
    public string Status { get; init; } = "completed";
    public string? Conclusion { get; init; }
    public string? Actor { get; init; }
    public int Attempt { get; init; } = 1;
    public long? RunNumber { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    /// <summary>Completed runs: start to last update; running ones: start until now.</summary>
    public TimeSpan? Duration { get; init; }
    public string? Url { get; init; }
    public string? Kind { get; init; }
    public string? Version { get; init; }
    public string? Path { get; init; }
    public string? Remote { get; init; }
    public string? Summary { get; init; }
    public string? Host { get; init; }
    public IReadOnlyList<RunJobRecord>? Jobs { get; init; }
}

public sealed record RunJobRecord(long Id, long RunId, int Attempt, string Name, string Status, string? Conclusion,
    DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, string? Url, string? RunnerName, IReadOnlyList<RunStepRecord> Steps)
{
    public TimeSpan? Duration => StartedAt is { } s && CompletedAt is { } c && c >= s ? c - s : null;
}

public sealed record RunStepRecord(int Number, string Name, string Status, string? Conclusion, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt)
{
    public TimeSpan? Duration => StartedAt is { } s && CompletedAt is { } c && c >= s ? c - s : null;
}

/// <summary>One line of a step's log.</summary>
public sealed record RunLogLineRecord(string Repository, long RunId, int Attempt, string Job, long? JobId, string? Step, int? StepNumber,
    string? StepConclusion, int Line, DateTimeOffset? Time, string Text);

/// <summary>What to list. Since/Until apply to the creation time; First/Skip to the combined result.</summary>
public sealed record RunQuery
{
    public IReadOnlyList<string> Repositories { get; init; } = Array.Empty<string>();
    /// <summary>File name (test.yml), id, or name (wildcards allowed).</summary>
    public string? Workflow { get; init; }
    public string? Branch { get; init; }
    public string? Event { get; init; }
    /// <summary>A status (queued, in_progress, completed, …) or a conclusion (success, failure, cancelled, …).</summary>
    public string? Status { get; init; }
    public string? Actor { get; init; }
    public string? Commit { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public long First { get; init; } = 20;
    public long Skip { get; init; }
    public long? Id { get; init; }
    public int? Attempt { get; init; }
    public bool IncludeJobs { get; init; }
    public int ThrottleLimit { get; init; } = 4;

    /// <summary>Filters the API caps at 1,000 results (created is applied by us, so it is not among them).</summary>
    public bool HasCappedFilter => Branch is not null || Event is not null || Status is not null || Actor is not null || Commit is not null;

    public static readonly IReadOnlySet<string> RunStatuses = new HashSet<string>(StringComparer.Ordinal)
        { "queued", "in_progress", "completed", "requested", "waiting", "pending" };
}

/// <summary>The runs of one repository and what the listing said about itself.</summary>
public sealed record RunQueryResult(string Repository, IReadOnlyList<RunRecord> Runs, long? TotalCount, bool Truncated, int Pages, int NotModifiedPages);
