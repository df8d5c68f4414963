using System.Collections.Specialized;

namespace X0tta6bl4.Models;

/// <summary>What an X0Image stands for.</summary>
public enum X0ImageStatus
{
    /// <summary>-WhatIf: the image a run would build (nothing was built or pushed).</summary>
    Planned,
    /// <summary>Built in the engine, not pushed.</summary>
    Built,
    /// <summary>Built (or found) and every tag verified in the registry.</summary>
    Pushed,
    /// <summary>Tags added in the registry to an image already there, by digest.</summary>
    Promoted,
}

/// <summary>One tag of an image and the rule that gave it.</summary>
public sealed class X0ImageTag
{
    public string Tag { get; init; } = string.Empty;
    /// <summary>Why the tag policy chose it ("release v1.2.3", "branch develop", "-Tag").</summary>
    public string Reason { get; init; } = string.Empty;
    /// <summary>What the registry holds under it, when read: New, AlreadyDone, Moves; null when not read.</summary>
    public string? Registry { get; init; }

    public override string ToString() => $"{Tag} ({Reason})";
}

/// <summary>
/// The result of Build-X0Image: an image built (and pushed), promoted in the registry, or — under
/// -WhatIf — planned. <see cref="Repository"/> and <see cref="Digest"/> bind by property name to
/// Build-X0Image -Promote.
/// </summary>
public sealed class X0Image
{
    public X0ImageStatus Status { get; init; } = X0ImageStatus.Built;
    /// <summary>The image id (sha256 of its configuration), as docker images shows it; null when planned.</summary>
    public string? Id { get; init; }
    /// <summary>The repository, e.g. ghcr.io/owner/name.</summary>
    public string Repository { get; init; } = string.Empty;
    public string[] Tags { get; init; } = Array.Empty<string>();
    /// <summary>Each tag with the reason the tag policy gave it (and the registry's state when it was read).</summary>
    public X0ImageTag[] TagPlan { get; init; } = Array.Empty<X0ImageTag>();
    /// <summary>The manifest digest in the registry (verified for every tag after a push); null when never pushed.</summary>
    public string? Digest { get; init; }
    /// <summary>Size in bytes (engine: uncompressed; promote: compressed, as the registry stores it).</summary>
    public long Size { get; init; }
    /// <summary>The build stage, e.g. dev or prod; null for the last stage.</summary>
    public string? Target { get; init; }
    /// <summary>os/arch the image is built for; empty for the engine's own platform.</summary>
    public string[] Platforms { get; init; } = Array.Empty<string>();
    /// <summary>BuildKit, or Classic on an engine without BuildKit; null when promoting.</summary>
    public string? Builder { get; init; }
    /// <summary>Ids of the build secrets the build may mount (never their values).</summary>
    public string[] Secrets { get; init; } = Array.Empty<string>();
    /// <summary>Images whose inline cache the build reuses.</summary>
    public string[] CacheFrom { get; init; } = Array.Empty<string>();
    public DateTime? Created { get; init; }
    /// <summary>True when every tag was pushed (or already named this image) and verified in the registry.</summary>
    public bool Pushed { get; init; }
    /// <summary>Labels of the image, sorted by key (the OCI labels among them).</summary>
    public OrderedDictionary Labels { get; init; } = new();

    /// <summary>repository:tag for every tag.</summary>
    public string[] References => Tags.Select(t => Repository + ":" + t).ToArray();

    public override string ToString() => Tags.Length > 0 ? Repository + ":" + Tags[0] : Repository;
}
