using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub.Http;
using X0tta6bl4.Core.Releasing;

namespace X0tta6bl4.Core.GitHub;

/// <summary>
/// GitHub releases and assets over the shared handler chain (auth, rate limits, bounded retries of
/// idempotent calls). Plain HTTP rather than Octokit here: Octokit 14 models neither an asset's
/// <c>digest</c> nor a release's <c>immutable</c> flag, and both decide whether a release is complete.
/// Mutations are never retried by the pipeline; the release step re-reads state before repeating one.
/// </summary>
public sealed class HttpReleaseGateway : IGitHubReleaseGateway, IDisposable
{
    private readonly GitHubOptions _options;
    private readonly X0Context _context;
    private readonly HttpClient _http;
    private readonly string _userAgent;

    public HttpReleaseGateway(GitHubOptions options, X0Context context)
    {
        _options = options;
        _context = context;
        _userAgent = $"x0tta6bl4/{options.ProductVersion}";
        _http = new HttpClient(GitHubHttpPipeline.Create(options, context, new GitHubRateLimitMonitor()), disposeHandler: true)
        {
            // Bounds live in the pipeline per attempt (AttemptTimeoutHandler): silence, not total time, for uploads.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<GitHubPermissions> GetPermissionsAsync(string repository, CancellationToken cancellation)
    {
        using var response = await SendAsync(HttpMethod.Get, $"repos/{repository}", null, repository, cancellation).ConfigureAwait(false);
        var scopes = response.Headers.TryGetValues("X-OAuth-Scopes", out var s) ? string.Join(",", s) : null;
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false));
        if (doc.RootElement.TryGetProperty("permissions", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            var push = p.TryGetProperty("push", out var pv) && pv.ValueKind == JsonValueKind.True;
            var admin = p.TryGetProperty("admin", out var av) && av.ValueKind == JsonValueKind.True;
            var maintain = p.TryGetProperty("maintain", out var mv) && mv.ValueKind == JsonValueKind.True;
            return new GitHubPermissions(push || admin || maintain, $"permissions.push is {(push ? "true" : "false")} for this token on {repository}");
        }
        if (scopes is not null)
        {
            var list = scopes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var ok = list.Contains("repo") || list.Contains("public_repo");
            return new GitHubPermissions(ok, $"token scopes: {(list.Length == 0 ? "none" : string.Join(", ", list))}");
        }
        // Installation tokens (GITHUB_TOKEN) report neither; the workflow's permissions decide, and the
        // first write will say so. Reading the repository proves at least that the token is valid.
        return new GitHubPermissions(true, "token accepted (its write permission is reported by neither permissions nor scopes)");
    }

    public async Task<IReadOnlyList<GitHubReleaseInfo>> FindReleasesAsync(string repository, string tag, CancellationToken cancellation)
    {
        var result = new List<GitHubReleaseInfo>();
        // Drafts are invisible to GET /releases/tags/{tag}: list (newest first) and filter.
        for (var page = 1; page <= 10; page++)
        {
            using var response = await SendAsync(HttpMethod.Get, $"repos/{repository}/releases?per_page=100&page={page}", null, repository, cancellation).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false));
            var count = 0;
            foreach (var r in doc.RootElement.EnumerateArray())
            {
                count++;
                if (r.GetProperty("tag_name").GetString() == tag) result.Add(MapRelease(r));
            }
            if (count < 100) break;
        }
        return result.OrderBy(r => r.Id).ToList();
    }

    public async Task<GitHubReleaseInfo> CreateDraftAsync(string repository, string tag, string name, string body, bool prerelease, CancellationToken cancellation)
    {
        var payload = new JsonObject
        {
            ["tag_name"] = tag,
            ["name"] = name,
            ["body"] = body,
            ["draft"] = true,
            ["prerelease"] = prerelease,
        };
        using var response = await SendAsync(HttpMethod.Post, $"repos/{repository}/releases", payload, repository, cancellation).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false));
        return MapRelease(doc.RootElement);
    }

    public async Task<GitHubAssetInfo> UploadAssetAsync(string repository, GitHubReleaseInfo release, ReleaseAsset asset, IProgress<long>? progress, CancellationToken cancellation)
    {
        var template = release.UploadUrl ?? throw new X0Exception(ErrorIds.GitHubRequestInvalid, X0ErrorCategory.ProtocolError,
            "an upload_url on the release", "none", "Run again; report it if it persists", release.HtmlUrl);
        var brace = template.IndexOf('{', StringComparison.Ordinal);
        var baseUrl = brace >= 0 ? template[..brace] : template;
        var uri = new Uri($"{baseUrl}?name={Uri.EscapeDataString(asset.Name)}");
        if (!GitHubAuthHandler.SameAuthority(uri, _options.ApiUrl) && !GitHubAuthHandler.IsUploadsHostOf(uri, _options.ApiUrl))
        {
            throw new X0Exception(ErrorIds.GitHubRequestInvalid, X0ErrorCategory.SecurityError,
                $"an upload URL on {_options.ApiUrl.Host} (or uploads.github.com)", uri.GetLeftPart(UriPartial.Authority),
                "Check -ApiUrl / GITHUB_API_URL: the token is only ever sent to the GitHub it belongs to", release.HtmlUrl);
        }
        await using var file = new FileStream(asset.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var watch = new UploadWatch(asset.Name, asset.Size, progress);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ProgressStreamContent(file, watch),
        };
        // Bounded by silence per attempt (AttemptTimeoutHandler), so a long upload is fine and a stalled one is not.
        request.Options.Set(UploadWatch.Key, watch);
        // The published description takes uploads as application/octet-stream only; GitHub accepts it for every file.
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = file.Length;
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        request.Headers.UserAgent.ParseAdd(_userAgent);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, $"{repository} asset {asset.Name}", repository).ConfigureAwait(false);
        }
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false));
        _context.Log.Verbose($"Uploaded {asset.Name} ({asset.Size:N0} B) to {release.HtmlUrl}");
        return MapAsset(doc.RootElement);
    }

    public async Task DeleteAssetAsync(string repository, long assetId, CancellationToken cancellation)
    {
        using var _ = await SendAsync(HttpMethod.Delete, $"repos/{repository}/releases/assets/{assetId}", null, repository, cancellation, allowNotFound: true).ConfigureAwait(false);
    }

    public async Task<string> GetAssetSha256Async(string repository, GitHubAssetInfo asset, CancellationToken cancellation)
    {
        var uri = new Uri(_options.ApiUrl, $"repos/{repository}/releases/assets/{asset.Id}");
        for (var hop = 0; hop < 5; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.ParseAdd("application/octet-stream");
            request.Headers.UserAgent.ParseAdd(_userAgent);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                // Pre-signed storage URL: the auth handler keeps the token off it.
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorAsync(response, $"{repository} asset {asset.Name}", repository).ConfigureAwait(false);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
            return Convert.ToHexString(await SHA256.HashDataAsync(stream, cancellation).ConfigureAwait(false)).ToLowerInvariant();
        }
        throw new X0Exception(ErrorIds.GitHubRequestInvalid, X0ErrorCategory.ProtocolError, "at most 5 redirects to the asset", "more",
            "Run again; report it if it persists", asset.Name);
    }

    public async Task<GitHubReleaseInfo> UpdateReleaseAsync(string repository, long releaseId, GitHubReleaseUpdate update, CancellationToken cancellation)
    {
        var payload = new JsonObject();
        if (update.Body is not null) payload["body"] = update.Body;
        if (update.Draft is { } draft) payload["draft"] = draft;
        if (update.Prerelease is { } prerelease) payload["prerelease"] = prerelease;
        using var response = await SendAsync(HttpMethod.Patch, $"repos/{repository}/releases/{releaseId}", payload,
            repository, cancellation).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false));
        return MapRelease(doc.RootElement);
    }

    public async Task DeleteReleaseAsync(string repository, long releaseId, CancellationToken cancellation)
    {
        using var _ = await SendAsync(HttpMethod.Delete, $"repos/{repository}/releases/{releaseId}", null, repository, cancellation, allowNotFound: true).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, JsonObject? body, string repository,
        CancellationToken cancellation, bool allowNotFound = false)
    {
        var uri = new Uri(_options.ApiUrl, relative);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        request.Headers.UserAgent.ParseAdd(_userAgent);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        // Each attempt is bounded by AttemptTimeoutHandler; a whole-call bound would also count rate-limit waits.
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellation).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new X0Exception(ErrorIds.GitHubUnreachable, X0ErrorCategory.ConnectionError, $"a connection to {uri.GetLeftPart(UriPartial.Authority)}",
                ex.Message, "Check the network (and -ApiUrl / GITHUB_API_URL), then run again: the release resumes where it stopped", repository, ex);
        }
        _context.Log.Debug($"{method} {uri.AbsolutePath}{uri.Query}: {(int)response.StatusCode}");
        if (response.IsSuccessStatusCode || (allowNotFound && response.StatusCode == HttpStatusCode.NotFound))
        {
            return response;
        }
        using (response)
        {
            throw await ErrorAsync(response, $"{repository} {method} {uri.AbsolutePath}", repository).ConfigureAwait(false);
        }
    }

    private async Task<X0Exception> ErrorAsync(HttpResponseMessage response, string target, string repository)
    {
        string message;
        try
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            using var doc = JsonDocument.Parse(text);
            message = doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? text : text;
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                var codes = errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("code", out var c) ? c.GetString() : e.ToString());
                message += " (" + string.Join(", ", codes) + ")";
            }
        }
        catch (JsonException)
        {
            message = response.ReasonPhrase ?? string.Empty;
        }
        var status = (int)response.StatusCode;
        if (status == 403 && !message.Contains("rate limit", StringComparison.OrdinalIgnoreCase))
        {
            // Release writes need contents: write; say that rather than the generic Actions hint.
            var accepted = response.Headers.TryGetValues("x-accepted-github-permissions", out var a) ? string.Join(",", a) : "contents=write";
            return new X0Exception(ErrorIds.GitHubPermissionDenied, X0ErrorCategory.PermissionDenied,
                $"a token allowed to write releases of {repository} ({accepted.Replace("=", ": ", StringComparison.Ordinal)})", $"403 {message}",
                "In GitHub Actions add 'permissions: contents: write' to the job; otherwise use a token with the repo scope (classic) or Contents read/write (fine-grained)", target);
        }
        if (status == 422)
        {
            var exists = message.Contains("already_exists", StringComparison.Ordinal);
            return new X0Exception(ErrorIds.GitHubRequestInvalid, exists ? X0ErrorCategory.ResourceExists : X0ErrorCategory.InvalidArgument,
                exists ? $"{target} to be free" : $"GitHub to accept {target}", $"422 {message}",
                exists ? "Another run (or a person) made it meanwhile: run Publish-X0Release again to reconcile with it"
                    : "Run again with -Debug to see the exchange; report it if the request looks right", target);
        }
        GitHubRepositoryName.TryParse(repository, out var name);
        return GitHubErrors.From(status, message, target, name, _options.ApiUrl, null);
    }

    private static GitHubReleaseInfo MapRelease(JsonElement r) => new(
        r.GetProperty("id").GetInt64(),
        r.GetProperty("tag_name").GetString() ?? string.Empty,
        r.TryGetProperty("draft", out var d) && d.ValueKind == JsonValueKind.True,
        r.TryGetProperty("prerelease", out var p) && p.ValueKind == JsonValueKind.True,
        r.TryGetProperty("html_url", out var h) ? h.GetString() ?? string.Empty : string.Empty,
        r.TryGetProperty("body", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null,
        r.TryGetProperty("assets", out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(MapAsset).ToList() : new List<GitHubAssetInfo>(),
        r.TryGetProperty("immutable", out var i) && i.ValueKind == JsonValueKind.True)
    {
        UploadUrl = r.TryGetProperty("upload_url", out var u) ? u.GetString() : null,
    };

    private static GitHubAssetInfo MapAsset(JsonElement a) => new(
        a.GetProperty("id").GetInt64(),
        a.GetProperty("name").GetString() ?? string.Empty,
        a.TryGetProperty("size", out var s) ? s.GetInt64() : 0,
        a.TryGetProperty("state", out var st) ? st.GetString() ?? "uploaded" : "uploaded",
        a.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
        a.TryGetProperty("browser_download_url", out var u) ? u.GetString() ?? string.Empty : string.Empty);

    /// <summary>Streams a file with upload progress, without buffering it in memory.</summary>
    private sealed class ProgressStreamContent(Stream source, IProgress<long>? progress) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            // A request repeated after a rate-limit wait sends the file again from its start.
            if (source.CanSeek) source.Position = 0;
            var buffer = new byte[81920];
            long sent = 0;
            int read;
            while ((read = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                sent += read;
                progress?.Report(sent);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = source.CanSeek ? source.Length : -1;
            return source.CanSeek;
        }
    }
}
