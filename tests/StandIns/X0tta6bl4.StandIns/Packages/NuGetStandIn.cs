using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace X0tta6bl4.StandIns.Packages;

/// <summary>What the NuGet stand-in keeps: packages and API keys.</summary>
internal sealed class NuGetState
{
    public readonly object Gate = new();
    public readonly List<NuGetPackage> Packages = new();
    /// <summary>Accepted keys; once any is set, a push needs one of them.</summary>
    public readonly Dictionary<string, NuGetKey> Keys = new(StringComparer.Ordinal);
    public readonly List<string> Log = new();
    public int Pushes, Conflicts, Refused, Downloads;

    public void Reset()
    {
        Packages.Clear();
        Keys.Clear();
        Log.Clear();
        Pushes = Conflicts = Refused = Downloads = 0;
    }
}

internal sealed record NuGetKey(string Value, bool Expired, IReadOnlyList<string>? Ids);

internal sealed record NuGetPackage(string Id, string Version, string NormalizedVersion, byte[] Bytes, string Description, string Authors,
    string Tags, DateTimeOffset Published)
{
    public string LowerId => Id.ToLowerInvariant();
    public string LowerVersion => NormalizedVersion.ToLowerInvariant();
    public string Sha512 => Convert.ToBase64String(SHA512.HashData(Bytes));
}

