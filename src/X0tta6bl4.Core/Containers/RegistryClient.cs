using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>A manifest exactly as the registry stores it (the digest is over these bytes).</summary>
public sealed record RegistryManifest(string Digest, string MediaType, byte[] Content);

/// <summary>
/// The registry reads and writes the engine cannot do for us: manifest digests per tag (to verify a
/// push and to reconcile before acting), manifests by digest, re-tagging by digest, config blobs.
/// Core-owned so a release step can be tested against a real registry or a stand-in.
/// </summary>
public interface IRegistryClient : IDisposable
{
    /// <summary>Proves the credentials work for the repository (push: also that pushing is allowed).</summary>
    /// <param name="probePush">Open and cancel an upload session: the only sure test of push permission. Not under -WhatIf.</param>
    /// <exception cref="X0Exception">X0.RegistryAuthenticationFailed, X0.RegistryPermissionDenied, X0.RegistryUnavailable.</exception>
    Task CheckAccessAsync(ImageRepository repository, bool push, bool probePush, CancellationToken cancellation);

    /// <summary>The manifest digest a tag (or digest) resolves to, or null when it does not exist.</summary>
    Task<string?> GetDigestAsync(ImageRepository repository, string reference, CancellationToken cancellation);

    Task<RegistryManifest?> GetManifestAsync(ImageRepository repository, string reference, CancellationToken cancellation);

    /// <summary>Stores <paramref name="manifest"/> under <paramref name="tag"/>; returns the digest the registry reports.</summary>
    Task<string> PutManifestAsync(ImageRepository repository, string tag, RegistryManifest manifest, CancellationToken cancellation);

    Task<byte[]?> GetBlobAsync(ImageRepository repository, string digest, CancellationToken cancellation);

    /// <summary>HEAD /v2/{name}/blobs/{digest}: whether the registry already has the blob.</summary>
    Task<bool> BlobExistsAsync(ImageRepository repository, string digest, CancellationToken cancellation);

    /// <summary>A monolithic upload (POST, then PUT with the digest) of the bytes <paramref name="open"/> reads.</summary>
    Task UploadBlobAsync(ImageRepository repository, string digest, Func<Stream> open, CancellationToken cancellation);
}

/// <summary>
/// <see cref="IRegistryClient"/> over plain HttpClient: the Docker Registry HTTP API v2 / OCI
/// distribution API, with bearer-token (realm/service/scope) and Basic authentication. Secrets never
/// reach a message: every credential and token is registered with <see cref="SecretRedactor"/>.
/// </summary>
public sealed class RegistryClient : IRegistryClient
{
    public const string ManifestAccept =
        "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, " +
        "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

    private readonly HttpClient _http;
    private readonly RegistryCredential? _credential;
    private readonly Dictionary<string, AuthenticationHeaderValue> _authByScope = new(StringComparer.Ordinal);
    private readonly bool _plainHttp;

    public RegistryClient(RegistryCredential? credential, bool plainHttp = false, HttpMessageHandler? handler = null)
    {
        _credential = credential;
        _plainHttp = plainHttp;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = TimeSpan.FromMinutes(2);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("x0tta6bl4");
    }

    public void Dispose() => _http.Dispose();

    public async Task CheckAccessAsync(ImageRepository repository, bool push, bool probePush, CancellationToken cancellation)
    {
        var scope = Scope(repository, push);
        using (var ping = await SendAsync(repository, scope, () => new HttpRequestMessage(HttpMethod.Get, Url(repository, "/v2/")), push, cancellation).ConfigureAwait(false))
        {
            await EnsureAsync(ping, repository, push, "/v2/").ConfigureAwait(false);
        }
        if (push && probePush)
        {
            using var start = await SendAsync(repository, scope,
                () => new HttpRequestMessage(HttpMethod.Post, Url(repository, $"/v2/{repository.Path}/blobs/uploads/")) { Content = new ByteArrayContent(Array.Empty<byte>()) },
                push, cancellation).ConfigureAwait(false);
            await EnsureAsync(start, repository, push, "start an upload").ConfigureAwait(false);
            if (start.Headers.Location is { } location)
            {
                var uri = location.IsAbsoluteUri ? location : new Uri(new Uri(Url(repository, "/")), location);
                using var cancel = await SendAsync(repository, scope, () => new HttpRequestMessage(HttpMethod.Delete, uri), push, cancellation).ConfigureAwait(false);
                // Registries that cannot cancel uploads expire them; nothing to do on failure.
            }
        }
    }

