using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace X0tta6bl4.StandIns.GitHub;

/// <summary>A release as GitHub keeps it. Drafts have no tag on the web (untagged-…) and are seen only by writers.</summary>
public sealed class GitHubRelease
{
    public long Id { get; init; }
    public required string TagName { get; set; }
    public string TargetCommitish { get; set; } = "main";
    public string? Name { get; set; }
    public string? Body { get; set; }
    public bool Draft { get; set; }
    public bool Prerelease { get; set; }
    /// <summary>Published while the repository had immutable releases on: assets and tag are frozen.</summary>
    public bool Immutable { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? PublishedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string Author { get; init; } = "octocat";
    public List<GitHubAsset> Assets { get; } = new();
    /// <summary>The tag in web URLs: drafts get a stable untagged-… name, as on GitHub.</summary>
    public string WebTag => Draft ? "untagged-" + Convert.ToHexString(SHA1.HashData(BitConverter.GetBytes(Id)))[..20].ToLowerInvariant() : TagName;
}

/// <summary>An asset of a release: "open" while its upload is under way (or after one was cut off), "uploaded" once complete.</summary>
public sealed class GitHubAsset
{
    public long Id { get; init; }
    public required string Name { get; set; }
    public string? Label { get; set; }
    public string ContentType { get; init; } = "application/octet-stream";
    public byte[] Bytes { get; set; } = Array.Empty<byte>();
    public long Size => Bytes.LongLength;
    public string State { get; set; } = "uploaded";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string Uploader { get; init; } = "octocat";
    public int DownloadCount { get; set; }
    public string Sha256 => Convert.ToHexString(SHA256.HashData(Bytes)).ToLowerInvariant();
    /// <summary>GitHub reports <c>sha256:…</c> for completed uploads only.</summary>
    public string? Digest => State == "uploaded" ? "sha256:" + Sha256 : null;
}

/// <summary>
/// GET /repos/{o}/{r} with the caller's permissions, and the releases API: list, create, get, get by
/// tag (published only), latest, update/publish, delete; assets: list, upload, get or download (302 to
/// storage), update, delete. Writes need <c>contents: write</c> on the token given to /_x0/tokens;
/// published releases of a repository with immutable releases refuse asset changes.
/// </summary>
public static class GitHubReleases
{
    private const string Docs = "https://docs.github.com/rest/releases/releases";
    private const string AssetDocs = "https://docs.github.com/rest/releases/assets";

    public static void Map(WebApplication app)
    {
        app.MapGet("/repos/{owner}/{repo}", GetRepository);
        app.MapGet("/repos/{owner}/{repo}/releases", ListReleases);
        app.MapPost("/repos/{owner}/{repo}/releases", CreateRelease);
        app.MapGet("/repos/{owner}/{repo}/releases/latest", GetLatest);
        app.MapGet("/repos/{owner}/{repo}/releases/tags/{tag}", GetByTag);
        app.MapGet("/repos/{owner}/{repo}/releases/{id:long}", GetRelease);
        app.MapMethods("/repos/{owner}/{repo}/releases/{id:long}", new[] { "PATCH" }, UpdateRelease);
        app.MapDelete("/repos/{owner}/{repo}/releases/{id:long}", DeleteRelease);
        app.MapGet("/repos/{owner}/{repo}/releases/{id:long}/assets", ListAssets);
        app.MapPost("/repos/{owner}/{repo}/releases/{id:long}/assets", UploadAsset);
        app.MapGet("/repos/{owner}/{repo}/releases/assets/{assetId:long}", GetAsset);
        app.MapMethods("/repos/{owner}/{repo}/releases/assets/{assetId:long}", new[] { "PATCH" }, UpdateAsset);
        app.MapDelete("/repos/{owner}/{repo}/releases/assets/{assetId:long}", DeleteAsset);
    }

    // --- permissions -------------------------------------------------------------------------------

