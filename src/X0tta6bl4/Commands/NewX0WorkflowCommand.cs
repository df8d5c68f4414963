using System.Management.Automation;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Writes the project's GitHub Actions workflows (test, docker, release) as x0tta6bl4 cmdlets in pwsh steps.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "X0Workflow", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(X0Workflow))]
public sealed class NewX0WorkflowCommand : X0Cmdlet
{
    /// <summary>The project root (default: the current location).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    /// <summary>Only these workflows (default: every one that applies to the project).</summary>
    [Parameter]
    [ValidateSet("test", "docker", "release")]
    public string[]? Name { get; set; }

    /// <summary>The setup action's uses: value (default: x0tta6bl4/x0tta6bl4@v&lt;this module's version&gt;).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SetupAction { get; set; }

    /// <summary>Replaces files edited by hand since they were generated, and workflows the generator did not write.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var root = string.IsNullOrEmpty(Path)
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(Path);
        var version = MyInvocation.MyCommand.Module?.Version ?? typeof(NewX0WorkflowCommand).Assembly.GetName().Version ?? new Version(0, 0, 0);
        var request = new WorkflowRequest
        {
            Path = root,
            Names = Name,
            ModuleVersion = version.ToString(3),
            SetupUses = SetupAction ?? ReleasePin(version.ToString(3)),
            Force = Force,
        };
        RunWorker(scope => RunAsync(scope, request));
    }

    /// <summary>
    /// A released module knows the commit its tag names (build.ps1 records it): the setup action is pinned to
    /// that commit with the tag as a comment, like every other action. A development build pins the tag (null).
    /// </summary>
    private static string? ReleasePin(string version)
    {
        var commit = typeof(NewX0WorkflowCommand).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "X0ReleaseCommit")?.Value;
        return commit is { Length: 40 } ? $"{Core.Workflows.ActionPins.SetupRepository}@{commit} # v{version}" : null;
    }

    private static async Task RunAsync(WorkerScope scope, WorkflowRequest request)
    {
        scope.Run.Path = request.Path;
        var plan = await Task.Run(() => WriteWorkflows.Plan(request, scope.Context), scope.Cancellation).ConfigureAwait(false);
        var written = new List<string>();
        foreach (var item in plan.Items)
        {
            var status = item.Action switch
            {
                WorkflowAction.Unchanged => X0WorkflowStatus.Unchanged,
                WorkflowAction.Refuse => X0WorkflowStatus.Refused,
                _ => X0WorkflowStatus.Planned,
            };
            if (item.Action == WorkflowAction.Refuse)
            {
                scope.WriteError(WriteWorkflows.Refusal(item), item.FullPath);
            }
            else if (item.Action != WorkflowAction.Unchanged)
            {
                var verb = item.Action switch { WorkflowAction.Create => "Create", WorkflowAction.Update => "Update", _ => "Overwrite (hand edits are lost)" };
                var whatIf = $"{verb} {item.RelativePath}: {item.Workflow.Purpose}\n{item.Diff}";
                if (await scope.ShouldProcessAsync(whatIf, $"{verb} {item.RelativePath}?", "New-X0Workflow").ConfigureAwait(false))
                {
                    WriteWorkflows.Apply(item);
                    written.Add(item.RelativePath);
                    status = item.Action switch { WorkflowAction.Create => X0WorkflowStatus.Created, WorkflowAction.Update => X0WorkflowStatus.Updated, _ => X0WorkflowStatus.Overwritten };
                }
            }
            scope.WriteObject(new X0Workflow
            {
                Name = item.Workflow.Name,
                Path = item.RelativePath,
                FullName = item.FullPath,
                Status = status,
                Action = item.Action.ToString(),
                FoundAs = item.State.ToString(),
                Purpose = item.Workflow.Purpose,
                Diff = item.Diff,
            });
        }
        scope.Run.Summary = written.Count == 0 ? "no workflow changed" : "wrote " + string.Join(", ", written);
    }
}
