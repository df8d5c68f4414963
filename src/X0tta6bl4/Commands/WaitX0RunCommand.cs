using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Runs;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Waits for a GitHub Actions run to complete, with progress, and returns the final run.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "X0Run")]
[OutputType(typeof(X0Run))]
public sealed class WaitX0RunCommand : X0GitHubCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    public long Id { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Repository { get; set; }

    /// <summary>Time between polls (a number is seconds). Default 10 s.</summary>
    [Parameter]
    [SecondsToTimeSpan]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait (a number is seconds). Default one hour.</summary>
    [Parameter]
    [SecondsToTimeSpan]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(1);

    [Parameter]
    public SwitchParameter IncludeJobs { get; set; }

    /// <summary>Binds from piped runs: local runs are already complete.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet("GitHub", "Local")]
    public string? Source { get; set; }

    protected override bool RecordsRuns => false;

    protected override void ProcessRecord()
    {
        if (Source == "Local")
        {
            WriteError(ErrorRecordFactory.Create(new X0Exception(ErrorIds.RunSourceMismatch, X0ErrorCategory.InvalidArgument,
                "a GitHub Actions run", $"local run {Id}, which completed when its cmdlet returned", "Use Get-X0Run -Local -Id " + Id), Id));
            return;
        }
        if (Interval <= TimeSpan.Zero)
        {
            WriteError(ErrorRecordFactory.Create(new X0Exception(ErrorIds.InvalidArgument, X0ErrorCategory.InvalidArgument,
                "a positive -Interval", Interval.ToString(), "Pass -Interval 10 (seconds)")));
            return;
        }
        var token = ResolveToken();
        var location = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        RunWorker(scope => RunAsync(scope, token, location));
    }

    private async Task RunAsync(WorkerScope scope, string? token, string location)
    {
        var repository = Repository ?? GitHubRepositoryLocator.FromWorkingDirectory(location, ProcessEnvironment.Snapshot()).FullName;
        IDisposable? store;
        using var gateway = CreateGateway(scope, token, withCache: true, out store);
        using var _ = store;
        var run = await new RunWaiter(gateway.WorkflowRuns).WaitAsync(repository, Id, Interval, Timeout, scope.Context).ConfigureAwait(false);
        if (IncludeJobs)
        {
            run = run with { Jobs = await gateway.WorkflowRuns.ListJobsAsync(GitHubRepositoryName.Parse(repository), Id, run.Attempt, scope.Cancellation).ConfigureAwait(false) };
        }
        if (run.Conclusion is not null and not "success" and not "skipped" and not "neutral")
        {
            scope.Warning($"Run {Id} of {repository} completed with conclusion '{run.Conclusion}'.");
        }
        scope.WriteObject(RunMapping.ToModel(run));
        ReportRateLimit(scope, gateway);
    }
}
