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

    /// <summary>Build secrets for RUN --mount=type=secret,id=ID: @{ id = 'env:NAME' | './file' | SecureString | PSCredential }.</summary>
    [Parameter(ParameterSetName = BuildSet)]
    public Hashtable? Secret { get; set; }

    /// <summary>Images whose inline cache the build may reuse; 'self' names this build's own tags.</summary>
    [Parameter(ParameterSetName = BuildSet)]
    [ValidateNotNullOrEmpty]
    public string[]? CacheFrom { get; set; }

    /// <summary>Write BuildKit's inline cache into the image, so a later -CacheFrom can reuse its layers.</summary>
    [Parameter(ParameterSetName = BuildSet)]
    public SwitchParameter InlineCache { get; set; }

    /// <summary>os/arch of the image, e.g. linux/arm64.</summary>
    [Parameter(ParameterSetName = BuildSet)]
    [ValidatePattern("^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$")]
    public string[]? Platform { get; set; }

    /// <summary>Network of RUN steps (default: the engine's; none on an engine without a bridge network).</summary>
    [Parameter(ParameterSetName = BuildSet)]
    [ValidateSet("default", "none", "host")]
    public string? Network { get; set; }

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
        // Paths resolve against the provider on the pipeline thread, before the work moves off it.
        var environment = ProcessEnvironment.Snapshot();
        var secrets = ToSecrets(Secret, environment);
        RunWorker(scope => RunAsync(scope, root, context, dockerfile, environment, secrets));
    }

    private async Task RunAsync(WorkerScope scope, string root, string? context, string? dockerfile,
        IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, BuildSecret> secrets)
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
            Environment = environment,
            Secrets = secrets,
            CacheFrom = CacheFrom,
            InlineCache = MyInvocation.BoundParameters.ContainsKey(nameof(InlineCache)) ? InlineCache.IsPresent : null,
            Platforms = Platform,
            Network = Network,
        };
        var operation = new BuildImage();
        var plan = await operation.PlanAsync(request, scope.Context).ConfigureAwait(false);
        var tags = string.Join(", ", plan.Tags.Names);

        bool push;
        if (plan.Promote)
        {
            if (!await scope.ShouldProcessAsync(plan.Describe(), $"Add tags {tags} to {plan.Repository.DigestReference(plan.SourceDigest!)}?", "Build-X0Image").ConfigureAwait(false))
            {
                WritePlanned(scope, plan);
                return;
            }
            push = true;
        }
        else
        {
            if (!await scope.ShouldProcessAsync(plan.Describe(), $"Build {plan.Repository.Name} with tags {tags}?", "Build-X0Image").ConfigureAwait(false))
            {
                WritePlanned(scope, plan);
                return;
            }
            push = plan.Push && await scope.ShouldProcessAsync($"{plan.Repository.Name}:{{{tags}}} → {plan.Repository.Registry}",
                "Push and verify the digest of each tag").ConfigureAwait(false);
        }
        var result = await operation.ExecuteAsync(plan, scope.Context, push).ConfigureAwait(false);

        var output = new X0Image
        {
            Status = plan.Promote ? X0ImageStatus.Promoted : result.Pushed ? X0ImageStatus.Pushed : X0ImageStatus.Built,
            Id = result.Id,
            Repository = result.Repository.Name,
            Tags = result.Tags.ToArray(),
            TagPlan = TagPlan(plan),
            Digest = result.Digest,
            Size = result.Size,
            Target = result.Target,
            Platforms = plan.Platforms.ToArray(),
            Builder = plan.Promote ? null : plan.Builder.ToString(),
            Secrets = plan.Secrets.Keys.ToArray(),
            CacheFrom = plan.CacheFrom.ToArray(),
            Created = result.Created?.UtcDateTime,
            Pushed = result.Pushed,
            Labels = Sorted(result.Labels),
        };
        WriteActions(output);
        scope.WriteObject(output);
    }

    /// <summary>-WhatIf: the image a run would make, so the next cmdlet in the pipeline can plan too.</summary>
    private static void WritePlanned(WorkerScope scope, BuildImagePlan plan) => scope.WriteObject(new X0Image
    {
        Status = X0ImageStatus.Planned,
        Repository = plan.Repository.Name,
        Tags = plan.Tags.Names.ToArray(),
        TagPlan = TagPlan(plan),
        Digest = plan.Promote ? plan.SourceDigest : null,
        Target = plan.Target,
        Platforms = plan.Platforms.ToArray(),
        Builder = plan.Promote ? null : plan.Builder.ToString(),
        Secrets = plan.Secrets.Keys.ToArray(),
        CacheFrom = plan.CacheFrom.ToArray(),
        Labels = Sorted(plan.Labels),
    });

    private static X0ImageTag[] TagPlan(BuildImagePlan plan) => plan.Tags.Tags.Select(t => new X0ImageTag
    {
        Tag = t.Tag,
        Reason = t.Reason,
        Registry = plan.Registry?.Tags.FirstOrDefault(r => r.Tag == t.Tag)?.State switch
        {
            TagState.Missing => "New",
            TagState.AlreadyDone => "AlreadyDone",
            TagState.Moves => "Moves",
            _ => null,
        },
    }).ToArray();

    private static OrderedDictionary Sorted(IReadOnlyDictionary<string, string> labels)
    {
        var sorted = new OrderedDictionary();
        foreach (var kv in labels.OrderBy(k => k.Key, StringComparer.Ordinal)) sorted[kv.Key] = kv.Value;
        return sorted;
    }

    /// <summary>-Secret's values: 'env:NAME', a file path, a SecureString or a PSCredential (its password).</summary>
    private IReadOnlyDictionary<string, BuildSecret> ToSecrets(Hashtable? table, IReadOnlyDictionary<string, string?> environment)
    {
        var secrets = new Dictionary<string, BuildSecret>(StringComparer.Ordinal);
        if (table is null) return secrets;
        foreach (DictionaryEntry e in table)
        {
            var id = e.Key.ToString()!;
            var value = e.Value is PSObject pso ? pso.BaseObject : e.Value;
            secrets[id] = value switch
            {
                System.Security.SecureString secure => BuildSecret.FromValue(id, System.Text.Encoding.UTF8.GetBytes(new System.Net.NetworkCredential(string.Empty, secure).Password)),
                PSCredential credential => BuildSecret.FromValue(id, System.Text.Encoding.UTF8.GetBytes(credential.GetNetworkCredential().Password)),
                string text when text.StartsWith("env:", StringComparison.Ordinal) => BuildSecret.FromEnvironment(id, text[4..], environment),
                string path => BuildSecret.FromFile(id, GetUnresolvedProviderPathFromPSPath(path)),
                _ => throw new PSArgumentException($"-Secret {id}: expected 'env:NAME', a file path, a SecureString or a PSCredential, not {value?.GetType().Name ?? "null"}. A plain string is read as a path, so a secret value never sits in a command line.", nameof(Secret)),
            };
        }
        return secrets;
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
