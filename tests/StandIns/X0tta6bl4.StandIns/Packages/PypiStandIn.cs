using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace X0tta6bl4.StandIns.Packages;

/// <summary>What the PyPI stand-in keeps: projects with their files, API tokens, trusted publishers, OIDC requests.</summary>
internal sealed class PypiState
{
    public readonly object Gate = new();
    public readonly Dictionary<string, PypiProject> Projects = new(StringComparer.Ordinal);
    public readonly Dictionary<string, PypiToken> Tokens = new(StringComparer.Ordinal);
    public readonly List<PypiPublisher> Publishers = new();
    /// <summary>ACTIONS_ID_TOKEN_REQUEST_TOKEN → the claims the fake issuer puts in the OIDC token.</summary>
    public readonly Dictionary<string, JsonObject> OidcRequests = new(StringComparer.Ordinal);
    public readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);
    public readonly List<string> Log = new();
    /// <summary>Every upload request's form: file name, field names, user agent, authenticated as (token origin).</summary>
    public readonly List<JsonObject> Uploads = new();
    public int MintedTtlSeconds = 900;
    /// <summary>Not PyPI's own "pypi": a client must ask the index for its audience, never assume it.</summary>
    public string Audience = "x0-standin-pypi";
    public int UploadRequests, Stored, Duplicates, Rejected, JsonReads, MintRequests;

    public void Reset()
    {
        Projects.Clear();
        Tokens.Clear();
        Publishers.Clear();
        OidcRequests.Clear();
        Log.Clear();
        Uploads.Clear();
        MintedTtlSeconds = 900;
        UploadRequests = Stored = Duplicates = Rejected = JsonReads = MintRequests = 0;
    }
}

internal sealed class PypiProject
{
    public required string Name { get; init; }
    public List<PypiFile> Files { get; } = new();
}

internal sealed record PypiFile(string Filename, string Version, string NormalizedVersion, string Filetype, string PyVersion,
    string? RequiresPython, string Sha256, string Md5, string Blake2, byte[] Bytes, DateTimeOffset UploadTime, string? Summary);

internal sealed record PypiToken(string Value, IReadOnlyList<string>? Projects, DateTimeOffset? Expires, string Origin);

internal sealed record PypiPublisher(string Project, string Repository, string Workflow, string? Environment);

