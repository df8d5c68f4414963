namespace X0tta6bl4.Models;

/// <summary>
/// The notes of one release (Get-X0ReleaseNote): the version and range, the entries grouped in sections,
/// and the rendered Markdown. <see cref="Tag"/>, <see cref="Version"/> and <see cref="Path"/> bind by
/// property name to the next cmdlet (Publish-X0Release uses the Markdown as the release body).
/// </summary>
public sealed class X0ReleaseNote
{
    /// <summary>The release's version; for unreleased changes the version they would get (the same as Step-X0Version -Auto), or null when nothing is releasable.</summary>
    public string? Version { get; init; }
    /// <summary>The release's tag; null for unreleased changes.</summary>
    public string? Tag { get; init; }
    public string? PreviousTag { get; init; }
    public string? PreviousVersion { get; init; }
    /// <summary>The tag's date (tagger date, else the commit's); for unreleased changes, today.</summary>
    public DateTimeOffset Date { get; init; }
    public bool IsUnreleased { get; init; }
    public bool IsPrerelease { get; init; }
    /// <summary>None, Patch, Minor or Major: what the commits call for (after the 0.x rule).</summary>
    public string Level { get; init; } = "None";
    /// <summary>Why this version, or why no release.</summary>
    public string Reason { get; init; } = string.Empty;
    /// <summary>Breaking changes (also listed in their type's section).</summary>
    public X0ReleaseNoteEntry[] Breaking { get; init; } = Array.Empty<X0ReleaseNoteEntry>();
    /// <summary>Sections in configured order; Hidden ones (chores, refactors…) are not rendered but are here.</summary>
    public X0ReleaseNoteSection[] Sections { get; init; } = Array.Empty<X0ReleaseNoteSection>();
    /// <summary>Every entry of every section, hidden ones included.</summary>
    public X0ReleaseNoteEntry[] Entries { get; init; } = Array.Empty<X0ReleaseNoteEntry>();
    /// <summary>Commits that are not Conventional Commits (not rendered; -Strict refuses them).</summary>
    public X0ReleaseNoteEntry[] Other { get; init; } = Array.Empty<X0ReleaseNoteEntry>();
    /// <summary>Commits walked, merges included.</summary>
    public int CommitCount { get; init; }
    /// <summary>Commits left out because a revert in the same range cancels them (reverts included).</summary>
    public int CancelledCount { get; init; }
    public string? CompareUrl { get; init; }
    public string? ReleaseUrl { get; init; }
    /// <summary>The notes as Markdown: heading with compare link and date, Breaking Changes first, then each visible section.</summary>
    public string Markdown { get; init; } = string.Empty;
    /// <summary>The project root.</summary>
    public string Path { get; init; } = string.Empty;

    public override string ToString() => Markdown;
}

/// <summary>A titled group of entries.</summary>
public sealed class X0ReleaseNoteSection
{
    public string Title { get; init; } = string.Empty;
    /// <summary>The commit types gathered here.</summary>
    public string[] Types { get; init; } = Array.Empty<string>();
    public bool Hidden { get; init; }
    public X0ReleaseNoteEntry[] Entries { get; init; } = Array.Empty<X0ReleaseNoteEntry>();

    public override string ToString() => $"{Title} ({Entries.Length})";
}

/// <summary>One commit in release notes.</summary>
public sealed class X0ReleaseNoteEntry
{
    /// <summary>The commit type in lower case; null for a non-conventional commit.</summary>
    public string? Type { get; init; }
    public string? Scope { get; init; }
    public string Description { get; init; } = string.Empty;
    public bool Breaking { get; init; }
    /// <summary>What breaks (BREAKING CHANGE footers, or the description for a bare "!").</summary>
    public string[] BreakingNotes { get; init; } = Array.Empty<string>();
    public string Sha { get; init; } = string.Empty;
    public string ShortSha { get; init; } = string.Empty;
    /// <summary>The pull request of a squash or merge commit.</summary>
    public int? PullRequest { get; init; }
    /// <summary>Issues referenced in the description or in Refs/Closes/Fixes footers.</summary>
    public int[] Issues { get; init; } = Array.Empty<int>();
    public string Author { get; init; } = string.Empty;
    public string AuthorEmail { get; init; } = string.Empty;
    public DateTimeOffset Date { get; init; }
    /// <summary>The commit's first line as written.</summary>
    public string Header { get; init; } = string.Empty;
    public string? Url { get; init; }

    public override string ToString() => Header;
}
