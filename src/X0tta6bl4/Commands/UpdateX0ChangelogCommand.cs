using System.Management.Automation;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Rebuilds CHANGELOG.md from the project's Conventional Commits and release tags, keeping hand-written lines.</para>
/// </summary>
[Cmdlet(VerbsData.Update, "X0Changelog", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(X0Changelog))]
public sealed class UpdateX0ChangelogCommand : X0Cmdlet
{
    /// <summary>The project root (default: the current location).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    /// <summary>Also writes the commits since the last release into ## [Unreleased].</summary>
    [Parameter]
    public SwitchParameter Unreleased { get; set; }

    protected override void ProcessRecord()
    {
        var root = string.IsNullOrEmpty(Path)
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(Path);
        var request = new ChangelogRequest { Path = root, Unreleased = Unreleased };
        RunWorker(scope => RunAsync(scope, request));
    }

    private static async Task RunAsync(WorkerScope scope, ChangelogRequest request)
    {
        scope.Run.Path = request.Path;
        var plan = await Task.Run(() => UpdateChangelog.Plan(request, scope.Context), scope.Cancellation).ConfigureAwait(false);
        var status = X0ChangelogStatus.Unchanged;
        if (plan.Rebuild.Missing.Count > 0)
        {
            scope.Warning($"{plan.RelativePath} has no section for {string.Join(", ", plan.Rebuild.Missing)}: releases made without the changelog on (Step-X0Version writes the section in the release commit).");
        }
        if (plan.Changed)
        {
            var verb = plan.Exists ? "Update" : "Create";
            status = X0ChangelogStatus.Planned;
            if (await scope.ShouldProcessAsync($"{verb} {plan.RelativePath} from the commits ({string.Join(", ", plan.Rebuild.Rebuilt.DefaultIfEmpty("no release yet"))})\n{plan.Diff}",
                    $"{verb} {plan.RelativePath}?", "Update-X0Changelog").ConfigureAwait(false))
            {
                UpdateChangelog.Apply(plan);
                status = plan.Exists ? X0ChangelogStatus.Updated : X0ChangelogStatus.Created;
            }
        }
        scope.Run.Summary = $"{plan.RelativePath}: {status}";
        scope.WriteObject(new X0Changelog
        {
            Path = plan.RelativePath,
            FullName = plan.FullPath,
            Status = status,
            Sections = plan.Rebuild.Rebuilt.ToArray(),
            Missing = plan.Rebuild.Missing.ToArray(),
            Diff = plan.Diff,
        });
    }
}
