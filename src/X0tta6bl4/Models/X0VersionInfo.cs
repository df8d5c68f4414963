namespace X0tta6bl4.Models;

/// <summary>
/// What Get-X0Version reports: the current version, every place it is read from and why, the last
/// release tag and the next version Step-X0Version -Auto would choose. <see cref="Path"/> binds by
/// property name to Step-X0Version and Publish-X0Release; <see cref="NextTag"/> is what -Auto would tag.
/// </summary>
public sealed class X0VersionInfo
{
    /// <summary>The project root.</summary>
    public string Path { get; init; } = string.Empty;
    /// <summary>The current version (SemVer 2.0): what the files hold, or the latest release tag when the build derives it from tags.</summary>
    public string Version { get; init; } = string.Empty;
    /// <summary>Every file the version is read from, with the anchor, the text written there and why that file.</summary>
    public X0VersionSource[] Sources { get; init; } = Array.Empty<X0VersionSource>();
    /// <summary>Set when no file holds the version because the build derives it from git tags: which tool, and where that is configured.</summary>
    public string? TagSource { get; init; }
    /// <summary>The configuration files read, most significant first.</summary>
    public string[] ConfigSources { get; init; } = Array.Empty<string>();
    public string TagFormat { get; init; } = string.Empty;
    /// <summary>The latest final release tag reachable from HEAD (the base of -Auto), or null.</summary>
    public string? LastReleaseTag { get; init; }
    /// <summary>The version Step-X0Version -Auto would choose now; null when it would make no release.</summary>
    public string? NextVersion { get; init; }
    public string? NextTag { get; init; }
    /// <summary>The level the commits since the last release call for: None, Patch, Minor or Major (after the 0.x rule).</summary>
    public string? Level { get; init; }
    /// <summary>Why that next version, or why no release.</summary>
    public string? Reason { get; init; }
    /// <summary>The files already hold the next version (an earlier bump was never tagged): -Auto would tag it, not bump again.</summary>
    public bool AlreadyBumped { get; init; }

    public override string ToString() => NextVersion is null ? $"{Version} (no release)" : $"{Version} → {NextVersion}";
}

/// <summary>One place the version is read from.</summary>
public sealed class X0VersionSource
{
    /// <summary>Path relative to the project root, with forward slashes.</summary>
    public string Path { get; init; } = string.Empty;
    /// <summary>Where in the file, e.g. [project].version or __version__.</summary>
    public string Anchor { get; init; } = string.Empty;
    /// <summary>The version as the file spells it (PEP 440 in Python files).</summary>
    public string Written { get; init; } = string.Empty;
    /// <summary>Why this file: the layout it was detected by, or the configuration that lists it.</summary>
    public string Reason { get; init; } = string.Empty;

    public override string ToString() => $"{Path} ({Anchor})";
}
