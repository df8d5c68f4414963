namespace X0tta6bl4.Models;

/// <summary>What Step-X0Version did.</summary>
public enum X0VersionStatus
{
    /// <summary>The version was raised (files written; committed and tagged unless told otherwise).</summary>
    Bumped,
    /// <summary>-Auto found nothing releasable: nothing was written; Reason says why. Version is the unchanged current version.</summary>
    NoRelease,
    /// <summary>
    /// The files already held the version (an earlier bump that was never tagged), or no file holds it (the build
    /// derives it from tags): nothing was rewritten, the release was tagged; Reason says which.
    /// </summary>
    Tagged,
}

/// <summary>
/// The result of Step-X0Version. <see cref="Version"/>, <see cref="Tag"/> and <see cref="Path"/> bind by
/// property name to the next cmdlet (Publish-X0Release, Build-X0Image).
/// </summary>
public sealed class X0VersionChange
{
    /// <summary>The project root that was bumped.</summary>
    public string Path { get; init; } = string.Empty;
    public string PreviousVersion { get; init; } = string.Empty;
    /// <summary>The new version in SemVer 2.0 (files may spell it in PEP 440, e.g. 1.2.0rc1).</summary>
    public string Version { get; init; } = string.Empty;
    /// <summary>The annotated tag created, or null with -NoTag / -NoCommit.</summary>
    public string? Tag { get; init; }
    /// <summary>The release commit, or null with -NoCommit.</summary>
    public string? Commit { get; init; }
    public string? Branch { get; init; }
    public bool IsPrerelease { get; init; }
    public X0VersionFileChange[] Files { get; init; } = Array.Empty<X0VersionFileChange>();
    public bool Pushed { get; init; }
    /// <summary>The remote pushed to, when <see cref="Pushed"/>.</summary>
    public string? Remote { get; init; }
    /// <summary>Bumped, or NoRelease when -Auto found nothing releasable (then nothing was written and Tag is null).</summary>
    public X0VersionStatus Status { get; init; } = X0VersionStatus.Bumped;
    /// <summary>Why this version (-Auto), or why no release.</summary>
    public string? Reason { get; init; }
    /// <summary>The level the commits since the last release call for: None, Patch, Minor or Major (after the 0.x rule).</summary>
    public string? Level { get; init; }
    /// <summary>The changelog updated in the release commit (relative path), or null.</summary>
    public string? Changelog { get; init; }

    public override string ToString() => Status == X0VersionStatus.NoRelease ? $"{Version} (no release: {Reason})" : $"{PreviousVersion} → {Version}";
}

/// <summary>One changed line of one version file.</summary>
public sealed class X0VersionFileChange
{
    /// <summary>Path relative to the project root, with forward slashes.</summary>
    public string Path { get; init; } = string.Empty;
    public int Line { get; init; }
    public string Before { get; init; } = string.Empty;
    public string After { get; init; } = string.Empty;

    public override string ToString() => $"{Path}:{Line}";
}
