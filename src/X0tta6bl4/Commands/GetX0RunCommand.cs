using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Runs;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Gets runs as objects: GitHub Actions workflow runs of one or many repositories, or the local history of X0 cmdlet runs.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "X0Run", DefaultParameterSetName = ListSet, SupportsPaging = true)]
[OutputType(typeof(X0Run))]
public sealed class GetX0RunCommand : X0GitHubCmdlet
{
    private const string ListSet = "List";
    private const string IdSet = "Id";
    private const int DefaultFirst = 20;
    private readonly List<(string[]? Repositories, long? Id, int? Attempt, string Source)> _requests = new();

    /// <summary>owner/name; many at once. Default: the origin remote of the current location.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Repository { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Workflow { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? Branch { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? Event { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("queued", "in_progress", "completed", "requested", "waiting", "pending",
        "success", "failure", "cancelled", "skipped", "timed_out", "action_required", "neutral", "stale")]
    public string? Status { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? Actor { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [Alias("HeadSha", "Sha")]
    [ValidateNotNullOrEmpty]
    public string? Commit { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    public DateTime? Since { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    public DateTime? Until { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    public long Id { get; set; }

    [Parameter(ParameterSetName = IdSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Attempt { get; set; }

    [Parameter]
    public SwitchParameter IncludeJobs { get; set; }

    /// <summary>GitHub (default) or Local. Binds from the Source property of piped runs.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet("GitHub", "Local")]
    public string? Source { get; set; }

    /// <summary>Shorthand for -Source Local.</summary>
    [Parameter]
    public SwitchParameter Local { get; set; }

    [Parameter]
    [ValidateRange(1, 32)]
    public int ThrottleLimit { get; set; } = 4;

    protected override bool RecordsRuns => false;

    protected override void ProcessRecord()
    {
        var source = Local ? "Local" : Source ?? "GitHub";
        if (Local && Source is "GitHub")
        {
            WriteError(ErrorRecordFactory.Create(new X0Exception(ErrorIds.RunSourceMismatch, X0ErrorCategory.InvalidArgument,
                "one source", "-Local together with -Source GitHub", "Use either -Local or -Source GitHub")));
            return;
        }
        _requests.Add((Repository, ParameterSetName == IdSet ? Id : null, ParameterSetName == IdSet && Attempt > 0 ? Attempt : null, source));
    }

    protected override void EndProcessing()
    {
        if (_requests.Count == 0) return;
        var token = _requests.Any(r => r.Source == "GitHub") ? ResolveToken() : null;
        var location = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        RunWorker(scope => RunAsync(scope, token, location));
    }

    private (long First, long Skip) Paging()
    {
        var first = MyInvocation.BoundParameters.ContainsKey("First") ? PagingParameters.First : DefaultFirst;
        return ((long)Math.Min(first, (ulong)int.MaxValue), (long)Math.Min(PagingParameters.Skip, (ulong)int.MaxValue));
    }

    private async Task RunAsync(WorkerScope scope, string? token, string location)
    {
        var (first, skip) = Paging();
        var environment = ProcessEnvironment.Snapshot();
        var local = _requests.Where(r => r.Source == "Local").ToList();
        var github = _requests.Where(r => r.Source == "GitHub").ToList();
        long total = 0;
        // With -IncludeTotalCount the count comes first, as PowerShell's paging convention has it,
        // so the runs are held back until it is known.
        var held = PagingParameters.IncludeTotalCount ? new List<X0Run>() : null;
        void Emit(X0Run run)
        {
            if (held is null) scope.WriteObject(run);
            else held.Add(run);
        }

        if (local.Count > 0)
        {
            using var store = LocalRunStore.TryOpen(StateDirectory.StorePath(environment), scope);
            if (store is not null)
            {
                foreach (var r in local)
                {
                    foreach (var repo in r.Repositories ?? new string?[] { null })
                    {
                        var runs = store.Query(new LocalRunQuery
                        {
                            Repository = repo, Workflow = Workflow, Branch = Branch, Event = Event, Status = Status, Actor = Actor, Commit = Commit,
                            Since = ToOffset(Since), Until = ToOffset(Until), Id = r.Id, First = first, Skip = skip,
                        });
                        total += runs.Count;
                        foreach (var run in runs) Emit(RunMapping.ToModel(run));
                    }
                }
            }
        }

        if (github.Count > 0)
        {
            IDisposable? storeHandle;
            using var gateway = CreateGateway(scope, token, withCache: true, out storeHandle);
            using var _ = storeHandle;
            var reader = new GitHubRunReader(gateway.WorkflowRuns);
            foreach (var group in github.GroupBy(r => (r.Id, r.Attempt)))
            {
                var repositories = group.SelectMany(r => r.Repositories ?? new[] { GitHubRepositoryLocator.FromWorkingDirectory(location, environment).FullName })
                    .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                var query = new RunQuery
                {
                    Repositories = repositories,
                    Workflow = Workflow, Branch = Branch, Event = Event, Status = Status, Actor = Actor, Commit = Commit,
                    Since = ToOffset(Since), Until = ToOffset(Until),
                    First = first, Skip = skip,
                    Id = group.Key.Id, Attempt = group.Key.Attempt,
                    IncludeJobs = IncludeJobs, ThrottleLimit = ThrottleLimit,
                };
                await reader.QueryAsync(query, scope.Context, result =>
                {
                    total += result.TotalCount ?? result.Runs.Count;
                    scope.Verbose($"{result.Repository}: {result.Runs.Count} run(s) of {result.TotalCount} in {result.Pages} page(s), {result.NotModifiedPages} not modified");
                    foreach (var run in result.Runs) Emit(RunMapping.ToModel(run, result.TotalCount, result.Truncated));
                }).ConfigureAwait(false);
            }
            ReportRateLimit(scope, gateway);
        }
        if (held is not null)
        {
            scope.WriteObject(PagingParameters.NewTotalCount((ulong)total, 1.0));
            foreach (var run in held) scope.WriteObject(run);
        }
    }

    private static DateTimeOffset? ToOffset(DateTime? value) => value is null ? null
        : value.Value.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(value.Value, DateTimeKind.Local))
        : new DateTimeOffset(value.Value);
}
