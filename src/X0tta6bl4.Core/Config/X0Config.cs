using Tomlyn.Model;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Config;

/// <summary>A configured version file (from [tool.x0tta6bl4] or a legacy bumpversion config).</summary>
/// <param name="PreferDetectedAnchor">From a config whose search is the bare version: anchor by file kind instead.</param>
public sealed record VersionFileSetting(
    string Path,
    string? Search = null,
    string? Replace = null,
    VersionScheme? Scheme = null,
    int Count = 1,
    bool IsRegex = false,
    bool PreferDetectedAnchor = false);

/// <summary>
/// One resolved configuration for a project: parameters → environment → [tool.x0tta6bl4] /
/// x0tta6bl4.toml → legacy bumpversion configs → defaults detected from the project.
/// </summary>
public sealed class X0Config
{
    public const string DefaultCommitMessage = "chore(release): {tag}";
    public const string DefaultTagMessage = "Release {tag}";
    public const string LegacyCommitMessage = "Bump version: {current_version} → {new_version}";

    public required string Root { get; init; }
    public string TagFormat { get; init; } = Versioning.TagFormat.Default;
    public string CommitMessage { get; init; } = DefaultCommitMessage;
    public string TagMessage { get; init; } = DefaultTagMessage;
    public bool Commit { get; init; } = true;
    public bool Tag { get; init; } = true;
    public bool AllowDirty { get; init; }
    public string Remote { get; init; } = "origin";
    public string PreReleaseLabel { get; init; } = VersionBump.DefaultPreReleaseLabel;

    /// <summary>Explicit version files; empty means "detect".</summary>
    public IReadOnlyList<VersionFileSetting> VersionFiles { get; init; } = Array.Empty<VersionFileSetting>();
    /// <summary>Detect version files even when some are configured.</summary>
    public bool DetectVersionFiles { get; init; } = true;

    /// <summary>The legacy config whose current_version must move along (path, section, is TOML).</summary>
    public (string Path, string Section, bool Toml)? LegacyVersionHolder { get; init; }
    /// <summary>
    /// Set when a bump2version / bump-my-version configuration decides the files (no version_files of our own):
    /// the bump then follows that tool's rules exactly.
    /// </summary>
    public Bump2VersionSettings? Bump2Version { get; init; }
    /// <summary>current_version declared in a legacy config, used to cross-check the files.</summary>
    public string? LegacyCurrentVersion { get; init; }

    /// <summary>The files configuration was read from, most significant first (for -Verbose and errors).</summary>
    public IReadOnlyList<string> Sources { get; init; } = Array.Empty<string>();
    /// <summary>Non-fatal findings (unknown keys, unsupported legacy options).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>The raw [tool.x0tta6bl4] table, for features that own further keys.</summary>
    public TomlTable Settings { get; init; } = new();

    public TagFormat Tags => new(TagFormat);
}
