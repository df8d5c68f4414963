using Semver;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Git;

namespace X0tta6bl4.Core.Releasing;

/// <summary>What Publish-X0Release was asked for.</summary>
public sealed record ReleaseRequest
{
    public required string Path { get; init; }
    /// <summary>The release tag; default: the release tag at HEAD.</summary>
    public string? Tag { get; init; }
    /// <summary>The version (SemVer or PEP 440); used to find the tag when no tag is given.</summary>
    public string? Version { get; init; }
    public IReadOnlyList<string> Assets { get; init; } = Array.Empty<string>();
    public bool SkipTests { get; init; }
    /// <summary>Reports of tests that ran in an earlier job (JUnit, TRX, Cobertura; globs): gate on them instead of running the tests.</summary>
    public IReadOnlyList<string> TestReports { get; init; } = Array.Empty<string>();
    /// <summary>Gates whose tool may be missing in this release (test, lint, type, format, coverage, all); added to optional_gates.</summary>
    public IReadOnlyList<string> OptionalGates { get; init; } = Array.Empty<string>();
    public bool Draft { get; init; }
    public string? Token { get; init; }
    public string? ApiUrl { get; init; }
    public string? Repository { get; init; }
    public string? OutputDirectory { get; init; }
    public string Remote { get; init; } = "origin";
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>Build and push container images as part of the release.</summary>
    public bool Images { get; init; }
    /// <summary>Dockerfile targets to release (default: images.release_targets, else the last stage).</summary>
    public IReadOnlyList<string> ImageTargets { get; init; } = Array.Empty<string>();
    /// <summary>Image repository (default: ghcr.io/owner/repo from the remote).</summary>
    public string? ImageRepository { get; init; }
    /// <summary>Notes given by the user instead of the generated ones.</summary>
    public string? Notes { get; init; }
}

/// <summary>A file attached to the release.</summary>
public sealed record ReleaseAsset(string Name, string Path, long Size, string Sha256)
{
    /// <summary>Set once the asset is on the GitHub release.</summary>
    public string? Url { get; init; }
}

/// <summary>An image the release pushed.</summary>
public sealed record ReleaseImage(string Repository, IReadOnlyList<string> Tags, string? Digest, string? Target);

/// <summary>Release notes as the notes engine produced them.</summary>
public sealed record ReleaseNotes(string Markdown, string? PreviousTag, int EntryCount);

/// <summary>What the quality gates said about the tagged commit.</summary>
public sealed record GateSummary(bool Succeeded, int Passed, int Failed, int Skipped, string Summary, double? LineCoverage);

/// <summary>
/// The shared state steps read and fill in as the release proceeds: the first steps resolve the
/// tag, commit and notes; later steps publish them.
/// </summary>
public sealed class ReleaseState
{
    public ReleaseState(ReleaseRequest request, X0Config config, IGitRepository repository)
    {
        Request = request;
        Config = config;
        Repository = repository;
    }

    public ReleaseRequest Request { get; }
    public X0Config Config { get; }
    public IGitRepository Repository { get; }

    public string Tag { get; set; } = string.Empty;
    internal SemVersion? Version { get; set; }
    public string VersionText => Version?.ToString() ?? string.Empty;
    public bool IsPrerelease => Version?.IsPrerelease ?? false;
    public string Commit { get; set; } = string.Empty;
    /// <summary>owner/name on GitHub, when the release goes there.</summary>
    public string? GitHubRepository { get; set; }
    public ReleaseNotes? Notes { get; set; }
    public GateSummary? Gates { get; set; }
    public List<ReleaseAsset> Assets { get; } = new();
    public List<ReleaseImage> Images { get; } = new();
    /// <summary>The release's packages (built by the Packages step; attached as assets and published by the index steps).</summary>
    public List<Packages.BuiltPackage> Packages { get; } = new();
    /// <summary>The folder holding the local copy of the release (notes, assets, SHA256SUMS).</summary>
    public string OutputDirectory { get; set; } = string.Empty;
    public string? ReleaseUrl { get; set; }
    /// <summary>Sets the tag-specific release folder (request → release_dir setting → out/releases) and loads its record.</summary>
    internal void UseTag(string tag)
    {
        Tag = tag;
        var configured = Config.Settings.TryGetValue("release_dir", out var v) ? v as string : null;
        var baseDir = Request.OutputDirectory ?? configured ?? Path.Combine("out", "releases");
        OutputDirectory = Path.GetFullPath(Path.Combine(Config.Root, baseDir, tag));
        PreviousRecord = ReleaseRecord.Load(OutputDirectory);
    }

    /// <summary>What an earlier run of this release recorded (explains and speeds up; never the source of truth).</summary>
    public ReleaseRecord? PreviousRecord { get; set; }
    public bool Published { get; set; }
}
