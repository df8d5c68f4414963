using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Packages;

/// <summary>A Python package index: where uploads go and where its JSON API, simple index and trusted publishing live.</summary>
public sealed record PyPIIndex(string Name, Uri UploadUrl, Uri IndexBase)
{
    public const string DefaultUpload = "https://upload.pypi.org/legacy/";

    /// <summary>
    /// -PyPIRepository, else [tool.x0tta6bl4.pypi] repository, else TWINE_REPOSITORY_URL, else PyPI.
    /// Names: pypi, testpypi, or a key of [tool.x0tta6bl4.pypi.repositories].
    /// </summary>
    public static PyPIIndex Resolve(string? repository, X0Config config, IReadOnlyDictionary<string, string?> environment)
    {
        var settings = ConfigLoader.Table(config.Settings, "pypi");
        var value = repository ?? ConfigLoader.Str(settings, "repository")
            ?? (environment.TryGetValue("TWINE_REPOSITORY_URL", out var env) && !string.IsNullOrWhiteSpace(env) ? env : null)
            ?? "pypi";
        var named = ConfigLoader.Table(settings, "repositories");
        if (ConfigLoader.Str(named, value) is { } configured) return FromUrl(value, configured);
        return value.ToLowerInvariant() switch
        {
            "pypi" => new PyPIIndex("pypi", new Uri(DefaultUpload), new Uri("https://pypi.org/")),
            "testpypi" => new PyPIIndex("testpypi", new Uri("https://test.pypi.org/legacy/"), new Uri("https://test.pypi.org/")),
            _ when Uri.TryCreate(value, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp) => FromUrl(value, value),
            _ => throw new X0Exception(ErrorIds.PackageRepositoryUnknown, X0ErrorCategory.InvalidArgument,
                "a PyPI upload URL, 'pypi', 'testpypi' or a name under [tool.x0tta6bl4.pypi.repositories]", $"'{value}'",
                "Pass -PyPIRepository https://upload.pypi.org/legacy/ (or the index's upload URL)", value),
        };
    }

    private static PyPIIndex FromUrl(string name, string url)
    {
        var upload = new Uri(url.EndsWith('/') ? url : url + "/");
        // upload.pypi.org serves uploads only; the JSON API and trusted publishing live on pypi.org.
        var host = upload.Host.Equals("upload.pypi.org", StringComparison.OrdinalIgnoreCase) ? "pypi.org" : upload.Authority;
        var path = Regex.Replace(upload.AbsolutePath, "legacy/?$", string.Empty);
        return new PyPIIndex(name, upload, new Uri($"{upload.Scheme}://{host}{path}"));
    }

    public override string ToString() => Name.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? UploadUrl.ToString() : $"{Name} ({UploadUrl})";
}

/// <summary>How uploads authenticate: an API token (user __token__) or a user/password for private indexes. <see cref="Source"/> never holds the secret.</summary>
public sealed record PyPICredential(string User, string Password, string Source)
{
    public override string ToString() => Source;

    /// <summary>-PyPIToken/-PyPICredential, then PYPI_API_TOKEN, then TWINE_USERNAME/TWINE_PASSWORD. Every value is registered as a secret.</summary>
    public static PyPICredential? Resolve(PackageReleaseOptions options, IReadOnlyDictionary<string, string?> env)
    {
        string? Env(string k) => env.TryGetValue(k, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        if (!string.IsNullOrWhiteSpace(options.PyPIToken))
        {
            return new PyPICredential(options.PyPIUser ?? "__token__", SecretRedactor.Register(options.PyPIToken), "the -PyPIToken/-PyPICredential parameter");
        }
        if (Env("PYPI_API_TOKEN") is { } token) return new PyPICredential("__token__", SecretRedactor.Register(token), "PYPI_API_TOKEN");
        if (Env("TWINE_PASSWORD") is { } password)
        {
            return new PyPICredential(Env("TWINE_USERNAME") ?? "__token__", SecretRedactor.Register(password), "TWINE_USERNAME/TWINE_PASSWORD");
        }
        return null;
    }
}

/// <summary>A file the index already has for a version.</summary>
public sealed record IndexFile(string Filename, string Sha256, long Size);

/// <summary>How an upload ended.</summary>
public enum UploadOutcome
{
    Uploaded,
    /// <summary>400 "File already exists" (or the name was used before): re-check what the index holds.</summary>
    AlreadyExists,
    /// <summary>5xx or a dropped connection: the upload may or may not have happened.</summary>
    Transient,
}

/// <summary>
/// The PyPI upload API (the legacy multipart <c>file_upload</c> with the fields twine sends), the JSON API
/// to reconcile, and trusted publishing (GitHub Actions OIDC token exchanged at the index's mint-token
/// endpoint). No twine at run time. Every secret is registered with <see cref="SecretRedactor"/>.
/// </summary>
public sealed class PyPIClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly PyPIIndex _index;