/// <summary>
/// Warehouse's upload API (POST /legacy/, multipart, Basic auth __token__), the simple index (PEP 503
/// HTML and PEP 691 JSON), the JSON API, file downloads, trusted publishing (audience + mint-token)
/// and a fake GitHub Actions OIDC issuer. Refusals carry warehouse's text in the status line and body.
/// </summary>
internal static class PypiEndpoints
{
    private const string SimpleJson = "application/vnd.pypi.simple.v1+json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static void Map(WebApplication app)
    {
        app.MapPost("/legacy/", Upload);
        app.MapGet("/simple/", SimpleRoot);
        app.MapGet("/simple/{name}/", SimpleProject);
        app.MapGet("/pypi/{name}/json", (HttpContext c, PypiState s, string name) => JsonApi(c, s, name, null));
        app.MapGet("/pypi/{name}/{version}/json", (HttpContext c, PypiState s, string name, string version) => JsonApi(c, s, name, version));
        app.MapGet("/packages/{sha}/{filename}", Download);
        app.MapGet("/_/oidc/audience", (PypiState s) => Results.Json(new { audience = s.Audience }));
        app.MapPost("/_/oidc/mint-token", MintToken);
        app.MapGet("/_x0/oidc/token", IssueOidcToken);

        // Control surface.
        app.MapPost("/_x0/reset", (PypiState s) =>
        {
            lock (s.Gate) s.Reset();
            return Results.Ok();
        });
        app.MapPost("/_x0/tokens", async (HttpContext c, PypiState s) =>
        {
            var body = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            var projects = body["projects"]?.AsArray().Select(p => Normalize(p!.GetValue<string>())).ToList();
            DateTimeOffset? expires = body["expired"]?.GetValue<bool>() == true ? DateTimeOffset.UtcNow.AddMinutes(-5) : null;
            lock (s.Gate) s.Tokens[body["token"]!.GetValue<string>()] = new PypiToken(body["token"]!.GetValue<string>(), projects, expires, "api");
            return Results.Ok();
        });
        app.MapPost("/_x0/publishers", async (HttpContext c, PypiState s) =>
        {
            var b = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            lock (s.Gate) s.Publishers.Add(new PypiPublisher(Normalize(b["project"]!.GetValue<string>()), b["repository"]!.GetValue<string>(),
                b["workflow"]!.GetValue<string>(), b["environment"]?.GetValue<string>()));
            return Results.Ok();
        });
        app.MapPost("/_x0/oidc", async (HttpContext c, PypiState s) =>
        {
            var b = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            lock (s.Gate) s.OidcRequests[b["requestToken"]!.GetValue<string>()] = (b["claims"]?.DeepClone() as JsonObject) ?? new JsonObject();
            return Results.Ok();
        });
        app.MapPost("/_x0/settings", async (HttpContext c, PypiState s) =>
        {
            var b = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            lock (s.Gate)
            {
                if (b["mintedTtlSeconds"] is { } ttl) s.MintedTtlSeconds = ttl.GetValue<int>();
                if (b["audience"] is { } aud) s.Audience = aud.GetValue<string>();
            }
            return Results.Ok();
        });
        app.MapPost("/_x0/files", async (HttpContext c, PypiState s) =>
        {
            // Seeds a file as if uploaded earlier (e.g. other bytes under the name a release will use).
            var b = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            var bytes = Convert.FromBase64String(b["contentBase64"]!.GetValue<string>());
            var name = b["project"]!.GetValue<string>();
            var version = b["version"]!.GetValue<string>();
            lock (s.Gate) Store(s, name, version, b["filename"]!.GetValue<string>(), b["filetype"]?.GetValue<string>() ?? "sdist", "source", null, bytes, null);
            return Results.Ok();
        });
        app.MapGet("/_x0/files", (PypiState s) =>
        {
            lock (s.Gate)
            {
                return Results.Json(s.Projects.Values.SelectMany(p => p.Files.Select(f => new
                {
                    project = p.Name, version = f.Version, filename = f.Filename, sha256 = f.Sha256, size = f.Bytes.Length, filetype = f.Filetype,
                })).ToList());
            }
        });
        app.MapGet("/_x0/uploads", (PypiState s) =>
        {
            lock (s.Gate) return Results.Text(new JsonArray(s.Uploads.Select(u => (JsonNode)u.DeepClone()).ToArray()).ToJsonString(), "application/json");
        });
        app.MapGet("/_x0/stats", (PypiState s) =>
        {
            lock (s.Gate)
            {
                return Results.Json(new
                {
                    uploadRequests = s.UploadRequests, stored = s.Stored, duplicates = s.Duplicates, rejected = s.Rejected,
                    jsonReads = s.JsonReads, mintRequests = s.MintRequests, log = s.Log.ToList(),
                });
            }
        });
    }

    /// <summary>PEP 503 name normalization.</summary>
    internal static string Normalize(string name) => Regex.Replace(name, "[-_.]+", "-").ToLowerInvariant();

