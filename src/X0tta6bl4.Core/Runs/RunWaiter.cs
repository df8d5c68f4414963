using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;

namespace X0tta6bl4.Core.Runs;

/// <summary>
/// Follows a run until it completes: conditional polls (an unchanged run costs no rate limit),
/// progress with the run's status, a bounded total wait.
/// </summary>
public sealed class RunWaiter
{
    private readonly IWorkflowRuns _runs;

    public RunWaiter(IWorkflowRuns runs) => _runs = runs;

    /// <summary>Replaced by tests to avoid real sleeps.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    public async Task<RunRecord> WaitAsync(string repository, long runId, TimeSpan interval, TimeSpan timeout, X0Context context)
    {
        var repo = GitHubRepositoryName.Parse(repository);
        var started = DateTimeOffset.UtcNow;
        var polls = 0;
        while (true)
        {
            var (run, notModified) = await _runs.PollRunAsync(repo, runId, context.Cancellation).ConfigureAwait(false);
            polls++;
            var elapsed = DateTimeOffset.UtcNow - started;
            context.Progress.Report(new X0Progress($"Wait-X0Run {repo} {runId}", $"{run.Status}{(run.Conclusion is null ? "" : " · " + run.Conclusion)} · {elapsed:hh\\:mm\\:ss}",
                -1, Id: 3, CurrentOperation: run.Name));
            context.Log.Verbose($"Poll {polls}: {run.Status}{(notModified ? " (not modified)" : "")}");
            if (run.Status == "completed")
            {
                context.Progress.Report(new X0Progress($"Wait-X0Run {repo} {runId}", "completed", 100, Id: 3, Completed: true));
                return run;
            }
            if (elapsed + interval > timeout)
            {
                throw new X0Exception(ErrorIds.RunWaitTimeout, X0ErrorCategory.OperationTimeout,
                    $"run {runId} of {repo} to complete within {timeout}", $"it is still {run.Status} after {elapsed:hh\\:mm\\:ss}",
                    "Wait longer with -Timeout, or look at it with Get-X0Run -Id " + runId, $"{repo} {runId}");
            }
            await Delay(interval, context.Cancellation).ConfigureAwait(false);
        }
    }
}
