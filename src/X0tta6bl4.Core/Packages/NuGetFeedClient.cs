using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Packages;

/// <summary>A NuGet feed: a local folder repository, a v3 service index, or a v2 push URL (the PowerShell Gallery).</summary>
public sealed record NuGetFeed(string Display, string? Folder, Uri? ServiceIndex, Uri? V2Base)
{
    public const string GalleryV2 = "https://www.powershellgallery.com/api/v2/";
    public const string NuGetOrg = "https://api.nuget.org/v3/index.json";

    public bool IsFolder => Folder is not null;

    /// <summary>PSGallery, nuget.org, an http(s) URL (…/index.json = v3, else v2), or a folder path (relative to <paramref name="baseDirectory"/>).</summary>
    public static NuGetFeed Resolve(string spec, string baseDirectory)
    {
        if (spec.Equals("PSGallery", StringComparison.OrdinalIgnoreCase)) return new NuGetFeed("PSGallery", null, null, new Uri(GalleryV2));
        if (spec.Equals("nuget.org", StringComparison.OrdinalIgnoreCase)) return new NuGetFeed("nuget.org", null, new Uri(NuGetOrg), null);
        if (Uri.TryCreate(spec, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri.AbsolutePath.EndsWith("index.json", StringComparison.OrdinalIgnoreCase)
                ? new NuGetFeed(spec, null, uri, null)
                : new NuGetFeed(spec, null, null, new Uri(spec.TrimEnd('/') + "/"));
        }
        if (Uri.TryCreate(spec, UriKind.Absolute, out var file) && file.IsFile) spec = file.LocalPath;
        var folder = Path.GetFullPath(Path.Combine(baseDirectory, spec));
        return new NuGetFeed(folder, folder, null, null);
    }

    public override string ToString() => Display;
}

/// <summary>How a push ended.</summary>
public enum PushOutcome
{
    Pushed,
    /// <summary>409: the feed has that id and version; compare what it serves.</summary>
    Conflict,
    Transient,
}

/// <summary>
/// The NuGet push protocol (PUT multipart with X-NuGet-ApiKey) and reads of what the feed serves
/// (flat container / v2 package download), against folders, v3 feeds and the PowerShell Gallery.
/// </summary>
public sealed class NuGetFeedClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly NuGetFeed _feed;
    private Uri? _push;
    private Uri? _flat;

