namespace X0tta6bl4.Core.Commits;

/// <summary>One footer (git trailer) of a commit message: <c>Token: value</c> or <c>Token #value</c>.</summary>
/// <param name="Token">The token as written (<c>Refs</c>, <c>Co-authored-by</c>, <c>BREAKING CHANGE</c>).</param>
/// <param name="Separator">": " or " #".</param>
/// <param name="Value">The value; may span lines (continuation lines are kept, trailing blank lines are not).</param>
public sealed record CommitFooter(string Token, string Separator, string Value)
{
    /// <summary>
    /// True for <c>BREAKING CHANGE: …</c> and <c>BREAKING-CHANGE: …</c> (upper case, colon separator,
    /// non-empty description) — the only footers that mark a commit as breaking.
    /// </summary>
    public bool IsBreakingChange =>
        Separator == ": " && Value.Length > 0
        && (string.Equals(Token, "BREAKING CHANGE", StringComparison.Ordinal) || string.Equals(Token, "BREAKING-CHANGE", StringComparison.Ordinal));
}

/// <summary>
/// A commit message read as a Conventional Commit (1.0.0). Non-conventional messages are kept too
/// (<see cref="IsConventional"/> false) so they can be counted, listed or refused (-Strict).
/// </summary>
public sealed class ConventionalCommit
{
    /// <summary>The first line of the message, as written.</summary>
    public required string Header { get; init; }
    /// <summary>True when the header is <c>type(scope)!: description</c> (or a git revert of such a header).</summary>
    public bool IsConventional { get; init; }
    /// <summary>The type in lower case (<c>feat</c>, <c>fix</c>, <c>revert</c>…); null when not conventional.</summary>
    public string? Type { get; init; }
    public string? Scope { get; init; }
    /// <summary>The description without a trailing squash-merge PR reference (<c>(#123)</c>).</summary>
    public string Description { get; init; } = string.Empty;
    /// <summary>The body: paragraphs between the header and the footers, or null.</summary>
    public string? Body { get; init; }
    public IReadOnlyList<CommitFooter> Footers { get; init; } = Array.Empty<CommitFooter>();
    /// <summary>The header carried <c>!</c> before the colon.</summary>
    public bool HasBreakingMarker { get; init; }
    /// <summary>Breaking by <c>!</c> or by a BREAKING CHANGE footer.</summary>
    public bool IsBreaking => HasBreakingMarker || BreakingNotes.Count > 0;
    /// <summary>Texts of the BREAKING CHANGE footers (the description stands in when only <c>!</c> was used).</summary>
    public IReadOnlyList<string> BreakingNotes { get; init; } = Array.Empty<string>();
    /// <summary>The pull request of a GitHub squash or merge commit (<c>feat: x (#123)</c>, <c>Merge pull request #123</c>).</summary>
    public int? PullRequest { get; init; }
    /// <summary>Issue numbers referenced in the description and in Refs/Closes/Fixes/Resolves footers.</summary>
    public IReadOnlyList<int> Issues { get; init; } = Array.Empty<int>();
    /// <summary>A revert: <c>revert:</c> type or git's <c>Revert "…"</c>.</summary>
    public bool IsRevert { get; init; }
    /// <summary>Commit ids (full or abbreviated) this commit reverts.</summary>
    public IReadOnlyList<string> RevertedShas { get; init; } = Array.Empty<string>();
    /// <summary>The reverted commit's header, when git's <c>Revert "…"</c> form names it.</summary>
    public string? RevertedHeader { get; init; }

    /// <summary>What to show in notes for a breaking change: the footer texts, else the description.</summary>
    public IReadOnlyList<string> BreakingDescriptions =>
        BreakingNotes.Count > 0 ? BreakingNotes : HasBreakingMarker ? new[] { Description } : Array.Empty<string>();

    public override string ToString() => Header;
}
