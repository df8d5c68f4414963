using System.Text.Json;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>Where a tag stands relative to the digest it should name.</summary>
public enum TagState
{
    /// <summary>The tag already names the expected digest: nothing to do.</summary>
    AlreadyDone,
    /// <summary>The tag does not exist yet.</summary>
    Missing,
    /// <summary>The tag names another digest and will be moved.</summary>
    Moves,
}

/// <summary>The truth read from the registry for one tag.</summary>
public sealed record TagReconciliation(string Tag, string? CurrentDigest, TagState State);

/// <summary>What a publication will do: read first, so -WhatIf and re-runs know exactly what is missing.</summary>
public sealed record PublicationPlan(ImageRepository Repository, string Digest, IReadOnlyList<TagReconciliation> Tags)
{
    public bool AllDone => Tags.All(t => t.State == TagState.AlreadyDone);
    public IEnumerable<TagReconciliation> Pending => Tags.Where(t => t.State != TagState.AlreadyDone);
}

/// <summary>What happened to one tag.</summary>
public sealed record TagOutcome(string Tag, string Digest, TagState Before);

/// <summary>
/// Image publication with the release's reconcile-then-act contract: read the registry's truth (does
/// each tag already name the expected digest?), report AlreadyDone where it does, and only for the rest
/// act — re-tag the manifest by digest, never rebuild — then verify every tag by its
/// Docker-Content-Digest. A re-run after a partial failure finishes the job; a re-run after success
/// changes nothing. Build-X0Image -Promote uses it today; Publish-X0Release's Images step plugs it in.
/// </summary>
public sealed class ImagePublication
{
    private readonly IRegistryClient _registry;

    public ImagePublication(IRegistryClient registry) => _registry = registry;

    /// <summary>Reads, per tag, which digest the registry holds. No side effect.</summary>
    public async Task<PublicationPlan> ReadAsync(ImageRepository repository, string digest, IEnumerable<string> tags, CancellationToken cancellation)
    {
        var result = new List<TagReconciliation>();
        foreach (var tag in tags.Distinct(StringComparer.Ordinal))
        {
            cancellation.ThrowIfCancellationRequested();
            var current = await _registry.GetDigestAsync(repository, tag, cancellation).ConfigureAwait(false);
            var state = current is null ? TagState.Missing : current == digest ? TagState.AlreadyDone : TagState.Moves;
            result.Add(new TagReconciliation(tag, current, state));
        }
        return new PublicationPlan(repository, digest, result);
    }

    /// <summary>Points every pending tag at the plan's digest (the manifest is copied byte for byte), then verifies all tags.</summary>
    /// <exception cref="X0Exception">X0.ImageNotFound when the digest is not in the repository; X0.ImageDigestMismatch when verification fails.</exception>
    public async Task<IReadOnlyList<TagOutcome>> ApplyAsync(PublicationPlan plan, IX0Log log, CancellationToken cancellation)
    {
        var outcomes = new List<TagOutcome>();
        RegistryManifest? manifest = null;
        foreach (var tag in plan.Tags)
        {
            if (tag.State == TagState.AlreadyDone)
            {
                log.Verbose($"{plan.Repository.Reference(tag.Tag)} already names {plan.Digest}");
                outcomes.Add(new TagOutcome(tag.Tag, plan.Digest, tag.State));
                continue;
            }
            manifest ??= await _registry.GetManifestAsync(plan.Repository, plan.Digest, cancellation).ConfigureAwait(false)
                ?? throw new X0Exception(ErrorIds.ImageNotFound, X0ErrorCategory.ObjectNotFound,
                    $"an image {plan.Digest} in {plan.Repository.Name}", "no manifest with that digest",
                    "Push the image first (Build-X0Image -Push), or check -Digest and -Repository", plan.Repository.DigestReference(plan.Digest));
            log.Verbose($"{plan.Repository.Reference(tag.Tag)}: {(tag.CurrentDigest is null ? "new tag" : "moves from " + tag.CurrentDigest)} → {plan.Digest}");
            await _registry.PutManifestAsync(plan.Repository, tag.Tag, manifest, cancellation).ConfigureAwait(false);
            outcomes.Add(new TagOutcome(tag.Tag, plan.Digest, tag.State));
        }
        await VerifyAsync(plan.Repository, plan.Digest, plan.Tags.Select(t => t.Tag), cancellation).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>Every tag must now resolve to <paramref name="digest"/> in the registry.</summary>
    /// <exception cref="X0Exception">X0.ImageDigestMismatch.</exception>
    public async Task VerifyAsync(ImageRepository repository, string digest, IEnumerable<string> tags, CancellationToken cancellation)
    {
        foreach (var tag in tags)
        {
            var actual = await _registry.GetDigestAsync(repository, tag, cancellation).ConfigureAwait(false);
            if (actual != digest)
            {
                throw new X0Exception(ErrorIds.ImageDigestMismatch, X0ErrorCategory.InvalidResult,
                    $"{repository.Reference(tag)} to name {digest} after the push",
                    actual is null ? "no such tag in the registry" : $"the registry's manifest digest {actual}",
                    "Another push may have raced this one; run the command again and check who else pushes this tag", repository.Reference(tag));
            }
        }
    }

    /// <summary>Image id (config digest), total size, created time and labels of a pushed image, read from the registry.</summary>
    public async Task<(string? ConfigDigest, long Size, DateTimeOffset? Created, IReadOnlyDictionary<string, string> Labels)> DescribeAsync(
        ImageRepository repository, string digest, CancellationToken cancellation)
    {
        var manifest = await _registry.GetManifestAsync(repository, digest, cancellation).ConfigureAwait(false);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (manifest is null) return (null, 0, null, labels);
        using var doc = JsonDocument.Parse(manifest.Content);
        var root = doc.RootElement;
        long size = manifest.Content.Length;
        string? configDigest = null;
        DateTimeOffset? created = null;
        if (root.TryGetProperty("config", out var config) && config.TryGetProperty("digest", out var cd))
        {
            configDigest = cd.GetString();
            if (config.TryGetProperty("size", out var cs)) size += cs.GetInt64();
        }
        if (root.TryGetProperty("layers", out var layers) && layers.ValueKind == JsonValueKind.Array)
        {
            foreach (var layer in layers.EnumerateArray())
            {
                if (layer.TryGetProperty("size", out var ls)) size += ls.GetInt64();
            }
        }
        if (configDigest is not null && await _registry.GetBlobAsync(repository, configDigest, cancellation).ConfigureAwait(false) is { } blob)
        {
            using var cfg = JsonDocument.Parse(blob);
            if (cfg.RootElement.TryGetProperty("created", out var c) && c.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(c.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var when))
            {
                created = when;
            }
            if (cfg.RootElement.TryGetProperty("config", out var inner) && inner.TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in l.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.String) labels[p.Name] = p.Value.GetString()!;
                }
            }
        }
        return (configDigest, size, created, labels);
    }
}
