using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Builds a container image through the Docker Engine API with tags from the version and git, pushes it and verifies the digest.</para>
/// </summary>
// "Build" is an approved verb (Lifecycle) since PowerShell 6; PowerShellStandard 5.1 has no constant for it.
[Cmdlet("Build", "X0Image", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BuildSet)]
[OutputType(typeof(X0Image))]
public sealed class BuildX0ImageCommand : X0Cmdlet
{
    private const string BuildSet = "Build";
    private const string PromoteSet = "Promote";

    /// <summary>Project root (configuration, git, metadata). Binds from Path/FullName of piped objects.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    [Parameter(ParameterSetName = BuildSet)]
    public string? Context { get; set; }

    [Parameter(ParameterSetName = BuildSet)]
    public string? Dockerfile { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Repository { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Tag { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Version { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    [Parameter(ParameterSetName = BuildSet)]
    public Hashtable? BuildArg { get; set; }

    [Parameter(ParameterSetName = BuildSet)]
    public Hashtable? Label { get; set; }

    [Parameter(ParameterSetName = BuildSet)]
    public SwitchParameter NoCache { get; set; }

    [Parameter(ParameterSetName = BuildSet)]
    public SwitchParameter Pull { get; set; }

    [Parameter(ParameterSetName = BuildSet)]
    public SwitchParameter Push { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PromoteSet)]
    public SwitchParameter Promote { get; set; }

    [Parameter(ParameterSetName = PromoteSet, ValueFromPipelineByPropertyName = true)]
    [ValidatePattern("^sha256:[0-9a-f]{64}$")]
    public string? Digest { get; set; }

    [Parameter(ParameterSetName = PromoteSet)]
    [ValidateNotNullOrEmpty]
    public string? SourceTag { get; set; }

    protected override void ProcessRecord()
    {
        var root = Resolve(Path) ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        var context = Resolve(Context);
        var dockerfile = Resolve(Dockerfile);
        RunWorker(scope => RunAsync(scope, root, context, dockerfile));
    }

    private async Task RunAsync(WorkerScope scope, string root, string? context, string? dockerfile)
    {
        var request = new BuildImageRequest
        {
            Path = root,
            Context = context,
            Dockerfile = dockerfile,
            Repository = Repository,
            Tags = Tag,
            Version = Version,
            Target = Target,
            BuildArgs = ToMap(BuildArg),
            Labels = ToMap(Label),
            NoCache = NoCache,
            Pull = Pull,
            Push = Push,
            Credential = Credential is null ? null : new RegistryCredential(Credential.UserName, Credential.GetNetworkCredential().Password, "-Credential"),
            Promote = Promote,
            Digest = Digest,
            SourceTag = SourceTag,
            Environment = ProcessEnvironment.Snapshot(),
        };
        var operation = new BuildImage();
        var plan = await operation.PlanAsync(request, scope.Context).ConfigureAwait(false);
        var tags = string.Join(", ", plan.Tags.Names);

        bool push;
        if (plan.Promote)
        {
            if (!await scope.ShouldProcessAsync(plan.Describe(), $"Add tags {tags} to {plan.Repository.DigestReference(plan.SourceDigest!)}?", "Build-X0Image").ConfigureAwait(false))
            {
                return;
            }
            push = true;
        }
        else
        {
            if (!await scope.ShouldProcessAsync(plan.Describe(), $"Build {plan.Repository.Name} with tags {tags}?", "Build-X0Image").ConfigureAwait(false))
            {
                return;
            }
            push = plan.Push && await scope.ShouldProcessAsync($"{plan.Repository.Name}:{{{tags}}} → {plan.Repository.Registry}",
                "Push and verify the digest of each tag").ConfigureAwait(false);
        }
        var result = await operation.ExecuteAsync(plan, scope.Context, push).ConfigureAwait(false);

        var labels = new OrderedDictionary();
        foreach (var kv in result.Labels.OrderBy(k => k.Key, StringComparer.Ordinal)) labels[kv.Key] = kv.Value;
        var output = new X0Image
        {
            Id = result.Id,
            Repository = result.Repository.Name,
            Tags = result.Tags.ToArray(),
            Digest = result.Digest,
            Size = result.Size,
            Target = result.Target,
            Created = result.Created?.UtcDateTime,
            Pushed = result.Pushed,
            Labels = labels,
        };
        WriteActions(output);
        scope.WriteObject(output);
    }

    private static void WriteActions(X0Image image)
    {
        var actions = GitHubActions.FromProcess();
        if (!actions.IsActive) return;
        actions.SetOutput("image-id", image.Id);
        actions.SetOutput("image-digest", image.Digest);
        actions.SetOutput("image-tags", string.Join("\n", image.References));
        var rows = string.Join("\n", image.References.Select(r => $"| `{r}` |"));
        actions.AppendSummary($"### Build-X0Image\n\n{(image.Pushed ? "Pushed and verified" : "Built (not pushed)")}: **`{image.Repository}`**" +
                              (image.Target is null ? string.Empty : $" (target `{image.Target}`)") +
                              (image.Digest is null ? string.Empty : $", digest `{image.Digest}`") + $"\n\n| tag |\n|---|\n{rows}\n");
    }

    private static IReadOnlyDictionary<string, string> ToMap(Hashtable? table)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null) return map;
        foreach (DictionaryEntry e in table)
        {
            map[e.Key.ToString()!] = e.Value?.ToString() ?? string.Empty;
        }
        return map;
    }

    private string? Resolve(string? path) => string.IsNullOrEmpty(path) ? null : GetUnresolvedProviderPathFromPSPath(path);
}