    /// <summary>Enough of PEP 440 normalization for the spellings tools write (1.2.0rc1, 1.2.0-RC.1, 1.2.0.dev3).</summary>
    internal static string NormalizeVersion(string version)
    {
        var v = version.Trim().ToLowerInvariant().TrimStart('v');
        v = Regex.Replace(v, @"[-_.]?(alpha|a)[-_.]?(\d*)", m => "a" + (m.Groups[2].Value.Length == 0 ? "0" : int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)));
        v = Regex.Replace(v, @"[-_.]?(beta|b)[-_.]?(\d*)", m => "b" + (m.Groups[2].Value.Length == 0 ? "0" : int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)));
        v = Regex.Replace(v, @"[-_.]?(rc|c|preview|pre)[-_.]?(\d*)", m => "rc" + (m.Groups[2].Value.Length == 0 ? "0" : int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)));
        v = Regex.Replace(v, @"[-_.]?dev[-_.]?(\d*)", m => ".dev" + (m.Groups[1].Value.Length == 0 ? "0" : m.Groups[1].Value));
        v = Regex.Replace(v, @"[-_.]?(post|rev|r)[-_.]?(\d*)", m => ".post" + (m.Groups[2].Value.Length == 0 ? "0" : m.Groups[2].Value));
        return v;
    }

    private static async Task Refuse(HttpContext ctx, PypiState state, int status, string message)
    {
        lock (state.Gate)
        {
            state.Rejected++;
            state.Log.Add($"{ctx.Request.Method} {ctx.Request.Path} {status} {message}");
        }
        ctx.Response.StatusCode = status;
        var feature = ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>();
        // Warehouse puts its explanation into the status line; twine prints that reason.
        if (feature is not null) feature.ReasonPhrase = message;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        await ctx.Response.WriteAsync($"<html><head><title>{status} {WebUtility.HtmlEncode(message)}</title></head><body><h1>{status} {WebUtility.HtmlEncode(message)}</h1></body></html>");
    }

    private static async Task Upload(HttpContext ctx, PypiState state)
    {
        lock (state.Gate) state.UploadRequests++;
        // 1. Authentication: Basic __token__:<token> only (passwords are refused as on PyPI).
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            await Refuse(ctx, state, 403, "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.");
            return;
        }
        string user, password;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..].Trim()));
            var colon = pair.IndexOf(':');
            user = colon < 0 ? pair : pair[..colon];
            password = colon < 0 ? string.Empty : pair[(colon + 1)..];
        }
        catch (FormatException)
        {
            await Refuse(ctx, state, 403, "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.");
            return;
        }
        if (user != "__token__")
        {
            await Refuse(ctx, state, 403, "Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead. See https://pypi.org/help/#apitoken and https://pypi.org/help/#trusted-publishers");
            return;
        }
        PypiToken? token;
        lock (state.Gate) state.Tokens.TryGetValue(password, out token);
        if (token is null)
        {
            await Refuse(ctx, state, 403, "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.");
            return;
        }
        if (token.Expires is { } expires && expires < DateTimeOffset.UtcNow)
        {
            await Refuse(ctx, state, 403, "Invalid API Token: token is expired");
            return;
        }

        // 2. The form as twine sends it.
        if (!ctx.Request.HasFormContentType)
        {
            await Refuse(ctx, state, 400, "Invalid request: multipart/form-data expected");
            return;
        }
        var form = await ctx.Request.ReadFormAsync();
        string F(string key) => form.TryGetValue(key, out var v) ? v.ToString() : string.Empty;
        lock (state.Gate)
        {
            state.Uploads.Add(new JsonObject
            {
                ["filename"] = form.Files.GetFile("content")?.FileName,
                ["fields"] = new JsonArray(form.Keys.Where(k => form[k].Any(v => !string.IsNullOrEmpty(v))).Order(StringComparer.Ordinal).Select(k => (JsonNode)JsonValue.Create(k)!).ToArray()),
                ["userAgent"] = ctx.Request.Headers.UserAgent.ToString(),
                ["tokenOrigin"] = token.Origin,
            });
        }
        if (F(":action") != "file_upload")
        {
            await Refuse(ctx, state, 400, $"Invalid value for :action: '{F(":action")}'");
            return;
        }
        if (F("protocol_version") != "1")
        {
            await Refuse(ctx, state, 400, "Unknown protocol version.");
            return;
        }
        foreach (var required in F("filetype") == "bdist_wheel" ? new[] { "metadata_version", "name", "version", "filetype", "pyversion" } : new[] { "metadata_version", "name", "version", "filetype" })
        {
            if (F(required).Length == 0)
            {
                await Refuse(ctx, state, 400, $"'' is an invalid value for {required}. Error: This field is required.");
                return;
            }
        }
        var name = F("name");
        var normalized = Normalize(name);
        if (!Regex.IsMatch(name, "^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", RegexOptions.IgnoreCase))
        {
            await Refuse(ctx, state, 400, $"'{name}' is an invalid value for Name. Error: Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'.");
            return;
        }
        var version = F("version");
        var filetype = F("filetype");
        if (filetype is not ("sdist" or "bdist_wheel"))
        {
            await Refuse(ctx, state, 400, $"Invalid value for filetype. Error: '{filetype}' is not a valid choice.");
            return;
        }
        var contentType = F("description_content_type");
        if (contentType.Length > 0 && !Regex.IsMatch(contentType, @"^text/(plain|x-rst|markdown)(\s*;.*)?$", RegexOptions.IgnoreCase))
        {
            await Refuse(ctx, state, 400, $"Invalid description content type: type/subtype is not valid ('{contentType}')");
            return;
        }
        if (token.Projects is { } scope && !scope.Contains(normalized))
        {
            await Refuse(ctx, state, 403, $"Invalid API Token: project-scoped token is not valid for project: '{normalized}'");
            return;
        }
        var file = form.Files.GetFile("content");
        if (file is null)
        {
            await Refuse(ctx, state, 400, "Upload payload does not have a file.");
            return;
        }
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        var filename = file.FileName;
        var sha256 = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        var md5 = Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant();
        if (F("sha256_digest").Length == 0 && F("md5_digest").Length == 0 && F("blake2_256_digest").Length == 0)
        {
            await Refuse(ctx, state, 400, "Include at least one message digest.");
            return;
        }
        if ((F("sha256_digest").Length > 0 && !F("sha256_digest").Equals(sha256, StringComparison.OrdinalIgnoreCase))
            || (F("md5_digest").Length > 0 && !F("md5_digest").Equals(md5, StringComparison.OrdinalIgnoreCase)))
        {
            await Refuse(ctx, state, 400, "The digest supplied does not match a digest calculated from the uploaded file.");
            return;
        }

        // 3. The file name must carry the project and version (wheel names use underscores).
        var expectedStem = Regex.Replace(normalized, "-", "_");
        var parts = filename.EndsWith(".whl", StringComparison.Ordinal)
            ? filename[..^4].Split('-')
            : filename.EndsWith(".tar.gz", StringComparison.Ordinal) ? SplitSdist(filename[..^7]) : null;
        if (parts is null || (filetype == "bdist_wheel") != filename.EndsWith(".whl", StringComparison.Ordinal))
        {
            await Refuse(ctx, state, 400, $"Invalid file extension: Use .tar.gz or .whl for {filetype} ('{filename}'). See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for more information");
            return;
        }
        if (parts.Length < 2 || Normalize(parts[0]) != normalized || NormalizeVersion(parts[1]) != NormalizeVersion(version))
        {
            await Refuse(ctx, state, 400, $"Start filename for '{name}' with '{expectedStem}-{version}'.");
            return;
        }

        lock (state.Gate)
        {
            var existing = state.Projects.Values.SelectMany(p => p.Files).FirstOrDefault(f => f.Filename == filename);
            if (existing is not null)
            {
                if (existing.Sha256 == sha256)
                {
                    // Warehouse answers an identical re-upload with 200 and stores nothing.
                    state.Duplicates++;
                    state.Log.Add($"POST /legacy/ 200 duplicate {filename}");
                    ctx.Response.StatusCode = 200;
                    return;
                }
            }
            else
            {
                Store(state, name, version, filename, filetype, F("pyversion"), F("requires_python"), bytes, F("summary"));
                state.Stored++;
                state.Log.Add($"POST /legacy/ 200 stored {filename}");
                ctx.Response.StatusCode = 200;
                return;
            }
        }
        var blake = Convert.ToHexString(HashBlake2Placeholder(bytes)).ToLowerInvariant();
        await Refuse(ctx, state, 400, $"File already exists ('{filename}', with blake2_256 hash '{blake}'). See https://pypi.org/help/#file-name-reuse for more information.");
    }

    private static string[] SplitSdist(string stem)
    {
        var dash = stem.LastIndexOf('-');
        return dash < 0 ? new[] { stem } : new[] { stem[..dash], stem[(dash + 1)..] };
    }

    // .NET has no BLAKE2; the stand-in names the file by a stable digest of it (shown only in refusals).
    private static byte[] HashBlake2Placeholder(byte[] bytes) => SHA256.HashData(bytes);

    private static void Store(PypiState state, string name, string version, string filename, string filetype, string pyversion,
        string? requiresPython, byte[] bytes, string? summary)
    {
        var normalized = Normalize(name);
        if (!state.Projects.TryGetValue(normalized, out var project))
        {
            project = new PypiProject { Name = name };
            state.Projects[normalized] = project;
        }
        project.Files.Add(new PypiFile(filename, version, NormalizeVersion(version), filetype, pyversion,
            string.IsNullOrEmpty(requiresPython) ? null : requiresPython,
            Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant(),
            Convert.ToHexString(HashBlake2Placeholder(bytes)).ToLowerInvariant(), bytes, DateTimeOffset.UtcNow, summary));
    }

    private static string Base(HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}";

    private static IResult SimpleRoot(HttpContext ctx, PypiState state)
    {
        List<string> names;
        lock (state.Gate) names = state.Projects.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (WantsJson(ctx))
        {
            var json = new JsonObject
            {
                ["meta"] = new JsonObject { ["api-version"] = "1.1" },
                ["projects"] = new JsonArray(names.Select(n => (JsonNode)new JsonObject { ["name"] = n }).ToArray()),
            };
            return Results.Text(json.ToJsonString(Json), SimpleJson);
        }
        var html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Simple index</title></head><body>\n");
        foreach (var n in names) html.Append(CultureInfo.InvariantCulture, $"<a href=\"/simple/{n}/\">{n}</a>\n");
        html.Append("</body></html>\n");
        return Results.Text(html.ToString(), "text/html; charset=utf-8");
    }

    private static bool WantsJson(HttpContext ctx) => ctx.Request.Headers.Accept.ToString().Contains(SimpleJson, StringComparison.Ordinal);

    private static IResult SimpleProject(HttpContext ctx, PypiState state, string name)
    {
        var normalized = Normalize(name);
        // PEP 503: the canonical URL is the normalized name with a trailing slash.
        if (normalized != name || !(ctx.Request.Path.Value ?? string.Empty).EndsWith('/')) return Results.Redirect($"/simple/{normalized}/", permanent: true);
        PypiProject? project;
        List<PypiFile> files;
        lock (state.Gate)
        {
            state.Projects.TryGetValue(normalized, out project);
            files = project?.Files.ToList() ?? new List<PypiFile>();
        }
        if (project is null) return Results.NotFound();
        var baseUrl = Base(ctx);
        if (WantsJson(ctx))
        {
            var json = new JsonObject
            {
                ["meta"] = new JsonObject { ["api-version"] = "1.1" },
                ["name"] = normalized,
                ["versions"] = new JsonArray(files.Select(f => f.NormalizedVersion).Distinct().Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
                ["files"] = new JsonArray(files.Select(f => (JsonNode)new JsonObject
                {
                    ["filename"] = f.Filename,
                    ["url"] = $"{baseUrl}/packages/{f.Sha256}/{f.Filename}",
                    ["hashes"] = new JsonObject { ["sha256"] = f.Sha256 },
                    ["requires-python"] = f.RequiresPython,
                    ["yanked"] = false,
                    ["size"] = f.Bytes.Length,
                    ["upload-time"] = f.UploadTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
                }).ToArray()),
            };
            return Results.Text(json.ToJsonString(Json), SimpleJson);
        }
        var html = new StringBuilder($"<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Links for {normalized}</title></head><body><h1>Links for {normalized}</h1>\n");
        foreach (var f in files)
        {
            var requires = f.RequiresPython is null ? string.Empty : $" data-requires-python=\"{WebUtility.HtmlEncode(f.RequiresPython)}\"";
            html.Append(CultureInfo.InvariantCulture, $"<a href=\"/packages/{f.Sha256}/{f.Filename}#sha256={f.Sha256}\"{requires}>{f.Filename}</a><br/>\n");
        }
        html.Append("</body></html>\n");
        return Results.Text(html.ToString(), "text/html; charset=utf-8");
    }

    private static IResult Download(PypiState state, string sha, string filename)
    {
        PypiFile? file;
        lock (state.Gate) file = state.Projects.Values.SelectMany(p => p.Files).FirstOrDefault(f => f.Sha256 == sha && f.Filename == filename);
        return file is null ? Results.NotFound() : Results.Bytes(file.Bytes, "application/octet-stream", filename);
    }

    private static IResult JsonApi(HttpContext ctx, PypiState state, string name, string? version)
    {
        var normalized = Normalize(name);
        List<PypiFile> all;
        string display;
        lock (state.Gate)
        {
            state.JsonReads++;
            if (!state.Projects.TryGetValue(normalized, out var project)) return Results.Json(new { message = "Not Found" }, statusCode: 404);
            all = project.Files.ToList();
            display = project.Name;
        }
        var wanted = version is null ? all.Select(f => f.NormalizedVersion).LastOrDefault() : NormalizeVersion(version);
        var files = all.Where(f => f.NormalizedVersion == wanted).ToList();
        if (files.Count == 0) return Results.Json(new { message = "Not Found" }, statusCode: 404);
        var baseUrl = Base(ctx);
        JsonObject FileJson(PypiFile f) => new()
        {
            ["filename"] = f.Filename,
            ["packagetype"] = f.Filetype,
            ["python_version"] = f.PyVersion,
            ["requires_python"] = f.RequiresPython,
            ["size"] = f.Bytes.Length,
            ["digests"] = new JsonObject { ["sha256"] = f.Sha256, ["md5"] = f.Md5, ["blake2b_256"] = f.Blake2 },
            ["md5_digest"] = f.Md5,
            ["url"] = $"{baseUrl}/packages/{f.Sha256}/{f.Filename}",
            ["upload_time_iso_8601"] = f.UploadTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            ["yanked"] = false,
            ["yanked_reason"] = null,
        };
        var body = new JsonObject
        {
            ["info"] = new JsonObject
            {
                ["name"] = display,
                ["version"] = files[0].Version,
                ["summary"] = files[0].Summary,
                ["requires_python"] = files[0].RequiresPython,
                ["package_url"] = $"{baseUrl}/project/{normalized}/",
            },
            ["urls"] = new JsonArray(files.Select(f => (JsonNode)FileJson(f)).ToArray()),
            ["vulnerabilities"] = new JsonArray(),
        };
        if (version is null)
        {
            var releases = new JsonObject();
            foreach (var g in all.GroupBy(f => f.Version)) releases[g.Key] = new JsonArray(g.Select(f => (JsonNode)FileJson(f)).ToArray());
            body["releases"] = releases;
        }
        return Results.Text(body.ToJsonString(Json), "application/json");
    }

    // --- Trusted publishing ---

    private static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromB64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    /// <summary>The fake GitHub Actions issuer: ACTIONS_ID_TOKEN_REQUEST_URL&amp;audience=… with the request token as bearer.</summary>
    private static IResult IssueOidcToken(HttpContext ctx, PypiState state)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        var bearer = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim() : null;
        JsonObject? claims;
        lock (state.Gate) claims = bearer is not null && state.OidcRequests.TryGetValue(bearer, out var c) ? (JsonObject)c.DeepClone() : null;
        if (claims is null) return Results.Json(new { message = "Unauthorized" }, statusCode: 401);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims["iss"] = "https://token.actions.githubusercontent.com";
        claims["aud"] = ctx.Request.Query["audience"].ToString();
        claims["iat"] = now;
        claims["nbf"] = now - 5;
        claims["exp"] = now + 300;
        claims["jti"] = Guid.NewGuid().ToString();
        var header = B64Url(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"x0-standin\"}"));
        var payload = B64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = B64Url(HMACSHA256.HashData(state.SigningKey, Encoding.ASCII.GetBytes(header + "." + payload)));
        return Results.Json(new { count = 1, value = $"{header}.{payload}.{signature}" });
    }

    private static IResult MintError(string code, string description) =>
        Results.Json(new { message = "Token request failed", errors = new[] { new { code, description } } }, statusCode: 422);

    private static async Task<IResult> MintToken(HttpContext ctx, PypiState state)
    {
        lock (state.Gate) state.MintRequests++;
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(ctx.Request.Body);
        }
        catch (JsonException)
        {
            return MintError("invalid-payload", "malformed request body");
        }
        var jwt = body?["token"]?.GetValue<string>();
        var parts = jwt?.Split('.') ?? Array.Empty<string>();
        if (parts.Length != 3) return MintError("invalid-payload", "token is missing or malformed");
        var expected = B64Url(HMACSHA256.HashData(state.SigningKey, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1])));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[2])))
        {
            return MintError("invalid-publisher", "valid token, but no corresponding publisher (signature could not be verified)");
        }
        var claims = JsonNode.Parse(FromB64Url(parts[1]))!.AsObject();
        var aud = claims["aud"]?.GetValue<string>();
        if (aud != state.Audience) return MintError("invalid-publisher", $"valid token, but no corresponding publisher (audience '{aud}' is not '{state.Audience}')");
        if (claims["exp"]?.GetValue<long>() < DateTimeOffset.UtcNow.ToUnixTimeSeconds()) return MintError("invalid-publisher", "valid token, but no corresponding publisher (token is expired)");
        var repository = claims["repository"]?.GetValue<string>() ?? string.Empty;
        var workflowRef = claims["job_workflow_ref"]?.GetValue<string>() ?? string.Empty;
        var workflow = Regex.Match(workflowRef, @"/\.github/workflows/([^@]+)@").Groups[1].Value;
        var environment = claims["environment"]?.GetValue<string>();
        List<PypiPublisher> matches;
        lock (state.Gate)
        {
            matches = state.Publishers.Where(p => p.Repository.Equals(repository, StringComparison.OrdinalIgnoreCase)
                && p.Workflow == workflow && (p.Environment is null || string.Equals(p.Environment, environment, StringComparison.OrdinalIgnoreCase))).ToList();
        }
        if (matches.Count == 0)
        {
            return MintError("invalid-publisher", "valid token, but no corresponding publisher (Publisher with matching claims was not found)");
        }
        var token = "pypi-" + B64Url(RandomNumberGenerator.GetBytes(48));
        int ttl;
        lock (state.Gate)
        {
            ttl = state.MintedTtlSeconds;
            state.Tokens[token] = new PypiToken(token, matches.Select(m => m.Project).Distinct().ToList(), DateTimeOffset.UtcNow.AddSeconds(ttl), "trusted-publishing");
        }
        return Results.Json(new { success = true, token, expires = DateTimeOffset.UtcNow.AddSeconds(ttl).ToUnixTimeSeconds() });
    }
}