    public NuGetFeedClient(NuGetFeed feed, Func<HttpMessageHandler>? handler = null)
    {
        _feed = feed;
        _http = new HttpClient(handler?.Invoke() ?? new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }) { Timeout = TimeSpan.FromMinutes(10) };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("x0tta6bl4", "1"));
    }

    public NuGetFeed Feed => _feed;

    public void Dispose() => _http.Dispose();

    private async Task EnsureEndpointsAsync(CancellationToken ct)
    {
        if (_push is not null || _feed.IsFolder) return;
        if (_feed.V2Base is { } v2)
        {
            _push = new Uri(v2, "package/");
            return;
        }
        var index = _feed.ServiceIndex!;
        using var response = await Get(index, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new X0Exception(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.ResourceUnavailable, $"the NuGet service index {index}",
                $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", "Check the feed URL (-NuGetRepository)", index.ToString());
        }
        var resources = JsonNode.Parse(text)?["resources"]?.AsArray() ?? new JsonArray();
        Uri? Find(string type) => resources.Where(r => (r?["@type"]?.GetValue<string>() ?? string.Empty).StartsWith(type, StringComparison.Ordinal))
            .Select(r => new Uri(r!["@id"]!.GetValue<string>())).FirstOrDefault();
        _push = Find("PackagePublish/") ?? throw new X0Exception(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.NotImplemented,
            $"a PackagePublish resource in {index}", "none (the feed is read-only)", "Use the feed's push URL", index.ToString());
        var flat = Find("PackageBaseAddress/");
        _flat = flat is null ? null : new Uri(flat.ToString().TrimEnd('/') + "/");
    }

    /// <summary>The bytes the feed serves for id/version, or null when it has no such package.</summary>
    public async Task<byte[]?> DownloadAsync(string id, string version, CancellationToken ct)
    {
        if (_feed.Folder is { } folder)
        {
            var path = FolderPath(folder, id, version, existingOnly: true);
            return path is null ? null : await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        }
        await EnsureEndpointsAsync(ct).ConfigureAwait(false);
        var lowerId = id.ToLowerInvariant();
        var lowerVersion = NuGetPackageReader.Normalize(version).ToLowerInvariant();
        var url = _flat is not null
            ? new Uri(_flat, $"{lowerId}/{lowerVersion}/{lowerId}.{lowerVersion}.nupkg")
            : new Uri(_feed.V2Base!, $"package/{id}/{NuGetPackageReader.Normalize(version)}");
        using var response = await Get(url, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode)
        {
            throw new X0Exception(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.ResourceUnavailable, $"{_feed} to serve {id} {version} or say it has none",
                $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", "Try again later", url.ToString());
        }
        return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
    }

    public async Task<(PushOutcome Outcome, string Detail)> PushAsync(PackageFile file, string id, string version, string? apiKey, CancellationToken ct)
    {
        if (_feed.Folder is { } folder)
        {
            if (FolderPath(folder, id, version, existingOnly: true) is not null) return (PushOutcome.Conflict, "the folder has that version");
            Directory.CreateDirectory(folder);
            var target = FolderPath(folder, id, version, existingOnly: false)!;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = target + ".tmp-" + Guid.NewGuid().ToString("N")[..6];
            File.Copy(file.Path, temp, overwrite: true);
            File.Move(temp, target, overwrite: false);
            return (PushOutcome.Pushed, $"copied to {target}");
        }
        await EnsureEndpointsAsync(ct).ConfigureAwait(false);
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(await File.ReadAllBytesAsync(file.Path, ct).ConfigureAwait(false));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "package", "package.nupkg");
        using var request = new HttpRequestMessage(HttpMethod.Put, _push) { Content = form };
        if (!string.IsNullOrEmpty(apiKey)) request.Headers.Add("X-NuGet-ApiKey", SecretRedactor.Register(apiKey));
        request.Headers.Add("X-NuGet-Protocol-Version", "4.1.0");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return (PushOutcome.Transient, SecretRedactor.Redact(ex.Message));
        }
        using (response)
        {
            var body = SecretRedactor.Redact(Regex.Replace(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false), @"\s+", " ").Trim());
            if (body.Length > 300) body = body[..300] + "…";
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return (PushOutcome.Pushed, $"HTTP {status}");
            if (status == 409) return (PushOutcome.Conflict, body);
            if (status is 401 or 403)
            {
                var missing = string.IsNullOrEmpty(apiKey);
                throw new X0Exception(ErrorIds.PackageIndexAuthenticationFailed, X0ErrorCategory.PermissionDenied,
                    $"{_feed} to accept the API key for {id}",
                    missing ? $"HTTP {status} and no API key was sent" : $"HTTP {status}: the key is invalid, has expired, or may not push '{id}' ({body})",
                    missing ? "Pass -NuGetApiKey or set NUGET_API_KEY"
                            : "Create a new API key with push rights for this package (keys expire; the Gallery's after a year at most) and publish again", _push!.ToString());
            }
            if (status >= 500 || status == 429) return (PushOutcome.Transient, $"HTTP {status} {body}");
            throw new X0Exception(ErrorIds.PackageIndexRejected, X0ErrorCategory.InvalidData, $"{_feed} to accept {file.Name}", $"HTTP {status}: {body}",
                "Fix what the feed names and release a new version", file.Name);
        }
    }

    private async Task<HttpResponseMessage> Get(Uri url, CancellationToken ct)
    {
        try
        {
            return await _http.GetAsync(url, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new X0Exception(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.ConnectionError, $"{url.GetLeftPart(UriPartial.Authority)} to answer",
                SecretRedactor.Redact(ex.Message), "Check the network and the feed URL, then publish again", url.ToString());
        }
    }

    /// <summary>A folder feed: flat &lt;id&gt;.&lt;version&gt;.nupkg (PSResourceGet) or hierarchical &lt;id&gt;/&lt;version&gt;/ (nuget add).</summary>
    private static string? FolderPath(string folder, string id, string version, bool existingOnly)
    {
        var normalized = NuGetPackageReader.Normalize(version);
        var candidates = new[]
        {
            Path.Combine(folder, $"{id}.{normalized}.nupkg"),
            Path.Combine(folder, $"{id.ToLowerInvariant()}.{normalized.ToLowerInvariant()}.nupkg"),
            Path.Combine(folder, id.ToLowerInvariant(), normalized.ToLowerInvariant(), $"{id.ToLowerInvariant()}.{normalized.ToLowerInvariant()}.nupkg"),
        };
        if (Directory.Exists(folder))
        {
            // Case-insensitive match on a case-sensitive file system.
            var flat = Directory.GetFiles(folder, "*.nupkg").FirstOrDefault(f => Path.GetFileName(f).Equals($"{id}.{normalized}.nupkg", StringComparison.OrdinalIgnoreCase));
            if (flat is not null) return flat;
        }
        var existing = candidates.FirstOrDefault(File.Exists);
        if (existing is not null || existingOnly) return existing;
        return Directory.Exists(Path.Combine(folder, id.ToLowerInvariant())) ? candidates[2] : candidates[0];
    }

    /// <summary>Parts of the package format, not of the package: signatures and the OPC bookkeeping a packer names at random.</summary>
    private static bool IsPackagingPart(string name) =>
        name.Equals(".signature.p7s", StringComparison.OrdinalIgnoreCase) || name.Equals("_rels/.rels", StringComparison.Ordinal)
        || name.Equals("[Content_Types].xml", StringComparison.Ordinal)
        || (name.StartsWith("package/services/metadata/core-properties/", StringComparison.Ordinal) && name.EndsWith(".psmdcp", StringComparison.Ordinal));

    /// <summary>
    /// Same package? Same bytes, or the same nuspec and files: nuget.org adds a repository signature,
    /// and another pack of the same content names its bookkeeping parts differently.
    /// </summary>
    public static bool SameContent(byte[] ours, byte[] theirs)
    {
        if (ours.AsSpan().SequenceEqual(theirs)) return true;
        try
        {
            static Dictionary<string, string> Entries(byte[] bytes)
            {
                using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
                return zip.Entries.Where(e => !IsPackagingPart(e.FullName) && !e.FullName.EndsWith('/'))
                    .ToDictionary(e => e.FullName, e =>
                    {
                        using var s = e.Open();
                        return Convert.ToHexString(SHA256.HashData(s));
                    }, StringComparer.Ordinal);
            }
            var a = Entries(ours);
            var b = Entries(theirs);
            return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
