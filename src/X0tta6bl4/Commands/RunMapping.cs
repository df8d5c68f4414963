using X0tta6bl4.Core.Runs;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>Engine records → pipeline types.</summary>
internal static class RunMapping
{
    public static X0Run ToModel(RunRecord r, long? totalCount = null, bool truncated = false) => new()
    {
        Id = r.Id,
        Source = r.Source.ToString(),
        Repository = r.Repository,
        Workflow = r.Workflow,
        WorkflowPath = r.WorkflowPath,
        WorkflowId = r.WorkflowId,
        Name = r.Name,
        Event = r.Event,
        Branch = r.Branch,
        Commit = r.Commit,
        Status = r.Status,
        Conclusion = r.Conclusion,
        Actor = r.Actor,
        Attempt = r.Attempt,
        RunNumber = r.RunNumber,
        CreatedAt = r.CreatedAt,
        StartedAt = r.StartedAt,
        UpdatedAt = r.UpdatedAt,
        Duration = r.Duration,
        Url = r.Url,
        Jobs = r.Jobs?.Select(j => ToModel(j, r.Repository, r.Attempt)).ToArray(),
        Kind = r.Kind,
        Version = r.Version,
        Path = r.Path,
        Remote = r.Remote,
        Summary = r.Summary,
        Host = r.Host,
        TotalCount = totalCount,
        Truncated = truncated,
    };

    public static X0RunJob ToModel(RunJobRecord j, string repository, int attempt) => new()
    {
        Id = j.Id,
        RunId = j.RunId,
        Attempt = j.Attempt > 0 ? j.Attempt : attempt,
        Repository = repository,
        Name = j.Name,
        Status = j.Status,
        Conclusion = j.Conclusion,
        StartedAt = j.StartedAt,
        CompletedAt = j.CompletedAt,
        Duration = j.Duration,
        Url = j.Url,
        RunnerName = j.RunnerName,
        Steps = j.Steps.Select(s => new X0RunStep
        {
            Job = j.Name,
            Number = s.Number,
            Name = s.Name,
            Status = s.Status,
            Conclusion = s.Conclusion,
            StartedAt = s.StartedAt,
            CompletedAt = s.CompletedAt,
            Duration = s.Duration,
        }).ToArray(),
    };

    public static X0RunLogLine ToModel(RunLogLineRecord l) => new()
    {
        Repository = l.Repository,
        RunId = l.RunId,
        Attempt = l.Attempt,
        Job = l.Job,
        JobId = l.JobId,
        Step = l.Step,
        StepNumber = l.StepNumber,
        Conclusion = l.StepConclusion,
        Line = l.Line,
        Time = l.Time,
        Text = l.Text,
    };
}
