using X0tta6bl4.Core.Commits;

namespace X0tta6bl4.Core.Notes;

/// <summary>One line of release notes: a conventional commit (or a non-conventional one, for the Other list).</summary>
public sealed class NoteEntry
{
    public required string Sha { get; init; }
    public string ShortSha => Sha.Length > 7 ? Sha[..7] : Sha;
    /// <summary>Lower-case type; null for a non-conventional commit.</summary>
    public string? Type { get; init; }
    public string? Scope { get; init; }
    public required string Description { get; init; }
    public bool IsBreaking { get; init; }
    /// <summary>What breaks: the BREAKING CHANGE footer texts, or the description when only <c>!</c> was used.</summary>
    public IReadOnlyList<string> BreakingNotes { get; init; } = Array.Empty<string>();
    public int? PullRequest { get; init; }
    public IReadOnlyList<int> Issues { get; init; } = Array.Empty<int>();
    public string Author { get; init; } = string.Empty;
    public string AuthorEmail { get; init; } = string.Empty;
    public DateTimeOffset Date { get; init; }
    public bool IsConventional { get; init; } = true;
    /// <summary>The commit's first line as written.</summary>
    public string Header { get; init; } = string.Empty;
    /// <summary>The bump this entry asks for (before the 0.x rule).</summary>
    public ReleaseLevel Level { get; init; }
}

/// <summary>A titled group of entries (Features, Bug Fixes…); hidden sections are kept as objects but not rendered.</summary>
public sealed record NoteSection(string Title, IReadOnlyList<string> Types, bool Hidden, IReadOnlyList<NoteEntry> Entries);

/// <summary>The notes of one release (or of the changes not released yet).</summary>
public sealed class ReleaseNote
{
    /// <summary>The release's version (SemVer text); for unreleased changes, the version they would become, or null.</summary>
    public string? Version { get; init; }
    /// <summary>The tag of the release; null when unreleased.</summary>
    public string? Tag { get; init; }
    public string? PreviousTag { get; init; }
    public string? PreviousVersion { get; init; }
    public DateTimeOffset Date { get; init; }
    public bool IsUnreleased { get; init; }
    public bool IsPrerelease { get; init; }
    /// <summary>The level these commits call for (after the 0.x rule).</summary>
    public ReleaseLevel Level { get; init; }
    /// <summary>Why this version, or why no release.</summary>
    public string Reason { get; init; } = string.Empty;
    /// <summary>Breaking entries, first in the rendering.</summary>
    public IReadOnlyList<NoteEntry> Breaking { get; init; } = Array.Empty<NoteEntry>();
    /// <summary>Sections in configured order, hidden ones included (only non-empty sections).</summary>
    public IReadOnlyList<NoteSection> Sections { get; init; } = Array.Empty<NoteSection>();
    /// <summary>Commits that are not Conventional Commits (the hidden Other list; -Strict refuses them).</summary>
    public IReadOnlyList<NoteEntry> NonConventional { get; init; } = Array.Empty<NoteEntry>();
    /// <summary>Render <see cref="NonConventional"/> as an Other section (show_other = true).</summary>
    public bool ShowOther { get; init; }
    /// <summary>Commits walked in the range, merges included.</summary>
    public int CommitCount { get; init; }
    /// <summary>Commits left out because a revert in the same range cancels them (both the commit and its revert).</summary>
    public int CancelledCount { get; init; }
    public string? CompareUrl { get; init; }
    public string? ReleaseUrl { get; init; }

    public IEnumerable<NoteEntry> Entries => Sections.SelectMany(s => s.Entries);
}