    /// <summary>"write", "read" or "none" for the caller on <paramref name="permission"/>. No configured tokens: everyone writes.</summary>
    internal static string Access(GitHubState state, HttpContext ctx, string permission)
    {
        lock (state.Gate)
        {
            if (state.Tokens.Count == 0) return "write";
            if (ctx.Items[GitHubEndpoints.TokenKey] is not string token || !state.Tokens.TryGetValue(token, out var perms)) return "none";
            // A token without a word on contents can still read a public repository.
            var level = perms.GetValueOrDefault(permission, "read");
            return level is "write" or "admin" ? "write" : level == "none" ? "none" : "read";
        }
    }

    private static bool CanWrite(GitHubState state, HttpContext ctx) => Access(state, ctx, "contents") == "write";

    /// <summary>GitHub's answer to a write the token may not make, naming the permission in a header.</summary>
    private static IResult Forbidden(HttpContext ctx, string doc)
    {
        ctx.Response.Headers["x-accepted-github-permissions"] = "contents=write";
        var body = GitHubJson.Error("Resource not accessible by personal access token", doc);
        body["status"] = "403";
        return GitHubEndpoints.JsonResult(body, 403);
    }

    private static string Api(HttpContext ctx) => GitHubEndpoints.ApiBase(ctx);

    // --- repository --------------------------------------------------------------------------------

    private static IResult GetRepository(HttpContext ctx, GitHubState s, string owner, string repo)
    {
        var access = Access(s, ctx, "contents");
        lock (s.Gate)
        {
            var r = s.FindRepo(owner, repo);
            if (r is null || access == "none") return GitHubEndpoints.NotFound();
            JsonObject? permissions = null;
            if (s.Tokens.Count > 0)
            {
                var write = access == "write";
                permissions = new JsonObject { ["admin"] = false, ["maintain"] = false, ["push"] = write, ["triage"] = write, ["pull"] = true };
            }
            return GitHubEndpoints.JsonResult(GitHubJson.FullRepository(Api(ctx), r, permissions));
        }
    }

    // --- releases ----------------------------------------------------------------------------------

    private static IResult ListReleases(HttpContext ctx, GitHubState s, string owner, string repo)
    {
        var writer = CanWrite(s, ctx);
        lock (s.Gate)
        {
            var r = s.FindRepo(owner, repo);
            if (r is null) return GitHubEndpoints.NotFound();
            // Newest first; drafts only for those who may write.
            var visible = r.Releases.Where(x => writer || !x.Draft).OrderByDescending(x => x.CreatedAt).ThenByDescending(x => x.Id).ToList();
            var (perPage, page) = GitHubEndpoints.Paging(ctx);
            var items = visible.Skip((page - 1) * perPage).Take(perPage).Select(x => (JsonNode)GitHubJson.Release(Api(ctx), s.PublicApiBase, r, x)).ToArray();
            GitHubEndpoints.Link(ctx, visible.Count, perPage, page);
            return GitHubEndpoints.JsonResult(new JsonArray(items));
        }
    }

    private static async Task<IResult> CreateRelease(HttpContext ctx, GitHubState s, string owner, string repo)
    {
        var body = await ReadJson(ctx);
        if (!CanWrite(s, ctx)) return Forbidden(ctx, Docs + "#create-a-release");
        lock (s.Gate)
        {
            var r = s.FindRepo(owner, repo);
            if (r is null) return GitHubEndpoints.NotFound();
            var tag = Str(body, "tag_name");
            if (string.IsNullOrWhiteSpace(tag))
            {
                return GitHubEndpoints.JsonResult(GitHubJson.ValidationFailed("Release", "missing_field", "tag_name", Docs + "#create-a-release"), 422);
            }
            // A tag carries at most one published release; drafts may share it.
            if (r.Releases.Any(x => !x.Draft && x.TagName == tag))
            {
                return GitHubEndpoints.JsonResult(GitHubJson.ValidationFailed("Release", "already_exists", "tag_name", Docs + "#create-a-release"), 422);
            }
            var now = DateTimeOffset.UtcNow;
            var draft = Bool(body, "draft") ?? false;
            var release = new GitHubRelease
            {
                Id = s.NextId(),
                TagName = tag,
                TargetCommitish = Str(body, "target_commitish") ?? r.DefaultBranch,
                Name = Str(body, "name") ?? tag,
                Body = Str(body, "body"),
                Draft = draft,
                Prerelease = Bool(body, "prerelease") ?? false,
                CreatedAt = now,
                UpdatedAt = now,
                PublishedAt = draft ? null : now,
                Immutable = !draft && r.ImmutableReleases,
            };
            r.Releases.Add(release);
            ctx.Response.Headers.Location = $"{Api(ctx)}/repos/{r.FullName}/releases/{release.Id}";
            return GitHubEndpoints.JsonResult(GitHubJson.Release(Api(ctx), s.PublicApiBase, r, release), 201);
        }
    }

