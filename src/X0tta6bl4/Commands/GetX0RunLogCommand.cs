using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Runs;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Gets the log lines of a GitHub Actions run as objects, per job and step; -Failed keeps the failed steps only.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "X0RunLog")]
[OutputType(typeof(X0RunLogLine))]
public sealed class GetX0RunLogCommand : X0GitHubCmdlet
{
    /// <summary>The run id. Binds from the Id of piped X0Run objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    public long Id { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Repository { get; set; }

    /// <summary>The attempt (default: the latest).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, int.MaxValue)]
    public int Attempt { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Job { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Step { get; set; }

    [Parameter]
    public SwitchParameter Failed { get; set; }

    /// <summary>Binds from piped runs: local runs have no log archive.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet("GitHub", "Local")]
    public string? Source { get; set; }

    protected override bool RecordsRuns => false;

    protected override void ProcessRecord()
    {
        if (Source == "Local")
        {
            WriteError(ErrorRecordFactory.Create(new X0Exception(ErrorIds.RunSourceMismatch, X0ErrorCategory.InvalidArgument,
                "a GitHub Actions run", $"local run {Id}, which has no log archive", "Its outcome is in the Summary and Conclusion properties of Get-X0Run -Local"), Id));
            return;
        }
        var token = ResolveToken();
        var location = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        RunWorker(scope => RunAsync(scope, token, location));
    }

    private async Task RunAsync(WorkerScope scope, string? token, string location)
    {
        var repository = Repository ?? GitHubRepositoryLocator.FromWorkingDirectory(location, ProcessEnvironment.Snapshot()).FullName;
        using var gateway = CreateGateway(scope, token, withCache: false, out _);
        var reader = new RunLogReader(gateway.WorkflowRuns);
        var lines = await reader.ReadAsync(new RunLogRequest(repository, Id, Attempt > 0 ? Attempt : null, Job, Step, Failed), scope.Context).ConfigureAwait(false);
        foreach (var line in lines) scope.WriteObject(RunMapping.ToModel(line));
        ReportRateLimit(scope, gateway);
    }
}
