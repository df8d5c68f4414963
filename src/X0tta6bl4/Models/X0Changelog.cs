namespace X0tta6bl4.Models;

/// <summary>What Update-X0Changelog did.</summary>
public enum X0ChangelogStatus
{
    /// <summary>The file already says what the history says.</summary>
    Unchanged,
    Created,
    Updated,
    /// <summary>-WhatIf: Diff shows what would change.</summary>
    Planned,
}

/// <summary>The changelog rebuilt from the Conventional Commits and release tags.</summary>
public sealed class X0Changelog
{
    /// <summary>The path relative to the project root (CHANGELOG.md).</summary>
    public string Path { get; init; } = string.Empty;
    public string FullName { get; init; } = string.Empty;
    public X0ChangelogStatus Status { get; init; }
    /// <summary>The sections whose generated lines come from the commits (versions, Unreleased with -Unreleased).</summary>
    public string[] Sections { get; init; } = Array.Empty<string>();
    /// <summary>Released versions (tags) with no section in the file.</summary>
    public string[] Missing { get; init; } = Array.Empty<string>();
    /// <summary>A unified diff from the file found to the file written (empty when unchanged).</summary>
    public string Diff { get; init; } = string.Empty;

    public override string ToString() => Path;
}
