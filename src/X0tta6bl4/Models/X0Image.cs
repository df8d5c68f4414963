using System.Collections.Specialized;

namespace X0tta6bl4.Models;

/// <summary>
/// The result of Build-X0Image: an image built (and pushed), or promoted in the registry.
/// <see cref="Repository"/> and <see cref="Digest"/> bind by property name to Build-X0Image -Promote.
/// </summary>
public sealed class X0Image
{
    /// <summary>The image id (sha256 of its configuration), as docker images shows it.</summary>
    public string? Id { get; init; }
    /// <summary>The repository, e.g. ghcr.io/owner/name.</summary>
    public string Repository { get; init; } = string.Empty;
    public string[] Tags { get; init; } = Array.Empty<string>();
    /// <summary>The manifest digest in the registry (verified for every tag after a push); null when never pushed.</summary>
    public string? Digest { get; init; }
    /// <summary>Size in bytes (engine: uncompressed; promote: compressed, as the registry stores it).</summary>
    public long Size { get; init; }
    /// <summary>The build stage, e.g. dev or prod; null for the last stage.</summary>
    public string? Target { get; init; }
    public DateTime? Created { get; init; }
    /// <summary>True when every tag was pushed (or already named this image) and verified in the registry.</summary>
    public bool Pushed { get; init; }
    /// <summary>Labels of the image, sorted by key (the OCI labels among them).</summary>
    public OrderedDictionary Labels { get; init; } = new();

    /// <summary>repository:tag for every tag.</summary>
    public string[] References => Tags.Select(t => Repository + ":" + t).ToArray();

    public override string ToString() => Tags.Length > 0 ? Repository + ":" + Tags[0] : Repository;
}