    private static IResult GetRelease(HttpContext ctx, GitHubState s, string owner, string repo, long id)
    {
        var writer = CanWrite(s, ctx);
        lock (s.Gate)
        {
            var (r, release) = Find(s, owner, repo, id);
            if (r is null || release is null || (release.Draft && !writer)) return GitHubEndpoints.NotFound();
            return GitHubEndpoints.JsonResult(GitHubJson.Release(Api(ctx), s.PublicApiBase, r, release));
        }
    }

    /// <summary>Published releases only: a draft is invisible here, as on GitHub (the list shows it).</summary>
    private static IResult GetByTag(HttpContext ctx, GitHubState s, string owner, string repo, string tag)
    {
        lock (s.Gate)
        {
            var r = s.FindRepo(owner, repo);
            var release = r?.Releases.Where(x => !x.Draft && x.TagName == tag).OrderBy(x => x.Id).FirstOrDefault();
            return r is null || release is null ? GitHubEndpoints.NotFound() : GitHubEndpoints.JsonResult(GitHubJson.Release(Api(ctx), s.PublicApiBase, r, release));
        }
    }

    private static IResult GetLatest(HttpContext ctx, GitHubState s, string owner, string repo)
    {
        lock (s.Gate)
        {
            var r = s.FindRepo(owner, repo);
            var release = r?.Releases.Where(x => !x.Draft && !x.Prerelease).OrderByDescending(x => x.PublishedAt).ThenByDescending(x => x.Id).FirstOrDefault();
            return r is null || release is null ? GitHubEndpoints.NotFound() : GitHubEndpoints.JsonResult(GitHubJson.Release(Api(ctx), s.PublicApiBase, r, release));
        }
    }

    private static async Task<IResult> UpdateRelease(HttpContext ctx, GitHubState s, string owner, string repo, long id)
    {
        var body = await ReadJson(ctx);
        if (!CanWrite(s, ctx)) return Forbidden(ctx, Docs + "#update-a-release");
        lock (s.Gate)
        {
            var (r, release) = Find(s, owner, repo, id);
            if (r is null || release is null) return GitHubEndpoints.NotFound();
            var tag = Str(body, "tag_name");
            var draft = Bool(body, "draft");
            if (release.Immutable && ((tag is not null && tag != release.TagName) || draft == true || Str(body, "target_commitish") is not null))
            {
                return GitHubEndpoints.JsonResult(GitHubJson.Error("Cannot modify the tag or draft state of an immutable release.", Docs + "#update-a-release"), 422);
            }
            var newTag = tag ?? release.TagName;
            if (draft == false && release.Draft && r.Releases.Any(x => x != release && !x.Draft && x.TagName == newTag))
            {
                return GitHubEndpoints.JsonResult(GitHubJson.ValidationFailed("Release", "already_exists", "tag_name", Docs + "#update-a-release"), 422);
            }
            var now = DateTimeOffset.UtcNow;
            release.TagName = newTag;
            if (Str(body, "target_commitish") is { } target) release.TargetCommitish = target;
            if (Str(body, "name") is { } name) release.Name = name;
            if (Str(body, "body") is { } text) release.Body = text;
            if (Bool(body, "prerelease") is { } pre) release.Prerelease = pre;
            if (draft is { } d && d != release.Draft)
            {
                release.Draft = d;
                release.PublishedAt = d ? null : now;
                release.Immutable = !d && r.ImmutableReleases;
            }
            release.UpdatedAt = now;
            return GitHubEndpoints.JsonResult(GitHubJson.Release(Api(ctx), s.PublicApiBase, r, release));
        }
    }

