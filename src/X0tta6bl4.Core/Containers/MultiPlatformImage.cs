using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>One platform's image manifest as uploaded, for the manifest list.</summary>
public sealed record PlatformManifest(string Digest, long Size, string Os, string Architecture, string? Variant)
{
    public string Platform => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}

/// <summary>
/// One multi-platform image from an engine whose image store holds one platform per image (Docker
/// before the containerd store): each platform is built on its own, read back from the engine as
/// docker save writes it, its layers gzip-compressed and uploaded unless the registry has them, its
/// config and manifest uploaded by digest — no tag ever names a single platform — and then one
/// manifest list names them all. Layers are staged in a temp folder, so memory stays flat.
/// </summary>
public sealed class MultiPlatformImage
{
    public const string ListMediaType = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string ManifestMediaType = "application/vnd.docker.distribution.manifest.v2+json";
    private const string ConfigMediaType = "application/vnd.docker.container.image.v1+json";
    private const string LayerMediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    private readonly IImageEngine _engine;
    private readonly IRegistryClient _registry;

    public MultiPlatformImage(IImageEngine engine, IRegistryClient registry)
    {
        _engine = engine;
        _registry = registry;
    }

    /// <summary>Uploads one engine image to <paramref name="repository"/> by digest and returns its manifest's place in the list.</summary>
    public async Task<PlatformManifest> UploadAsync(ImageRepository repository, string imageId, IX0Log log, CancellationToken cancellation)
    {
        var work = Directory.CreateTempSubdirectory("x0-platform-").FullName;
        try
        {
            await using (var saved = await _engine.ExportAsync(imageId, cancellation).ConfigureAwait(false))
            {
                await TarFile.ExtractToDirectoryAsync(saved, work, overwriteFiles: true, cancellation).ConfigureAwait(false);
            }
            using var index = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(work, "manifest.json"), cancellation).ConfigureAwait(false));
            var entry = index.RootElement[0];
            var configBytes = await File.ReadAllBytesAsync(Path.Combine(work, entry.GetProperty("Config").GetString()!), cancellation).ConfigureAwait(false);
            var layers = new JsonArray();
            foreach (var layer in entry.GetProperty("Layers").EnumerateArray())
            {
                var (digest, size) = await UploadLayerAsync(repository, Path.Combine(work, layer.GetString()!), log, cancellation).ConfigureAwait(false);
                layers.Add(new JsonObject { ["mediaType"] = LayerMediaType, ["size"] = size, ["digest"] = digest });
            }
            var configDigest = Digest(configBytes);
            if (!await _registry.BlobExistsAsync(repository, configDigest, cancellation).ConfigureAwait(false))
            {
                await _registry.UploadBlobAsync(repository, configDigest, () => new MemoryStream(configBytes, writable: false), cancellation).ConfigureAwait(false);
            }
            var manifest = new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = ManifestMediaType,
                ["config"] = new JsonObject { ["mediaType"] = ConfigMediaType, ["size"] = configBytes.Length, ["digest"] = configDigest },
                ["layers"] = layers,
            };
            var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
            var manifestDigest = Digest(bytes);
            await _registry.PutManifestAsync(repository, manifestDigest, new RegistryManifest(manifestDigest, ManifestMediaType, bytes), cancellation).ConfigureAwait(false);
            using var config = JsonDocument.Parse(configBytes);
            string? Field(string name) => config.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var result = new PlatformManifest(manifestDigest, bytes.Length, Field("os") ?? "linux", Field("architecture") ?? "amd64", Field("variant"));
            log.Verbose($"{result.Platform}: manifest {manifestDigest} ({layers.Count} layers) in {repository.Name}");
            return result;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The manifest list naming every platform's manifest, in the order given.</summary>
    public static RegistryManifest ManifestList(IEnumerable<PlatformManifest> platforms)
    {
        var manifests = new JsonArray();
        foreach (var p in platforms)
        {
            var platform = new JsonObject { ["architecture"] = p.Architecture, ["os"] = p.Os };
            if (p.Variant is not null) platform["variant"] = p.Variant;
            manifests.Add(new JsonObject { ["mediaType"] = ManifestMediaType, ["size"] = p.Size, ["digest"] = p.Digest, ["platform"] = platform });
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = ListMediaType, ["manifests"] = manifests });
        return new RegistryManifest(Digest(bytes), ListMediaType, bytes);
    }

    private async Task<(string Digest, long Size)> UploadLayerAsync(ImageRepository repository, string layerTar, IX0Log log, CancellationToken cancellation)
    {
        var gz = layerTar + ".gz";
        await using (var source = File.OpenRead(layerTar))
        await using (var target = File.Create(gz))
        {
            await using var gzip = new GZipStream(target, CompressionLevel.Fastest);
            await source.CopyToAsync(gzip, cancellation).ConfigureAwait(false);
        }
        string digest;
        await using (var compressed = File.OpenRead(gz))
        {
            digest = "sha256:" + Convert.ToHexString(await SHA256.HashDataAsync(compressed, cancellation).ConfigureAwait(false)).ToLowerInvariant();
        }
        var size = new FileInfo(gz).Length;
        if (await _registry.BlobExistsAsync(repository, digest, cancellation).ConfigureAwait(false))
        {
            log.Verbose($"layer {digest} already in {repository.Name}");
        }
        else
        {
            await _registry.UploadBlobAsync(repository, digest, () => File.OpenRead(gz), cancellation).ConfigureAwait(false);
            log.Verbose($"layer {digest} uploaded ({BytesText(size)})");
        }
        return (digest, size);
    }

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private static string BytesText(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MiB" : $"{bytes / 1024.0:0.0} KiB";
}