    public async Task<string?> GetDigestAsync(ImageRepository repository, string reference, CancellationToken cancellation)
    {
        using var response = await SendAsync(repository, Scope(repository, false), () =>
        {
            var r = new HttpRequestMessage(HttpMethod.Head, Url(repository, $"/v2/{repository.Path}/manifests/{reference}"));
            r.Headers.TryAddWithoutValidation("Accept", ManifestAccept);
            return r;
        }, false, cancellation).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureAsync(response, repository, false, $"manifest {reference}").ConfigureAwait(false);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { Length: > 0 } digest)
        {
            return digest;
        }
        // Some registries omit the header on HEAD: the digest is the sha256 of the manifest bytes.
        var manifest = await GetManifestAsync(repository, reference, cancellation).ConfigureAwait(false);
        return manifest?.Digest;
    }

    public async Task<RegistryManifest?> GetManifestAsync(ImageRepository repository, string reference, CancellationToken cancellation)
    {
        using var response = await SendAsync(repository, Scope(repository, false), () =>
        {
            var r = new HttpRequestMessage(HttpMethod.Get, Url(repository, $"/v2/{repository.Path}/manifests/{reference}"));
            r.Headers.TryAddWithoutValidation("Accept", ManifestAccept);
            return r;
        }, false, cancellation).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureAsync(response, repository, false, $"manifest {reference}").ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
        var computed = "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? MediaTypeOf(bytes);
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && reference != computed)
        {
            throw new X0Exception(ErrorIds.ImageDigestMismatch, X0ErrorCategory.InvalidResult,
                $"manifest bytes whose sha256 is {reference}", computed,
                "The registry returned different content for a digest: report it to the registry's operator", repository.DigestReference(reference));
        }
        return new RegistryManifest(computed, mediaType, bytes);
    }

    public async Task<string> PutManifestAsync(ImageRepository repository, string tag, RegistryManifest manifest, CancellationToken cancellation)
    {
        using var response = await SendAsync(repository, Scope(repository, true), () =>
        {
            var content = new ByteArrayContent(manifest.Content);
            content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
            return new HttpRequestMessage(HttpMethod.Put, Url(repository, $"/v2/{repository.Path}/manifests/{tag}")) { Content = content };
        }, true, cancellation).ConfigureAwait(false);
        await EnsureAsync(response, repository, true, $"tag {tag}").ConfigureAwait(false);
        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { Length: > 0 } d
            ? d
            : manifest.Digest;
    }

    public async Task<byte[]?> GetBlobAsync(ImageRepository repository, string digest, CancellationToken cancellation)
    {
        using var response = await SendAsync(repository, Scope(repository, false),
            () => new HttpRequestMessage(HttpMethod.Get, Url(repository, $"/v2/{repository.Path}/blobs/{digest}")), false, cancellation).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureAsync(response, repository, false, $"blob {digest}").ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
    }

    public async Task<bool> BlobExistsAsync(ImageRepository repository, string digest, CancellationToken cancellation)
    {
        using var response = await SendAsync(repository, Scope(repository, true),
            () => new HttpRequestMessage(HttpMethod.Head, Url(repository, $"/v2/{repository.Path}/blobs/{digest}")), true, cancellation).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureAsync(response, repository, true, $"blob {digest}").ConfigureAwait(false);
        return true;
    }

    public async Task UploadBlobAsync(ImageRepository repository, string digest, Func<Stream> open, CancellationToken cancellation)
    {
        var scope = Scope(repository, true);
        using var start = await SendAsync(repository, scope,
            () => new HttpRequestMessage(HttpMethod.Post, Url(repository, $"/v2/{repository.Path}/blobs/uploads/")) { Content = new ByteArrayContent(Array.Empty<byte>()) },
            true, cancellation).ConfigureAwait(false);
        await EnsureAsync(start, repository, true, "start an upload").ConfigureAwait(false);
        var location = start.Headers.Location ?? throw new X0Exception(ErrorIds.RegistryProtocolError, X0ErrorCategory.ProtocolError,
            "a Location header in the answer to POST /blobs/uploads/", "none", "Check the registry's version and status", repository.Registry);
        var uri = location.IsAbsoluteUri ? location : new Uri(new Uri(Url(repository, "/")), location);
        var put = new UriBuilder(uri);
        put.Query = (string.IsNullOrEmpty(put.Query) ? string.Empty : put.Query.TrimStart('?') + "&") + "digest=" + Uri.EscapeDataString(digest);
        using var done = await SendAsync(repository, scope, () =>
        {
            var content = new StreamContent(open(), 1 << 16);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, put.Uri) { Content = content };
        }, true, cancellation).ConfigureAwait(false);
        await EnsureAsync(done, repository, true, $"upload of blob {digest}").ConfigureAwait(false);
    }

    private string Url(ImageRepository repository, string path) =>
        (_plainHttp || repository.IsLoopback ? "http://" : "https://") + repository.ApiHost + path;

    private static string Scope(ImageRepository repository, bool push) =>
        $"repository:{repository.Path}:{(push ? "pull,push" : "pull")}";

    private async Task<HttpResponseMessage> SendAsync(ImageRepository repository, string scope, Func<HttpRequestMessage> create, bool push, CancellationToken cancellation)
    {
        HttpResponseMessage response;
        using (var first = create())
        {
            if (_authByScope.TryGetValue(scope, out var cached)) first.Headers.Authorization = cached;
            response = await Transport(repository, first, cancellation).ConfigureAwait(false);
        }
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge is null)
        {
            return response;
        }
        AuthenticationHeaderValue auth;
        if (string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            var token = await FetchTokenAsync(repository, ParseChallenge(challenge.Parameter), scope, push, cancellation).ConfigureAwait(false);
            if (token is null) return response;
            auth = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) && _credential is not null)
        {
            auth = new AuthenticationHeaderValue("Basic", BasicValue());
        }
        else
        {
            return response;
        }
        response.Dispose();
        _authByScope[scope] = auth;
        using var retry = create();
        retry.Headers.Authorization = auth;
        return await Transport(repository, retry, cancellation).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> Transport(ImageRepository repository, HttpRequestMessage request, CancellationToken cancellation)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new X0Exception(ErrorIds.RegistryUnavailable, X0ErrorCategory.ConnectionError,
                $"registry {repository.Registry} to answer", SecretRedactor.Redact(ex.Message),
                "Check the registry address and your network; a registry on another port needs it in the name (host:port/path)", repository.Registry, ex);
        }
        catch (TaskCanceledException ex) when (!cancellation.IsCancellationRequested)
        {
            throw new X0Exception(ErrorIds.RegistryUnavailable, X0ErrorCategory.OperationTimeout,
                $"registry {repository.Registry} to answer", "no answer within the timeout", "Try again later", repository.Registry, ex);
        }
    }

    private async Task<string?> FetchTokenAsync(ImageRepository repository, IReadOnlyDictionary<string, string> challenge, string scope, bool push, CancellationToken cancellation)
    {
        if (!challenge.TryGetValue("realm", out var realm))
        {
            return null;
        }
        var query = new List<string>();
        if (challenge.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        query.Add("scope=" + Uri.EscapeDataString(scope));
        HttpRequestMessage request;
        if (_credential is { IsIdentityToken: true })
        {
            var form = new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = _credential.Secret,
                ["client_id"] = "x0tta6bl4",
                ["scope"] = scope,
            };
            if (service is not null) form["service"] = service;
            request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        }
        else
        {
            request = new HttpRequestMessage(HttpMethod.Get, realm + (realm.Contains('?') ? "&" : "?") + string.Join("&", query));
            if (_credential is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue());
        }
        using (request)
        {
            using var response = await Transport(repository, request, cancellation).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw Denied(repository, push, response.StatusCode, "the token service refused the credentials");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new X0Exception(ErrorIds.RegistryProtocolError, X0ErrorCategory.ProtocolError,
                    $"a token from {realm}", $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", "Try again; if it persists, check the registry's status", repository.Registry);
            }
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false));
            var token = doc.RootElement.TryGetProperty("token", out var t) ? t.GetString()
                : doc.RootElement.TryGetProperty("access_token", out var at) ? at.GetString() : null;
            return token is null ? null : SecretRedactor.Register(token);
        }
    }

    private string BasicValue()
    {
        var value = Convert.ToBase64String(Encoding.UTF8.GetBytes(_credential!.Username + ":" + _credential.Secret));
        SecretRedactor.Register(value);
        return value;
    }

    private async Task EnsureAsync(HttpResponseMessage response, ImageRepository repository, bool push, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var body = await SafeBody(response).ConfigureAwait(false);
            throw Denied(repository, push, response.StatusCode, body);
        }
        throw new X0Exception(ErrorIds.RegistryProtocolError, X0ErrorCategory.ProtocolError,
            $"registry {repository.Registry} to serve {what} of {repository.Path}",
            $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {await SafeBody(response).ConfigureAwait(false)}",
            "Check the repository name and the registry's status", repository.Name);
    }

    private X0Exception Denied(ImageRepository repository, bool push, HttpStatusCode status, string detail)
    {
        var action = push ? "push to" : "pull from";
        var permission = Permission(repository, push);
        var who = _credential is null
            ? "no credentials (none passed, none in GITHUB_TOKEN for ghcr.io, none in the docker config)"
            : $"the credentials of user '{_credential.Username}' from {_credential.Source}";
        if (status == HttpStatusCode.Unauthorized)
        {
            return new X0Exception(ErrorIds.RegistryAuthenticationFailed, X0ErrorCategory.AuthenticationError,
                $"credentials that registry {repository.Registry} accepts to {action} {repository.Path}",
                $"401 Unauthorized with {who}{(detail.Length > 0 ? $" ({detail})" : string.Empty)}",
                $"Check the user name and password or token; it needs {permission}. Pass -Credential, or run docker login {repository.Registry}",
                repository.Registry);
        }
        return new X0Exception(ErrorIds.RegistryPermissionDenied, X0ErrorCategory.PermissionDenied,
            $"permission to {action} {repository.Name}",
            $"403 Forbidden for {who}{(detail.Length > 0 ? $" ({detail})" : string.Empty)}",
            $"Grant {permission}", repository.Registry);
    }

    /// <summary>The permission a push or pull needs, in the registry's own words.</summary>
    public static string Permission(ImageRepository repository, bool push)
    {
        if (repository.IsGitHubContainerRegistry)
        {
            return push
                ? "the packages: write permission (in a workflow: permissions: packages: write; for a personal token: the write:packages scope)"
                : "the packages: read permission";
        }
        if (repository.IsDockerHub)
        {
            return push ? "an access token with Read & Write scope" : "an access token with Read scope";
        }
        return push ? $"push access to {repository.Path}" : $"pull access to {repository.Path}";
    }

    private static async Task<string> SafeBody(HttpResponseMessage response)
    {
        try
        {
            // Masked before the cut: a cut through a secret would leave its first characters unmasked.
            var text = SecretRedactor.Redact(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
            text = text.Trim();
            if (text.Length > 300) text = text[..300] + "…";
            return text.Replace('\n', ' ');
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
    }

    internal static IReadOnlyDictionary<string, string> ParseChallenge(string? parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(parameter)) return result;
        var i = 0;
        while (i < parameter.Length)
        {
            while (i < parameter.Length && (parameter[i] == ',' || char.IsWhiteSpace(parameter[i]))) i++;
            var eq = parameter.IndexOf('=', i);
            if (eq < 0) break;
            var key = parameter[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < parameter.Length && parameter[i] == '"')
            {
                var end = parameter.IndexOf('"', i + 1);
                if (end < 0) end = parameter.Length;
                value = parameter[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = parameter.IndexOf(',', i);
                if (end < 0) end = parameter.Length;
                value = parameter[i..end].Trim();
                i = end;
            }
            result[key] = value;
        }
        return result;
    }

    private static string MediaTypeOf(byte[] bytes)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.GetString() is { Length: > 0 } m) return m;
        }
        catch (JsonException)
        {
        }
        return "application/vnd.oci.image.manifest.v1+json";
    }
}
