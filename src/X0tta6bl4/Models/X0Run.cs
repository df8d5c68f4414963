namespace X0tta6bl4.Models;

/// <summary>
/// One run: a GitHub Actions workflow run, or a run of an X0 cmdlet from the local run store.
/// <see cref="Repository"/>, <see cref="Id"/>, <see cref="Attempt"/> and <see cref="Source"/> bind by
/// property name to Get-X0RunLog, Wait-X0Run and Get-X0Run -Id.
/// </summary>
public sealed class X0Run
{
    public long Id { get; init; }
    /// <summary>GitHub or Local.</summary>
    public string Source { get; init; } = "GitHub";
    /// <summary>owner/name (local runs: of the origin remote, else its URL, else the path).</summary>
    public string Repository { get; init; } = string.Empty;
    /// <summary>The workflow's name (local runs: the cmdlet, e.g. Step-X0Version).</summary>
    public string? Workflow { get; init; }
    /// <summary>The workflow file, e.g. .github/workflows/test.yml.</summary>
    public string? WorkflowPath { get; init; }
    public long? WorkflowId { get; init; }
    /// <summary>The run's title (GitHub's display title, usually the commit message; local runs: the summary).</summary>
    public string? Name { get; init; }
    public string? Event { get; init; }
    public string? Branch { get; init; }
    public string? Commit { get; init; }
    /// <summary>queued, in_progress, completed, …</summary>
    public string Status { get; init; } = "completed";
    /// <summary>success, failure, cancelled, skipped, timed_out, … (null while running).</summary>
    public string? Conclusion { get; init; }
    public string? Actor { get; init; }
    public int Attempt { get; init; } = 1;
    public long? RunNumber { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public TimeSpan? Duration { get; init; }
    public string? Url { get; init; }
    /// <summary>With -IncludeJobs: the jobs of this attempt with their steps.</summary>
    public X0RunJob[]? Jobs { get; init; }
    /// <summary>Local runs: Version, Test, Image, Release…</summary>
    public string? Kind { get; init; }
    /// <summary>Local runs: the version the run produced or worked on.</summary>
    public string? Version { get; init; }
    /// <summary>Local runs: the project path.</summary>
    public string? Path { get; init; }
    /// <summary>Local runs: the origin remote (without credentials).</summary>
    public string? Remote { get; init; }
    public string? Summary { get; init; }
    public string? Host { get; init; }
    /// <summary>How many runs matched the listing this run came from (GitHub's total_count).</summary>
    public long? TotalCount { get; init; }
    /// <summary>True when GitHub's 1,000-result cap on filtered listings cut the listing this run came from.</summary>
    public bool Truncated { get; init; }

    public override string ToString() => $"{Repository} {Id}";
}

/// <summary>A job of a run, with its steps.</summary>
public sealed class X0RunJob
{
    public long Id { get; init; }
    public long RunId { get; init; }
    public int Attempt { get; init; }
    public string Repository { get; init; } = string.Empty;
    public string Name { get; init; } = string.Empty;
    public string Status { get; init; } = string.Empty;
    public string? Conclusion { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public TimeSpan? Duration { get; init; }
    public string? Url { get; init; }
    public string? RunnerName { get; init; }
    public X0RunStep[] Steps { get; init; } = Array.Empty<X0RunStep>();

    public override string ToString() => Name;
}

/// <summary>A step of a job.</summary>
public sealed class X0RunStep
{
    public string Job { get; init; } = string.Empty;
    public int Number { get; init; }
    public string Name { get; init; } = string.Empty;
    public string Status { get; init; } = string.Empty;
    public string? Conclusion { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public TimeSpan? Duration { get; init; }

    public override string ToString() => $"{Number} {Name}";
}

/// <summary>One line of a step's log.</summary>
public sealed class X0RunLogLine
{
    public string Repository { get; init; } = string.Empty;
    public long RunId { get; init; }
    public int Attempt { get; init; }
    public string Job { get; init; } = string.Empty;
    public long? JobId { get; init; }
    public string? Step { get; init; }
    public int? StepNumber { get; init; }
    /// <summary>The step's conclusion (failure for lines of a failed step).</summary>
    public string? Conclusion { get; init; }
    /// <summary>Line number within the step's log, from 1.</summary>
    public int Line { get; init; }
    public DateTimeOffset? Time { get; init; }
    public string Text { get; init; } = string.Empty;

    public override string ToString() => Text;
}