    public PyPIClient(PyPIIndex index, Func<HttpMessageHandler>? handler = null)
    {
        _index = index;
        var inner = handler?.Invoke() ?? new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.All };
        _http = new HttpClient(inner) { Timeout = TimeSpan.FromMinutes(10) };
        var version = typeof(PyPIClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("x0tta6bl4", version));
    }

    public PyPIIndex Index => _index;

    public void Dispose() => _http.Dispose();

    /// <summary>The files of <paramref name="version"/> on the index (JSON API); empty when the project or version does not exist.</summary>
    public async Task<IReadOnlyList<IndexFile>> GetReleaseFilesAsync(string project, string version, CancellationToken ct)
    {
        var url = new Uri(_index.IndexBase, $"pypi/{PythonPackageChecks.NormalizeName(project)}/{Uri.EscapeDataString(version)}/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(url, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(url, ex.Message);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return Array.Empty<IndexFile>();
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } moved)
            {
                // A renamed project answers with a redirect to its canonical URL: follow it once.
                using var again = await _http.GetAsync(new Uri(url, moved), ct).ConfigureAwait(false);
                return await ParseFilesAsync(again, url, ct).ConfigureAwait(false);
            }
            return await ParseFilesAsync(response, url, ct).ConfigureAwait(false);
        }
    }

    private static async Task<IReadOnlyList<IndexFile>> ParseFilesAsync(HttpResponseMessage response, Uri url, CancellationToken ct)
    {
        if (response.StatusCode == HttpStatusCode.NotFound) return Array.Empty<IndexFile>();
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new X0Exception(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.ResourceUnavailable, $"the index's JSON API at {url} to answer",
                $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", "Check the index URL (-PyPIRepository) and try again", url.ToString());
        }
        try
        {
            var doc = JsonNode.Parse(text);
            return (doc?["urls"]?.AsArray() ?? new JsonArray()).Select(u => new IndexFile(
                u!["filename"]!.GetValue<string>(),
                u["digests"]?["sha256"]?.GetValue<string>()?.ToLowerInvariant() ?? string.Empty,
                u["size"]?.GetValue<long>() ?? -1)).ToList();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new X0Exception(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.ProtocolError, $"PyPI's JSON API shape from {url}",
                "something else", "Check -PyPIRepository: it must be the index's upload URL (the JSON API is read next to it)", url.ToString(), ex);
        }
    }

    /// <summary>Uploads one file with the metadata fields twine sends (from the file's own METADATA/PKG-INFO).</summary>
    public async Task<(UploadOutcome Outcome, string Detail)> UploadAsync(PackageFile file, CoreMetadata meta, PyPICredential credential,
        IProgress<long>? progress, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        void Add(string key, string? value)
        {
            if (value is null) return;
            form.Add(new StringContent(value, Encoding.UTF8), $"\"{key}\"");
        }
        var bytes = await File.ReadAllBytesAsync(file.Path, ct).ConfigureAwait(false);
        Add(":action", "file_upload");
        Add("protocol_version", "1");
        Add("filetype", file.Kind == "wheel" ? "bdist_wheel" : "sdist");
        Add("pyversion", file.Kind == "wheel" ? file.Name[..^4].Split('-') is { Length: >= 5 } p ? p[^3] : "py3" : "source");
        Add("metadata_version", meta["Metadata-Version"]);
        Add("name", meta["Name"]);
        Add("version", meta["Version"]);
        foreach (var (header, field) in SingleFields) Add(field, meta[header]);
        foreach (var (header, field) in MultiFields)
        {
            foreach (var value in meta.All(header)) Add(field, value);
        }
        Add("description", meta.Description);
        Add("md5_digest", Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant());
        Add("sha256_digest", file.Sha256);
        var content = new ProgressContent(bytes, progress);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "\"content\"", $"\"{file.Name}\"");

        using var request = new HttpRequestMessage(HttpMethod.Post, _index.UploadUrl) { Content = form };
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.User}:{credential.Password}"));
        SecretRedactor.Register(basic);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return (UploadOutcome.Transient, SecretRedactor.Redact(ex.Message));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (UploadOutcome.Transient, "the upload timed out");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var reason = Explain(response, body);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return (UploadOutcome.Uploaded, reason);
            if (status == 400 && Regex.IsMatch(reason, "File already exists|filename has already been used|already been used", RegexOptions.IgnoreCase))
            {
                return (UploadOutcome.AlreadyExists, reason);
            }
            var project = meta["Name"] ?? file.Name;
            if (status is 403 && Regex.IsMatch(reason, "isn't allowed to upload to project|not allowed to upload to project", RegexOptions.IgnoreCase))
            {
                // The token is fine; the name belongs to a project this account does not maintain.
                throw new X0Exception(ErrorIds.PackageNameConflict, X0ErrorCategory.PermissionDenied,
                    $"'{project}' on {_index} to be a project the account of {credential.Source} may upload to",
                    $"HTTP {status}: {reason}",
                    $"If '{project}' is someone else's project, choose another distribution name in pyproject.toml ([project] name) and release again; if it is yours, use a token of an account that maintains it",
                    project);
            }
            if (status is 400 && Regex.IsMatch(reason, "too similar to an existing project|name .* isn't allowed|name .* is not allowed", RegexOptions.IgnoreCase))
            {
                throw new X0Exception(ErrorIds.PackageNameConflict, X0ErrorCategory.InvalidArgument,
                    $"a new project name {_index} accepts", $"HTTP {status}: {reason}",
                    $"Choose another distribution name in pyproject.toml ([project] name): the index refuses '{project}' for new projects", project);
            }
            if (status is 401 or 403)
            {
                var expired = Regex.IsMatch(reason, "expired", RegexOptions.IgnoreCase);
                var scoped = Regex.IsMatch(reason, "scoped|not valid for project|permission", RegexOptions.IgnoreCase);
                throw new X0Exception(ErrorIds.PackageIndexAuthenticationFailed, X0ErrorCategory.PermissionDenied,
                    $"{_index} to accept the token from {credential.Source} for '{project}'",
                    $"HTTP {status}: {reason}" + (expired ? " (the token has expired)" : scoped ? " (the token is not scoped to this project)" : string.Empty),
                    expired ? "Create a new API token (or re-run the job: trusted-publishing tokens live 15 minutes) and publish again"
                    : scoped ? $"Use a token scoped to '{project}' (or an account-wide one for its first upload)"
                    : $"Check {credential.Source}: PyPI wants user __token__ and an API token starting with pypi-", _index.UploadUrl.ToString());
            }
            if (status is >= 500 or 429) return (UploadOutcome.Transient, $"HTTP {status}: {reason}");
            if (status is >= 300 and < 400)
            {
                throw new X0Exception(ErrorIds.PackageIndexRejected, X0ErrorCategory.InvalidArgument, $"an upload endpoint at {_index.UploadUrl}",
                    $"a redirect to {response.Headers.Location}", "Use the index's upload URL itself (for PyPI https://upload.pypi.org/legacy/)", _index.UploadUrl.ToString());
            }
            throw new X0Exception(ErrorIds.PackageIndexRejected, X0ErrorCategory.InvalidData, $"{_index} to accept {file.Name}",
                $"HTTP {status}: {reason}", "Fix what the index names, release a new version, and publish again", file.Name);
        }
    }

    /// <summary>Warehouse explains refusals in the status line; other indexes in the body. Either, tags stripped, secrets masked.</summary>
    private static string Explain(HttpResponseMessage response, string body)
    {
        var text = Regex.Replace(body, "<[^>]+>", " ");
        text = Regex.Replace(WebUtility.HtmlDecode(text), @"\s+", " ").Trim();
        var reason = response.ReasonPhrase ?? string.Empty;
        var generic = reason.Length == 0 || reason is "Bad Request" or "Forbidden" or "Unauthorized" or "Internal Server Error" or "OK";
        // Mask before cutting: a cut through an echoed token leaves a prefix no mask matches any more.
        var result = SecretRedactor.Redact(generic ? (text.Length > 0 ? text : reason) : reason);
        if (result.Length > 400) result = result[..400] + "…";
        return result;
    }

    // Core metadata header → upload form field (twine's names).
    private static readonly (string Header, string Field)[] SingleFields =
    {
        ("Summary", "summary"), ("Home-page", "home_page"), ("Author", "author"), ("Author-email", "author_email"),
        ("Maintainer", "maintainer"), ("Maintainer-email", "maintainer_email"), ("License", "license"), ("Keywords", "keywords"),
        ("Download-URL", "download_url"), ("Requires-Python", "requires_python"), ("Description-Content-Type", "description_content_type"),
        ("License-Expression", "license_expression"),
    };

    private static readonly (string Header, string Field)[] MultiFields =
    {
        ("Classifier", "classifiers"), ("Platform", "platform"), ("Supported-Platform", "supported_platform"), ("Requires", "requires"),
        ("Provides", "provides"), ("Obsoletes", "obsoletes"), ("Project-URL", "project_urls"), ("Provides-Dist", "provides_dist"),
        ("Obsoletes-Dist", "obsoletes_dist"), ("Requires-Dist", "requires_dist"), ("Requires-External", "requires_external"),
        ("Provides-Extra", "provides_extras"), ("Dynamic", "dynamic"), ("License-File", "license_file"),
    };

    // --- Trusted publishing ---

    /// <summary>
    /// GitHub Actions → OIDC token for the index's audience → short-lived upload token (mint-token).
    /// Errors name the missing permission, or (invalid-publisher) the claims to register on the index.
    /// </summary>
    public async Task<PyPICredential> TrustedPublishingAsync(string project, IReadOnlyDictionary<string, string?> env, CancellationToken ct)
    {
        string? Env(string k) => env.TryGetValue(k, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        var inActions = string.Equals(Env("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);
        var requestUrl = Env("ACTIONS_ID_TOKEN_REQUEST_URL");
        var requestToken = Env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        if (requestUrl is null || requestToken is null)
        {
            throw new X0Exception(ErrorIds.TrustedPublishingUnavailable, X0ErrorCategory.PermissionDenied,
                "an OIDC token from GitHub Actions for trusted publishing (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN)",
                inActions ? "neither variable in this job: the job lacks the id-token: write permission" : "not running in GitHub Actions",
                inActions ? "Add 'permissions: id-token: write' (and contents: write) to the job; pull requests from forks never get an OIDC token"
                          : "Trusted publishing works inside GitHub Actions; locally use an API token (PYPI_API_TOKEN or -PyPIToken)", _index.UploadUrl.ToString());
        }
        SecretRedactor.Register(requestToken);

        // 1. The audience the index wants.
        var audienceUrl = new Uri(_index.IndexBase, "_/oidc/audience");
        string audience;
        using (var r = await Send(HttpMethod.Get, audienceUrl, null, null, ct).ConfigureAwait(false))
        {
            var text = await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!r.IsSuccessStatusCode)
            {
                throw new X0Exception(ErrorIds.TrustedPublishingUnavailable, X0ErrorCategory.NotImplemented, $"{_index} to support trusted publishing ({audienceUrl})",
                    $"HTTP {(int)r.StatusCode}", "Use an API token for this index (PYPI_API_TOKEN or -PyPIToken)", audienceUrl.ToString());
            }
            audience = JsonNode.Parse(text)?["audience"]?.GetValue<string>() ?? "pypi";
        }

        // 2. The OIDC token from GitHub.
        var separator = requestUrl.Contains('?') ? "&" : "?";
        var oidcUrl = new Uri(requestUrl + separator + "audience=" + Uri.EscapeDataString(audience));
        string oidc;
        using (var r = await Send(HttpMethod.Get, oidcUrl, null, new AuthenticationHeaderValue("Bearer", requestToken), ct).ConfigureAwait(false))
        {
            var text = await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!r.IsSuccessStatusCode)
            {
                throw new X0Exception(ErrorIds.TrustedPublishingUnavailable, X0ErrorCategory.AuthenticationError, "GitHub to issue an OIDC token for the job",
                    $"HTTP {(int)r.StatusCode} {SecretRedactor.Redact(Regex.Replace(text, @"\s+", " ")).Trim()}", "Check 'permissions: id-token: write' on the job and re-run it", audience);
            }
            oidc = JsonNode.Parse(text)?["value"]?.GetValue<string>() ?? throw new X0Exception(ErrorIds.TrustedPublishingUnavailable, X0ErrorCategory.ProtocolError,
                "an OIDC token in GitHub's answer", "no 'value'", "Re-run the job", audience);
        }
        SecretRedactor.Register(oidc);

        // 3. The exchange.
        var mintUrl = new Uri(_index.IndexBase, "_/oidc/mint-token");
        using (var r = await Send(HttpMethod.Post, mintUrl, JsonContent(new JsonObject { ["token"] = oidc }), null, ct).ConfigureAwait(false))
        {
            var text = await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            JsonNode? doc = null;
            try
            {
                doc = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // Shown below as the raw status.
            }
            if (r.IsSuccessStatusCode && doc?["token"]?.GetValue<string>() is { Length: > 0 } minted)
            {
                SecretRedactor.Register(minted);
                var claims = Claims(oidc);
                return new PyPICredential("__token__", minted, $"trusted publishing ({claims.GetValueOrDefault("repository")}, {WorkflowFile(claims)})");
            }
            var errors = (doc?["errors"] as JsonArray)?.Select(e => (Code: e?["code"]?.GetValue<string>() ?? "?", Description: e?["description"]?.GetValue<string>() ?? string.Empty)).ToList()
                ?? new List<(string Code, string Description)>();
            if (errors.Any(e => e.Code == "invalid-publisher"))
            {
                var c = Claims(oidc);
                var environment = c.GetValueOrDefault("environment");
                var owner = c.GetValueOrDefault("repository_owner") ?? c.GetValueOrDefault("repository")?.Split('/')[0];
                var repo = c.GetValueOrDefault("repository")?.Split('/').Skip(1).FirstOrDefault();
                throw new X0Exception(ErrorIds.TrustedPublisherNotRegistered, X0ErrorCategory.PermissionDenied,
                    $"a trusted publisher on {_index} for '{project}' matching this job",
                    $"none (invalid-publisher: {SecretRedactor.Redact(errors.First(e => e.Code == "invalid-publisher").Description)}); the job's claims: repository {c.GetValueOrDefault("repository")}, " +
                    $"workflow {WorkflowFile(c)}, environment {environment ?? "(none)"}, ref {c.GetValueOrDefault("ref")}, sub {c.GetValueOrDefault("sub")}",
                    $"On {new Uri(_index.IndexBase, $"manage/project/{PythonPackageChecks.NormalizeName(project)}/settings/publishing/")} (a pending publisher for a new project) add a GitHub publisher: " +
                    $"owner '{owner}', repository '{repo}', workflow '{WorkflowFile(c)}'" + (environment is null ? ", no environment" : $", environment '{environment}'"), project);
            }
            var found = errors.Count > 0 ? string.Join("; ", errors.Select(e => $"{e.Code}: {e.Description}")) : $"HTTP {(int)r.StatusCode}";
            throw new X0Exception(ErrorIds.PackageIndexAuthenticationFailed, X0ErrorCategory.AuthenticationError, $"{_index} to exchange the job's OIDC token for an upload token",
                SecretRedactor.Redact(found), "Check the trusted publisher's settings on the index, or use an API token", mintUrl.ToString());
        }
    }

    private static StringContent JsonContent(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    private async Task<HttpResponseMessage> Send(HttpMethod method, Uri url, HttpContent? content, AuthenticationHeaderValue? auth, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (auth is not null) request.Headers.Authorization = auth;
        try
        {
            return await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(url, ex.Message);
        }
    }

    private static X0Exception Unreachable(Uri url, string message) =>
        new(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.ConnectionError, $"{url.GetLeftPart(UriPartial.Authority)} to answer",
            SecretRedactor.Redact(message), "Check the network and the index URL, then publish again (finished steps are not repeated)", url.ToString());

    /// <summary>The JWT's claims (the payload is not secret; the signature part is never shown).</summary>
    internal static Dictionary<string, string> Claims(string jwt)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var parts = jwt.Split('.');
        if (parts.Length < 2) return result;
        try
        {
            var s = parts[1].Replace('-', '+').Replace('_', '/');
            var json = JsonNode.Parse(Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=')))?.AsObject();
            foreach (var (k, v) in json ?? new JsonObject())
            {
                if (v is JsonValue value) result[k] = value.ToString();
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            // Nothing to show.
        }
        return result;
    }

    private static string WorkflowFile(IReadOnlyDictionary<string, string> claims) =>
        Regex.Match(claims.GetValueOrDefault("job_workflow_ref") ?? claims.GetValueOrDefault("workflow_ref") ?? string.Empty, @"/\.github/workflows/([^@]+)@") is { Success: true } m
            ? m.Groups[1].Value
            : "(unknown)";

    /// <summary>Request content that reports bytes sent.</summary>
    private sealed class ProgressContent(byte[] bytes, IProgress<long>? progress) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            const int chunk = 64 * 1024;
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                var n = Math.Min(chunk, bytes.Length - offset);
                await stream.WriteAsync(bytes.AsMemory(offset, n)).ConfigureAwait(false);
                progress?.Report(offset + n);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