/// <summary>
/// A NuGet v3 feed: service index, push (PUT /api/v2/package with X-NuGet-ApiKey; 409 for a
/// duplicate, 403 for a refused key), flat container (PackageBaseAddress), registrations and search —
/// enough for `dotnet nuget push`, PSResourceGet (Find/Save-PSResource) and the module's own client.
/// </summary>
internal static class NuGetEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/v3/index.json", ServiceIndex);
        app.MapPut("/api/v2/package", Push);
        app.MapGet("/v3-flatcontainer/{id}/index.json", (NuGetState s, string id) => Versions(s, id));
        app.MapGet("/v3-flatcontainer/{id}/{version}/{file}", (NuGetState s, string id, string version, string file) => Content(s, id, version, file));
        app.MapGet("/v3/registration/{id}/index.json", (HttpContext c, NuGetState s, string id) => Registration(c, s, id));
        app.MapGet("/v3/registration/{id}/{version}.json", (HttpContext c, NuGetState s, string id, string version) => RegistrationLeaf(c, s, id, version));
        app.MapGet("/v3/query", Search);
        // The PowerShell Gallery's v2 download: a redirect to the package's blob.
        app.MapGet("/api/v2/package/{id}/{version}", (NuGetState s, string id, string version) =>
        {
            var p = Of(s, id).FirstOrDefault(x => x.LowerVersion == NormalizeVersion(version).ToLowerInvariant());
            return p is null ? Results.NotFound() : Results.Redirect($"/v3-flatcontainer/{p.LowerId}/{p.LowerVersion}/{p.LowerId}.{p.LowerVersion}.nupkg");
        });

        app.MapPost("/_x0/reset", (NuGetState s) =>
        {
            lock (s.Gate) s.Reset();
            return Results.Ok();
        });
        app.MapPost("/_x0/keys", async (HttpContext c, NuGetState s) =>
        {
            var b = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            var key = b["key"]!.GetValue<string>();
            lock (s.Gate) s.Keys[key] = new NuGetKey(key, b["expired"]?.GetValue<bool>() ?? false, b["ids"]?.AsArray().Select(i => i!.GetValue<string>().ToLowerInvariant()).ToList());
            return Results.Ok();
        });
        app.MapPost("/_x0/packages", async (HttpContext c, NuGetState s) =>
        {
            // Seeds a package as if pushed earlier (other bytes under a version a release will push).
            var b = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            var bytes = Convert.FromBase64String(b["contentBase64"]!.GetValue<string>());
            var package = Read(bytes) ?? throw new InvalidOperationException("not a nupkg");
            lock (s.Gate) s.Packages.Add(package);
            return Results.Ok();
        });
        app.MapGet("/_x0/packages", (NuGetState s) =>
        {
            lock (s.Gate)
            {
                return Results.Json(s.Packages.Select(p => new { id = p.Id, version = p.Version, size = p.Bytes.Length, sha512 = p.Sha512,
                    sha256 = Convert.ToHexString(SHA256.HashData(p.Bytes)).ToLowerInvariant() }).ToList());
            }
        });
        app.MapGet("/_x0/stats", (NuGetState s) =>
        {
            lock (s.Gate) return Results.Json(new { pushes = s.Pushes, conflicts = s.Conflicts, refused = s.Refused, downloads = s.Downloads, log = s.Log.ToList() });
        });
    }

    private static string Base(HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}";

    private static IResult ServiceIndex(HttpContext ctx)
    {
        var b = Base(ctx);
        JsonObject R(string id, string type) => new() { ["@id"] = id, ["@type"] = type };
        var index = new JsonObject
        {
            ["version"] = "3.0.0",
            ["resources"] = new JsonArray(
                R($"{b}/api/v2/package", "PackagePublish/2.0.0"),
                R($"{b}/v3-flatcontainer/", "PackageBaseAddress/3.0.0"),
                R($"{b}/v3/registration/", "RegistrationsBaseUrl"),
                R($"{b}/v3/registration/", "RegistrationsBaseUrl/3.0.0-rc"),
                R($"{b}/v3/registration/", "RegistrationsBaseUrl/3.0.0-beta"),
                R($"{b}/v3/registration/", "RegistrationsBaseUrl/3.4.0"),
                R($"{b}/v3/registration/", "RegistrationsBaseUrl/3.6.0"),
                R($"{b}/v3/query", "SearchQueryService"),
                R($"{b}/v3/query", "SearchQueryService/3.0.0-rc"),
                R($"{b}/v3/query", "SearchQueryService/3.0.0-beta"),
                R($"{b}/v3/query", "SearchQueryService/3.5.0")),
        };
        return Results.Text(index.ToJsonString(), "application/json");
    }

    private static IResult Refuse(NuGetState s, int status, string message)
    {
        lock (s.Gate)
        {
            s.Refused++;
            s.Log.Add($"PUT {status} {message}");
        }
        return Results.Text(message, "text/plain", statusCode: status);
    }

    private static async Task<IResult> Push(HttpContext ctx, NuGetState state)
    {
        var key = ctx.Request.Headers["X-NuGet-ApiKey"].ToString();
        NuGetKey? known;
        int keyCount;
        lock (state.Gate)
        {
            keyCount = state.Keys.Count;
            state.Keys.TryGetValue(key, out known);
        }
        if (key.Length == 0 && keyCount > 0) return Refuse(state, 401, "An API key must be provided.");
        if (keyCount > 0 && (known is null || known.Expired))
        {
            return Refuse(state, 403, "The specified API key is invalid, has expired, or does not have permission to access the specified package.");
        }

        byte[] bytes;
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync();
            var file = form.Files.FirstOrDefault();
            if (file is null) return Refuse(state, 400, "The request has no package.");
            using var ms = new MemoryStream();
            await file.CopyToAsync(ms);
            bytes = ms.ToArray();
        }
        else
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            bytes = ms.ToArray();
        }
        var package = Read(bytes);
        if (package is null) return Refuse(state, 400, "The uploaded file is not a valid package (no .nuspec at its root).");
        if (known?.Ids is { } ids && !ids.Contains(package.LowerId))
        {
            return Refuse(state, 403, "The specified API key is invalid, has expired, or does not have permission to access the specified package.");
        }
        lock (state.Gate)
        {
            if (state.Packages.Any(p => p.LowerId == package.LowerId && p.LowerVersion == package.LowerVersion))
            {
                state.Conflicts++;
                state.Log.Add($"PUT 409 {package.Id} {package.Version}");
                return Results.Text($"A package with ID '{package.Id}' and version '{package.NormalizedVersion}' already exists and cannot be modified.", "text/plain", statusCode: 409);
            }
            state.Packages.Add(package);
            state.Pushes++;
            state.Log.Add($"PUT 201 {package.Id} {package.Version}");
        }
        return Results.StatusCode(201);
    }

    /// <summary>Reads id, version and display metadata from the nupkg's nuspec; null when it is no package.</summary>
    internal static NuGetPackage? Read(byte[] bytes)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            var entry = zip.Entries.FirstOrDefault(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
            if (entry is null) return null;
            using var stream = entry.Open();
            var doc = XDocument.Load(stream);
            var meta = doc.Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "metadata");
            string Get(string name) => meta?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim() ?? string.Empty;
            var id = Get("id");
            var version = Get("version");
            if (id.Length == 0 || version.Length == 0) return null;
            return new NuGetPackage(id, version, NormalizeVersion(version), bytes, Get("description"), Get("authors"), Get("tags"), DateTimeOffset.UtcNow);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>NuGet's normalized version: no build metadata, no leading zeros, a zero fourth part dropped.</summary>
    internal static string NormalizeVersion(string version)
    {
        var v = version.Split('+')[0];
        var dash = v.IndexOf('-');
        var release = dash < 0 ? v : v[..dash];
        var pre = dash < 0 ? string.Empty : v[dash..];
        var parts = release.Split('.').Select(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : p).ToList();
        while (parts.Count < 3) parts.Add("0");
        if (parts.Count == 4 && parts[3] == "0") parts.RemoveAt(3);
        return string.Join('.', parts) + pre;
    }

    private static List<NuGetPackage> Of(NuGetState s, string id)
    {
        lock (s.Gate) return s.Packages.Where(p => p.LowerId == id.ToLowerInvariant()).ToList();
    }

    private static IResult Versions(NuGetState s, string id)
    {
        var list = Of(s, id);
        if (list.Count == 0) return Results.NotFound();
        return Results.Json(new { versions = list.Select(p => p.LowerVersion).ToArray() });
    }

    private static IResult Content(NuGetState s, string id, string version, string file)
    {
        var package = Of(s, id).FirstOrDefault(p => p.LowerVersion == version.ToLowerInvariant());
        if (package is null) return Results.NotFound();
        var stem = $"{package.LowerId}.{package.LowerVersion}";
        if (file.Equals(stem + ".nupkg", StringComparison.OrdinalIgnoreCase))
        {
            lock (s.Gate) s.Downloads++;
            return Results.Bytes(package.Bytes, "application/octet-stream");
        }
        if (file.Equals(package.LowerId + ".nuspec", StringComparison.OrdinalIgnoreCase))
        {
            using var zip = new ZipArchive(new MemoryStream(package.Bytes), ZipArchiveMode.Read);
            var entry = zip.Entries.First(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
            using var reader = new StreamReader(entry.Open());
            return Results.Text(reader.ReadToEnd(), "application/xml");
        }
        return Results.NotFound();
    }

    private static JsonObject Leaf(HttpContext ctx, NuGetPackage p)
    {
        var b = Base(ctx);
        var content = $"{b}/v3-flatcontainer/{p.LowerId}/{p.LowerVersion}/{p.LowerId}.{p.LowerVersion}.nupkg";
        return new JsonObject
        {
            ["@id"] = $"{b}/v3/registration/{p.LowerId}/{p.LowerVersion}.json",
            ["@type"] = "Package",
            ["catalogEntry"] = new JsonObject
            {
                ["@id"] = $"{b}/v3/catalog/{p.LowerId}.{p.LowerVersion}.json",
                ["@type"] = "PackageDetails",
                ["id"] = p.Id,
                ["version"] = p.NormalizedVersion,
                ["description"] = p.Description,
                ["authors"] = p.Authors,
                ["tags"] = new JsonArray(p.Tags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
                ["listed"] = true,
                ["published"] = p.Published.ToString("O", CultureInfo.InvariantCulture),
                ["packageContent"] = content,
                ["packageHash"] = p.Sha512,
                ["packageHashAlgorithm"] = "SHA512",
                ["dependencyGroups"] = new JsonArray(),
            },
            ["packageContent"] = content,
            ["registration"] = $"{b}/v3/registration/{p.LowerId}/index.json",
        };
    }

    private static IResult Registration(HttpContext ctx, NuGetState s, string id)
    {
        var list = Of(s, id);
        if (list.Count == 0) return Results.NotFound();
        var b = Base(ctx);
        var ordered = list.OrderBy(p => p.NormalizedVersion, StringComparer.Ordinal).ToList();
        var page = new JsonObject
        {
            ["@id"] = $"{b}/v3/registration/{id.ToLowerInvariant()}/index.json#page/{ordered[0].LowerVersion}/{ordered[^1].LowerVersion}",
            ["count"] = ordered.Count,
            ["lower"] = ordered[0].NormalizedVersion,
            ["upper"] = ordered[^1].NormalizedVersion,
            ["items"] = new JsonArray(ordered.Select(p => (JsonNode)Leaf(ctx, p)).ToArray()),
        };
        var index = new JsonObject
        {
            ["@id"] = $"{b}/v3/registration/{id.ToLowerInvariant()}/index.json",
            ["count"] = 1,
            ["items"] = new JsonArray(page),
        };
        return Results.Text(index.ToJsonString(), "application/json");
    }

    private static IResult RegistrationLeaf(HttpContext ctx, NuGetState s, string id, string version)
    {
        var p = Of(s, id).FirstOrDefault(x => x.LowerVersion == version.ToLowerInvariant());
        return p is null ? Results.NotFound() : Results.Text(Leaf(ctx, p).ToJsonString(), "application/json");
    }

    private static IResult Search(HttpContext ctx, NuGetState s)
    {
        var q = ctx.Request.Query["q"].ToString();
        var prerelease = string.Equals(ctx.Request.Query["prerelease"], "true", StringComparison.OrdinalIgnoreCase);
        List<NuGetPackage> all;
        lock (s.Gate) all = s.Packages.ToList();
        var pattern = q.Length == 0 ? null : new Regex("^" + Regex.Escape(q.Replace("id:", string.Empty, StringComparison.OrdinalIgnoreCase)).Replace("\\*", ".*") + "$", RegexOptions.IgnoreCase);
        var b = Base(ctx);
        var data = all.Where(p => prerelease || !p.NormalizedVersion.Contains('-'))
            .Where(p => pattern is null || pattern.IsMatch(p.Id) || p.Id.Contains(q, StringComparison.OrdinalIgnoreCase))
            .GroupBy(p => p.LowerId)
            .Select(g =>
            {
                var latest = g.OrderBy(p => p.NormalizedVersion, StringComparer.Ordinal).Last();
                return (JsonNode)new JsonObject
                {
                    ["@id"] = $"{b}/v3/registration/{g.Key}/index.json",
                    ["@type"] = "Package",
                    ["registration"] = $"{b}/v3/registration/{g.Key}/index.json",
                    ["id"] = latest.Id,
                    ["version"] = latest.NormalizedVersion,
                    ["description"] = latest.Description,
                    ["authors"] = new JsonArray(JsonValue.Create(latest.Authors)),
                    ["tags"] = new JsonArray(latest.Tags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
                    ["totalDownloads"] = 0,
                    ["verified"] = false,
                    ["versions"] = new JsonArray(g.Select(p => (JsonNode)new JsonObject
                    {
                        ["version"] = p.NormalizedVersion,
                        ["downloads"] = 0,
                        ["@id"] = $"{b}/v3/registration/{g.Key}/{p.LowerVersion}.json",
                    }).ToArray()),
                };
            }).ToArray();
        return Results.Text(new JsonObject { ["totalHits"] = data.Length, ["data"] = new JsonArray(data) }.ToJsonString(), "application/json");
    }
}