    private static IResult DeleteRelease(HttpContext ctx, GitHubState s, string owner, string repo, long id)
    {
        if (!CanWrite(s, ctx)) return Forbidden(ctx, Docs + "#delete-a-release");
        lock (s.Gate)
        {
            var (r, release) = Find(s, owner, repo, id);
            if (r is null || release is null) return GitHubEndpoints.NotFound();
            r.Releases.Remove(release);
            return Results.StatusCode(204);
        }
    }

    // --- assets ------------------------------------------------------------------------------------

    private static IResult ListAssets(HttpContext ctx, GitHubState s, string owner, string repo, long id)
    {
        var writer = CanWrite(s, ctx);
        lock (s.Gate)
        {
            var (r, release) = Find(s, owner, repo, id);
            if (r is null || release is null || (release.Draft && !writer)) return GitHubEndpoints.NotFound();
            var (perPage, page) = GitHubEndpoints.Paging(ctx);
            var items = release.Assets.Skip((page - 1) * perPage).Take(perPage).Select(a => (JsonNode)GitHubJson.ReleaseAsset(Api(ctx), r, release, a)).ToArray();
            GitHubEndpoints.Link(ctx, release.Assets.Count, perPage, page);
            return GitHubEndpoints.JsonResult(new JsonArray(items));
        }
    }

