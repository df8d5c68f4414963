using System.Text;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Workflows;

namespace X0tta6bl4.Core.Operations;

/// <summary>What New-X0Workflow was asked for.</summary>
public sealed record WorkflowRequest
{
    public required string Path { get; init; }
    /// <summary>Only these workflows (test, docker, release); null = every one that applies.</summary>
    public IReadOnlyList<string>? Names { get; init; }
    /// <summary>The x0tta6bl4 version the workflows install (the running module's).</summary>
    public required string ModuleVersion { get; init; }
    /// <summary>The setup action's <c>uses:</c> value; null = x0tta6bl4/x0tta6bl4@v{ModuleVersion}.</summary>
    public string? SetupUses { get; init; }
    /// <summary>Overwrite files edited by hand or not written by the generator.</summary>
    public bool Force { get; init; }
}

/// <summary>What writing one workflow file does.</summary>
public enum WorkflowAction { Unchanged, Create, Update, Overwrite, Refuse }

/// <summary>One planned workflow file: what is there, what would be written, and the diff between them.</summary>
public sealed record WorkflowPlanItem(
    GeneratedWorkflow Workflow,
    string FullPath,
    string RelativePath,
    WorkflowFileState State,
    WorkflowAction Action,
    string Content,
    string Diff,
    string Newline);

public sealed record WorkflowPlan(WorkflowProject Project, IReadOnlyList<WorkflowPlanItem> Items);

/// <summary>
/// The use case behind New-X0Workflow: plan (read the project and the files there, render, diff) and then
/// write only what changes. Idempotent: a second run finds every file Unchanged. A file edited by hand
/// since it was generated, or one the generator never wrote, is refused unless forced.
/// </summary>
public static class WriteWorkflows
{
    public const string Folder = ".github/workflows";
    public static readonly IReadOnlyList<string> AllNames = ["test", "docker", "release"];

    public static WorkflowPlan Plan(WorkflowRequest request, X0Context context)
    {
        var project = WorkflowProjectReader.Read(request.Path);
        context.Log.Verbose($"Project: {string.Join(", ", project.Ecosystems)}" +
            (project.Python ? $"; Python {string.Join(", ", project.PythonVersions)} from {project.PythonVersionsSource}" : "") +
            (project.Dockerfile ? $"; Dockerfile targets: {(project.ImageTargets.Count > 0 ? string.Join(", ", project.ImageTargets) : "the last stage")}" : "; no Dockerfile"));
        var options = new WorkflowOptions { SetupUses = request.SetupUses ?? ActionPins.SetupUses(request.ModuleVersion) };
        var rendered = WorkflowTemplates.Render(project, options);
        if (request.Names is { Count: > 0 } names)
        {
            if (names.Contains("docker", StringComparer.OrdinalIgnoreCase) && !project.Dockerfile)
            {
                throw new X0Exception(ErrorIds.DockerfileNotFound, X0ErrorCategory.ObjectNotFound, "a Dockerfile at the project root for the docker workflow",
                    $"none in {project.Root}", "Add a Dockerfile (with dev and prod stages), or leave docker out of -Name", project.Root);
            }
            rendered = rendered.Where(w => names.Contains(w.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        }
        var items = rendered.Select(w => PlanFile(project.Root, w, request.Force)).ToList();
        return new WorkflowPlan(project, items);
    }

    private static WorkflowPlanItem PlanFile(string root, GeneratedWorkflow workflow, bool force)
    {
        var relative = $"{Folder}/{workflow.FileName}";
        var full = System.IO.Path.Combine(root, ".github", "workflows", workflow.FileName);
        var existing = File.Exists(full) ? File.ReadAllText(full) : null;
        var newline = existing is not null && existing.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var content = WorkflowHeader.Compose(workflow.Body);
        var state = WorkflowHeader.Classify(existing);
        var current = existing?.Replace("\r\n", "\n", StringComparison.Ordinal);
        var action = state switch
        {
            WorkflowFileState.Missing => WorkflowAction.Create,
            _ when string.Equals(current, content, StringComparison.Ordinal) => WorkflowAction.Unchanged,
            WorkflowFileState.Generated => WorkflowAction.Update,
            _ => force ? WorkflowAction.Overwrite : WorkflowAction.Refuse,
        };
        var diff = TextDiff.Unified(current, content, relative);
        return new WorkflowPlanItem(workflow, full, relative, state, action, content, diff, newline);
    }

    /// <summary>The error for a file that would lose hand edits.</summary>
    public static X0Exception Refusal(WorkflowPlanItem item) => new(ErrorIds.WorkflowEdited, X0ErrorCategory.ResourceExists,
        $"{item.RelativePath} as New-X0Workflow last wrote it",
        item.State == WorkflowFileState.HandWritten ? "a workflow New-X0Workflow did not write (no x0tta6bl4 header)" : "hand edits since it was generated (its content hash no longer matches)",
        $"See what would change with New-X0Workflow -Name {item.Workflow.Name} -WhatIf; keep your edits, or pass -Force to replace the file", item.FullPath);

    /// <summary>Writes one planned file (a temp file in the same folder, then a rename: never half-written).</summary>
    public static void Apply(WorkflowPlanItem item)
    {
        if (item.Action is WorkflowAction.Unchanged or WorkflowAction.Refuse) return;
        var folder = System.IO.Path.GetDirectoryName(item.FullPath)!;
        Directory.CreateDirectory(folder);
        var temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(item.FullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var text = item.Newline == "\n" ? item.Content : item.Content.Replace("\n", item.Newline, StringComparison.Ordinal);
            File.WriteAllText(temp, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temp, item.FullPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new X0Exception(ErrorIds.FileWriteFailed, X0ErrorCategory.WriteError, $"{item.RelativePath} written",
                ex.Message, "Check the folder's permissions and free space, then run again", item.FullPath, ex);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
