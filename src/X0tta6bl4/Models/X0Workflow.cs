namespace X0tta6bl4.Models;

/// <summary>What New-X0Workflow did with one workflow file.</summary>
public enum X0WorkflowStatus
{
    /// <summary>The file already holds exactly what would be written.</summary>
    Unchanged,
    Created,
    /// <summary>A generated file brought up to date (it had no hand edits).</summary>
    Updated,
    /// <summary>A hand-edited or hand-written file replaced because of -Force.</summary>
    Overwritten,
    /// <summary>Left alone: it has hand edits (or was not generated) and -Force was not given.</summary>
    Refused,
    /// <summary>-WhatIf: Action says what would happen, Diff shows it.</summary>
    Planned,
}

/// <summary>One GitHub Actions workflow file written (or planned) by New-X0Workflow.</summary>
public sealed class X0Workflow
{
    /// <summary>test, docker or release.</summary>
    public string Name { get; init; } = string.Empty;
    /// <summary>The path relative to the project root (.github/workflows/test.yml).</summary>
    public string Path { get; init; } = string.Empty;
    public string FullName { get; init; } = string.Empty;
    public X0WorkflowStatus Status { get; init; }
    /// <summary>What was (or would be) done: Unchanged, Create, Update, Overwrite or Refuse.</summary>
    public string Action { get; init; } = string.Empty;
    /// <summary>Missing, Generated, HandEdited or HandWritten: the file as it was found.</summary>
    public string FoundAs { get; init; } = string.Empty;
    public string Purpose { get; init; } = string.Empty;
    /// <summary>A unified diff from the file found to the file written (empty when unchanged).</summary>
    public string Diff { get; init; } = string.Empty;

    public override string ToString() => Path;
}