    /// <summary>
    /// The asset exists as "open" from the first byte until the last: a second upload of the name meanwhile
    /// gets 422 already_exists, and an upload that is cut off (a fault with cutAfterBytes) stays "open".
    /// </summary>
    private static async Task<IResult> UploadAsset(HttpContext ctx, GitHubState s, string owner, string repo, long id)
    {
        var name = ctx.Request.Query["name"].ToString();
        var label = ctx.Request.Query["label"].ToString();
        if (!CanWrite(s, ctx)) return Forbidden(ctx, AssetDocs + "#upload-a-release-asset");
        GitHubAsset asset;
        GitHubRelease release;
        RepoState r;
        lock (s.Gate)
        {
            var found = Find(s, owner, repo, id);
            if (found.Repo is null || found.Release is null) return GitHubEndpoints.NotFound();
            (r, release) = (found.Repo, found.Release);
            if (string.IsNullOrEmpty(name))
            {
                return GitHubEndpoints.JsonResult(GitHubJson.ValidationFailed("ReleaseAsset", "missing_field", "name", AssetDocs + "#upload-a-release-asset"), 422);
            }
            if (release.Immutable)
            {
                return GitHubEndpoints.JsonResult(GitHubJson.Error("Cannot upload assets to an immutable release.", AssetDocs + "#upload-a-release-asset"), 422);
            }
            if (release.Assets.Any(a => a.Name == name))
            {
                return GitHubEndpoints.JsonResult(GitHubJson.ValidationFailed("ReleaseAsset", "already_exists", "name", AssetDocs + "#upload-a-release-asset"), 422);
            }
            var now = DateTimeOffset.UtcNow;
            asset = new GitHubAsset
            {
                Id = s.NextId(),
                Name = name,
                Label = string.IsNullOrEmpty(label) ? null : label,
                ContentType = string.IsNullOrEmpty(ctx.Request.ContentType) ? "application/octet-stream" : ctx.Request.ContentType,
                State = "open",
                CreatedAt = now,
                UpdatedAt = now,
            };
            release.Assets.Add(asset);
        }

        var cut = ctx.Items.TryGetValue(GitHubEndpoints.DeferredFaultKey, out var f) && f is Fault { CutAfterBytes: not null } fault ? fault : null;
        using var received = new MemoryStream();
        var buffer = new byte[16384];
        var limit = cut?.CutAfterBytes ?? long.MaxValue;
        int read;
        while (received.Length < limit && (read = await ctx.Request.Body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - received.Length)))) > 0)
        {
            received.Write(buffer, 0, read);
        }
        lock (s.Gate)
        {
            asset.Bytes = received.ToArray();
            asset.UpdatedAt = DateTimeOffset.UtcNow;
            if (cut is null) asset.State = "uploaded";
        }
        if (cut is not null)
        {
            if (cut.Status == 0)
            {
                ctx.Abort();
                return Results.Empty;
            }
            foreach (var (k, v) in cut.Headers) ctx.Response.Headers[k] = v;
            return Results.Text(cut.Body ?? GitHubJson.Error("Server Error").ToJsonString(), "application/json; charset=utf-8", null, cut.Status);
        }
        lock (s.Gate)
        {
            return GitHubEndpoints.JsonResult(GitHubJson.ReleaseAsset(Api(ctx), r, release, asset), 201);
        }
    }

    /// <summary>JSON, or with Accept: application/octet-stream a 302 to storage (no token needed there).</summary>
    private static IResult GetAsset(HttpContext ctx, GitHubState s, string owner, string repo, long assetId)
    {
        var writer = CanWrite(s, ctx);
        lock (s.Gate)
        {
            var (r, release, asset) = FindAsset(s, owner, repo, assetId);
            if (r is null || release is null || asset is null || (release.Draft && !writer)) return GitHubEndpoints.NotFound();
            if (ctx.Request.Headers.Accept.ToString().Contains("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            {
                asset.DownloadCount++;
                var key = $"assets/{asset.Id}-{Guid.NewGuid():N}/{Uri.EscapeDataString(asset.Name)}";
                s.Blobs[key] = (asset.ContentType, asset.Bytes.ToArray());
                ctx.Response.Headers.Location = $"{s.UpstreamBase}/_x0/blobs/{key}";
                return Results.StatusCode(302);
            }
            return GitHubEndpoints.JsonResult(GitHubJson.ReleaseAsset(Api(ctx), r, release, asset));
        }
    }

    private static async Task<IResult> UpdateAsset(HttpContext ctx, GitHubState s, string owner, string repo, long assetId)
    {
        var body = await ReadJson(ctx);
        if (!CanWrite(s, ctx)) return Forbidden(ctx, AssetDocs + "#update-a-release-asset");
        lock (s.Gate)
        {
            var (r, release, asset) = FindAsset(s, owner, repo, assetId);
            if (r is null || release is null || asset is null) return GitHubEndpoints.NotFound();
            if (release.Immutable)
            {
                return GitHubEndpoints.JsonResult(GitHubJson.Error("Cannot modify assets of an immutable release.", AssetDocs + "#update-a-release-asset"), 422);
            }
            if (Str(body, "name") is { } name && name != asset.Name)
            {
                if (release.Assets.Any(a => a.Name == name))
                {
                    return GitHubEndpoints.JsonResult(GitHubJson.ValidationFailed("ReleaseAsset", "already_exists", "name", AssetDocs + "#update-a-release-asset"), 422);
                }
                asset.Name = name;
            }
            if (Str(body, "label") is { } label) asset.Label = label;
            asset.UpdatedAt = DateTimeOffset.UtcNow;
            return GitHubEndpoints.JsonResult(GitHubJson.ReleaseAsset(Api(ctx), r, release, asset));
        }
    }

    private static IResult DeleteAsset(HttpContext ctx, GitHubState s, string owner, string repo, long assetId)
    {
        if (!CanWrite(s, ctx)) return Forbidden(ctx, AssetDocs + "#delete-a-release-asset");
        lock (s.Gate)
        {
            var (r, release, asset) = FindAsset(s, owner, repo, assetId);
            if (r is null || release is null || asset is null) return GitHubEndpoints.NotFound();
            if (release.Immutable)
            {
                return GitHubEndpoints.JsonResult(GitHubJson.Error("Cannot delete assets of an immutable release.", AssetDocs + "#delete-a-release-asset"), 422);
            }
            release.Assets.Remove(asset);
            return Results.StatusCode(204);
        }
    }

    // --- helpers -----------------------------------------------------------------------------------

    private static (RepoState? Repo, GitHubRelease? Release) Find(GitHubState s, string owner, string repo, long id)
    {
        var r = s.FindRepo(owner, repo);
        return (r, r?.Releases.FirstOrDefault(x => x.Id == id));
    }

    private static (RepoState? Repo, GitHubRelease? Release, GitHubAsset? Asset) FindAsset(GitHubState s, string owner, string repo, long assetId)
    {
        var r = s.FindRepo(owner, repo);
        if (r is null) return (null, null, null);
        foreach (var release in r.Releases)
        {
            var asset = release.Assets.FirstOrDefault(a => a.Id == assetId);
            if (asset is not null) return (r, release, asset);
        }
        return (r, null, null);
    }

    internal static async Task<JsonElement> ReadJson(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(text)) return JsonDocument.Parse("{}").RootElement;
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    internal static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static bool? Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>Ground truth for /_x0: every release with drafts, states and the sha256 of every asset's bytes.</summary>
    internal static object Truth(GitHubRelease r) => new
    {
        id = r.Id,
        tag_name = r.TagName,
        name = r.Name,
        body = r.Body,
        draft = r.Draft,
        prerelease = r.Prerelease,
        immutable = r.Immutable,
        created_at = GitHubJson.Time(r.CreatedAt),
        published_at = GitHubJson.Time(r.PublishedAt),
        assets = r.Assets.Select(a => new
        {
            id = a.Id,
            name = a.Name,
            size = a.Size,
            state = a.State,
            content_type = a.ContentType,
            sha256 = a.Sha256,
            digest = a.Digest,
        }).ToList(),
    };

    /// <summary>Arranges a release for a test (control surface): { tag, name, body, draft, prerelease, immutable, assets: [{ name, text | base64, state }] }.</summary>
    internal static GitHubRelease Arrange(GitHubState s, RepoState r, JsonElement body)
    {
        var now = DateTimeOffset.UtcNow;
        var draft = Bool(body, "draft") ?? false;
        var release = new GitHubRelease
        {
            Id = s.NextId(),
            TagName = Str(body, "tag") ?? Str(body, "tag_name") ?? throw new ArgumentException("tag is required"),
            Name = Str(body, "name") ?? Str(body, "tag") ?? Str(body, "tag_name"),
            Body = Str(body, "body") ?? string.Empty,
            Draft = draft,
            Prerelease = Bool(body, "prerelease") ?? false,
            Immutable = !draft && (Bool(body, "immutable") ?? r.ImmutableReleases),
            CreatedAt = now,
            UpdatedAt = now,
            PublishedAt = draft ? null : now,
        };
        if (body.TryGetProperty("assets", out var assets) && assets.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in assets.EnumerateArray())
            {
                var bytes = Str(a, "base64") is { } b64 ? Convert.FromBase64String(b64) : System.Text.Encoding.UTF8.GetBytes(Str(a, "text") ?? string.Empty);
                release.Assets.Add(new GitHubAsset
                {
                    Id = s.NextId(),
                    Name = Str(a, "name") ?? throw new ArgumentException("assets[].name is required"),
                    Bytes = bytes,
                    State = Str(a, "state") ?? "uploaded",
                    ContentType = Str(a, "contentType") ?? "application/octet-stream",
                    CreatedAt = now,
                    UpdatedAt = now,
                });
            }
        }
        r.Releases.Add(release);
        return release;
    }
}
