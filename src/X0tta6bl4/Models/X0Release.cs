namespace X0tta6bl4.Models;

/// <summary>The result of Publish-X0Release: the release and the account of every step.</summary>
public sealed class X0Release
{
    public string Version { get; init; } = string.Empty;
    public string Tag { get; init; } = string.Empty;
    public string Commit { get; init; } = string.Empty;
    /// <summary>owner/name on GitHub, or null for a release produced locally.</summary>
    public string? Repository { get; init; }
    public string? Url { get; init; }
    public bool Draft { get; init; }
    public bool Prerelease { get; init; }
    public bool Succeeded { get; init; }
    public string? Notes { get; init; }
    /// <summary>The local copy of the release: NOTES.md, assets/ with SHA256SUMS, release.json.</summary>
    public string OutputDirectory { get; init; } = string.Empty;
    public X0ReleaseStep[] Steps { get; init; } = Array.Empty<X0ReleaseStep>();
    public X0ReleaseAsset[] Assets { get; init; } = Array.Empty<X0ReleaseAsset>();
    /// <summary>Gate counts for the tagged commit, or null when -SkipTests.</summary>
    public X0ReleaseGates? TestRun { get; init; }
    public bool TestsSkipped { get; init; }
    /// <summary>Images this run pushed (empty when they were already published or not requested).</summary>
    public X0ReleaseImage[] Images { get; init; } = Array.Empty<X0ReleaseImage>();
    /// <summary>The packages built, checked and published (PyPI, NuGet feeds, the PowerShell Gallery).</summary>
    public X0Package[] Packages { get; init; } = Array.Empty<X0Package>();

    public override string ToString() => $"{Tag} ({(Succeeded ? "ok" : "failed")})";
}

/// <summary>One step of a release: Done | AlreadyDone | Skipped | Failed | Planned.</summary>
public sealed class X0ReleaseStep
{
    public string Name { get; init; } = string.Empty;
    public string Status { get; init; } = string.Empty;
    public string Detail { get; init; } = string.Empty;
    public TimeSpan Duration { get; init; }
    /// <summary>The stable error ID when the step failed.</summary>
    public string? ErrorId { get; init; }

    public override string ToString() => $"{Name}: {Status}";
}

/// <summary>A file of the release with its digest.</summary>
public sealed class X0ReleaseAsset
{
    public string Name { get; init; } = string.Empty;
    public long Size { get; init; }
    public string Sha256 { get; init; } = string.Empty;
    public string? Url { get; init; }
    /// <summary>Local copy in the release folder.</summary>
    public string Path { get; init; } = string.Empty;

    public override string ToString() => Name;
}

/// <summary>What the gates said about the tagged commit.</summary>
public sealed class X0ReleaseGates
{
    public bool Succeeded { get; init; }
    public int Passed { get; init; }
    public int Failed { get; init; }
    public int Skipped { get; init; }
    public double? LineCoverage { get; init; }
    public string Summary { get; init; } = string.Empty;

    public override string ToString() => Summary;
}

/// <summary>An image the release built and pushed.</summary>
public sealed class X0ReleaseImage
{
    public string Repository { get; init; } = string.Empty;
    public string[] Tags { get; init; } = Array.Empty<string>();
    public string? Digest { get; init; }
    public string? Target { get; init; }

    public override string ToString() => $"{Repository}@{Digest}";
}
