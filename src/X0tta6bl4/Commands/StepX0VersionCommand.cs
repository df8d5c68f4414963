using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Versioning;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Bumps the project version in every version file, commits, tags and optionally pushes — all or nothing.</para>
/// </summary>
[Cmdlet(VerbsCommon.Step, "X0Version", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = NoBumpSet)]
[OutputType(typeof(X0VersionChange))]
public sealed class StepX0VersionCommand : X0Cmdlet
{
    private const string NoBumpSet = "NoBump";
    private const string MajorSet = "Major";
    private const string MinorSet = "Minor";
    private const string PatchSet = "Patch";
    private const string PreReleaseSet = "PreRelease";
    private const string ReleaseSet = "Release";
    private const string VersionSet = "Version";
    private const string AutoSet = "Auto";
    private const string PartSet = "Part";

    [Parameter(Mandatory = true, ParameterSetName = MajorSet)]
    public SwitchParameter Major { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = MinorSet)]
    public SwitchParameter Minor { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PatchSet)]
    public SwitchParameter Patch { get; set; }

    /// <summary>Infers the bump from the Conventional Commits since the last release tag.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AutoSet)]
    public SwitchParameter Auto { get; set; }

    /// <summary>With -Auto: refuse commits that are not Conventional Commits, naming each.</summary>
    [Parameter(ParameterSetName = AutoSet)]
    public SwitchParameter Strict { get; set; }

    /// <summary>Makes the result a pre-release; the label follows as the first positional argument (-PreRelease rc).</summary>
    [Parameter(ParameterSetName = AutoSet)]
    [Parameter(ParameterSetName = MajorSet)]
    [Parameter(ParameterSetName = MinorSet)]
    [Parameter(ParameterSetName = PatchSet)]
    [Parameter(Mandatory = true, ParameterSetName = PreReleaseSet)]
    public SwitchParameter PreRelease { get; set; }

    /// <summary>The pre-release label (rc, beta, alpha…); default: the current label, else rc (or prerelease_label from config).</summary>
    [Parameter(Position = 0, ParameterSetName = AutoSet)]
    [Parameter(Position = 0, ParameterSetName = MajorSet)]
    [Parameter(Position = 0, ParameterSetName = MinorSet)]
    [Parameter(Position = 0, ParameterSetName = PatchSet)]
    [Parameter(Position = 0, ParameterSetName = PreReleaseSet)]
    [ValidatePattern("^[A-Za-z][A-Za-z0-9-]*$")]
    public string? Label { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ReleaseSet)]
    public SwitchParameter Release { get; set; }

    /// <summary>Bumps a part that a bump2version / bump-my-version configuration defines (release, build…), by that configuration's rules.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PartSet)]
    [ValidatePattern("^[A-Za-z_][A-Za-z0-9_]*$")]
    public string? Part { get; set; }

    /// <summary>An explicit new version (SemVer, or PEP 440 such as 1.4.0rc1).</summary>
    [Parameter(Mandatory = true, ParameterSetName = VersionSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Version { get; set; }

    /// <summary>Project root (default: the current location). Binds from FullName/Path of piped objects.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter NoCommit { get; set; }

    [Parameter]
    public SwitchParameter NoTag { get; set; }

    [Parameter]
    public SwitchParameter Push { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Remote { get; set; }

    [Parameter]
    public SwitchParameter AllowDirty { get; set; }

    /// <summary>Leave CHANGELOG.md out of the release commit even when the configuration (or the Python default) turns it on.</summary>
    [Parameter]
    public SwitchParameter NoChangelog { get; set; }

    /// <summary>Token for HTTPS pushes to GitHub (default: GITHUB_TOKEN / GH_TOKEN, else the git credential helper).</summary>
    [Parameter]
    public SecureString? Token { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == NoBumpSet)
        {
            WriteError(ErrorRecordFactory.Create(new X0Exception(ErrorIds.InvalidBump, X0ErrorCategory.InvalidArgument,
                "one kind of bump", "none", "Pass -Auto, -Major, -Minor, -Patch, -PreRelease [label], -Release or -Version <version>")));
            return;
        }
        if (Label is not null && !PreRelease)
        {
            WriteError(ErrorRecordFactory.Create(new X0Exception(ErrorIds.InvalidBump, X0ErrorCategory.InvalidArgument,
                "a label only together with -PreRelease", $"label '{Label}' without -PreRelease", $"Write -PreRelease {Label}")));
            return;
        }

        var root = ResolvePath(Path);
        RunWorker(scope => RunAsync(scope, root));
    }

    private async Task RunAsync(WorkerScope scope, string root)
    {
        scope.Run.Path = root;
        var request = new StepVersionRequest
        {
            Path = root,
            Bump = BuildBump(),
            NoCommit = NoCommit,
            NoTag = NoTag,
            Push = Push,
            Remote = Remote,
            AllowDirty = AllowDirty,
            Token = ReadToken(),
            Auto = Auto,
            Strict = Strict ? true : null,
            NoChangelog = NoChangelog,
        };
        var operation = new StepVersion();
        var plan = await operation.PlanAsync(request, scope.Context).ConfigureAwait(false);
        scope.Run.Version = plan.NextVersion;
        scope.Run.Summary = plan.IsNoRelease ? $"no release: {plan.NoReleaseReason}" : $"{plan.PreviousVersion} → {plan.NextVersion} (planned)";
        var actions = GitHubActions.FromProcess();

        if (plan.IsNoRelease)
        {
            // Not an error and not a bump: an object that says so, and exit code 0.
            scope.Information($"No release: {plan.NoReleaseReason}");
            actions.SetOutput("released", "false");
            actions.SetOutput("version", plan.PreviousVersion);
            actions.AppendSummary($"### Step-X0Version\n\nNo release: {plan.NoReleaseReason}. The version stays `{plan.PreviousVersion}`.\n");
            scope.WriteObject(new X0VersionChange
            {
                Path = plan.ProjectRoot,
                PreviousVersion = plan.PreviousVersion,
                Version = plan.PreviousVersion,
                Branch = plan.Branch,
                IsPrerelease = plan.IsPrerelease,
                Status = X0VersionStatus.NoRelease,
                Reason = plan.NoReleaseReason,
                Level = plan.Level.ToString(),
            });
            return;
        }

        var files = plan.Changelog is null ? "version files" : $"version files and {plan.Changelog.RelativePath}";
        var action = plan.CommitMessage is null ? $"Rewrite {files}"
            : plan.Tag is null ? $"Rewrite {files} and commit"
            : $"Rewrite {files}, commit and tag {plan.Tag}";
        if (!await scope.ShouldProcessAsync(plan.Describe(), $"{action} ({plan.PreviousVersion} → {plan.NextVersion})?", "Step-X0Version").ConfigureAwait(false))
        {
            return;
        }
        var pushNow = plan.Push && await scope.ShouldProcessAsync($"{plan.Branch}{(plan.Tag is null ? "" : " + " + plan.Tag)} → {plan.Remote}",
            "Push and verify the remote refs").ConfigureAwait(false);
        var result = await operation.ExecuteAsync(plan, request, scope.Context, pushNow).ConfigureAwait(false);

        var output = new X0VersionChange
        {
            Path = plan.ProjectRoot,
            PreviousVersion = plan.PreviousVersion,
            Version = plan.NextVersion,
            Tag = result.Tagged ? plan.Tag : null,
            Commit = result.CommitSha,
            Branch = plan.Branch,
            IsPrerelease = plan.IsPrerelease,
            Files = plan.Lines.Select(l => new X0VersionFileChange { Path = l.Path, Line = l.Line, Before = l.Before, After = l.After }).ToArray(),
            Pushed = result.Pushed,
            Remote = result.Pushed ? plan.Remote : null,
            Status = plan.AlreadyBumped || plan.TagSource is not null ? X0VersionStatus.Tagged : X0VersionStatus.Bumped,
            Reason = plan.Reason ?? plan.TagSource,
            Level = plan.Notes is null ? null : plan.Level.ToString(),
            Changelog = plan.Changelog?.RelativePath,
        };
        scope.Run.Summary = $"{output.PreviousVersion} → {output.Version}" + (output.Tag is null ? "" : $", tag {output.Tag}")
                            + (output.Pushed ? $", pushed to {output.Remote}" : "") + $", {output.Files.Length} file(s)";
        actions.SetOutput("released", "true");
        actions.SetOutput("version", output.Version);
        actions.SetOutput("previous-version", output.PreviousVersion);
        if (output.Tag is not null) actions.SetOutput("tag", output.Tag);
        actions.AppendSummary($"### Step-X0Version\n\n`{output.PreviousVersion}` → **`{output.Version}`**" +
                              (output.Tag is null ? "" : $", tag `{output.Tag}`") + (output.Pushed ? $", pushed to `{output.Remote}`" : "") + "\n");
        scope.WriteObject(output);
    }

    private BumpRequest BuildBump()
    {
        var label = PreRelease ? Label ?? string.Empty : null;
        return ParameterSetName switch
        {
            MajorSet => new BumpRequest { Component = VersionComponent.Major, PreReleaseLabel = label },
            MinorSet => new BumpRequest { Component = VersionComponent.Minor, PreReleaseLabel = label },
            PatchSet => new BumpRequest { Component = VersionComponent.Patch, PreReleaseLabel = label },
            PreReleaseSet => new BumpRequest { PreReleaseLabel = label },
            ReleaseSet => new BumpRequest { Release = true },
            VersionSet => new BumpRequest { Explicit = Version },
            AutoSet => new BumpRequest { PreReleaseLabel = label },
            PartSet => new BumpRequest { Part = Part },
            _ => throw new InvalidOperationException($"Unhandled parameter set {ParameterSetName}"),
        };
    }

    private string? ReadToken()
    {
        var env = Environment.GetEnvironmentVariable("GITHUB_TOKEN") ?? Environment.GetEnvironmentVariable("GH_TOKEN");
        return ReadSecret(Token) ?? (string.IsNullOrWhiteSpace(env) ? null : SecretRedactor.Register(env));
    }

    private string ResolvePath(string? path) =>
        string.IsNullOrEmpty(path)
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(path);
}
