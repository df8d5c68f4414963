using System.Security.Cryptography;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Releasing;

namespace X0tta6bl4.Core.Tests.Releasing;

/// <summary>
/// A fake behind the Core-owned <see cref="IGitHubReleaseGateway"/> for the reconcile logic; the
/// contract-checked HTTP stand-in covers the wire. Counts mutating calls and injects faults.
/// </summary>
internal sealed class InMemoryGitHub : IGitHubReleaseGateway
{
    private long _nextId = 100;
    private readonly List<Release> _releases = new();

    public int Mutations { get; private set; }
    public bool CanWrite { get; set; } = true;
    /// <summary>Create the release, then answer 502 (once).</summary>
    public bool FailCreateAfterCreating { get; set; }
    /// <summary>Leave the next upload of this name as a broken "starter" asset and fail.</summary>
    public string? BreakUploadOf { get; set; }
    /// <summary>Before our create lands, another run creates a draft for the same tag (with <see cref="RaceBody"/>).</summary>
    public bool RaceOnCreate { get; set; }
    public string RaceBody { get; set; } = "other run";
    /// <summary>Called on every listing (simulates another run making progress meanwhile).</summary>
    public Action<InMemoryGitHub>? OnFind { get; set; }

    public sealed class Release
    {
        public long Id;
        public string Tag = "";
        public bool Draft = true;
        public bool Prerelease;
        public bool Immutable;
        public string Body = "";
        public List<GitHubAssetInfo> Assets = new();
        public Dictionary<long, byte[]> Bytes = new();
    }

    public IReadOnlyList<Release> Releases => _releases;

    public Task<GitHubPermissions> GetPermissionsAsync(string repository, CancellationToken cancellation) =>
        Task.FromResult(new GitHubPermissions(CanWrite, CanWrite ? "push: true" : "permissions.push is false"));

    public Task<IReadOnlyList<GitHubReleaseInfo>> FindReleasesAsync(string repository, string tag, CancellationToken cancellation)
    {
        Finds++;
        OnFind?.Invoke(this);
        return Task.FromResult<IReadOnlyList<GitHubReleaseInfo>>(_releases.Where(r => r.Tag == tag).Select(Info).ToList());
    }

    public int Finds { get; private set; }

    /// <summary>What another run does without going through this fake's counters: attach bytes, publish.</summary>
    public void CompleteOther(long releaseId, IEnumerable<(string Name, byte[] Bytes)> assets, bool publish = true)
    {
        var r = _releases.Single(x => x.Id == releaseId);
        foreach (var (name, bytes) in assets)
        {
            var id = _nextId++;
            r.Assets.Add(new GitHubAssetInfo(id, name, bytes.Length, "uploaded", "sha256:" + Hash(bytes), $"https://example/{id}"));
            r.Bytes[id] = bytes;
        }
        if (publish)
        {
            r.Draft = false;
            r.Body = "other run";
        }
    }

    public Task<GitHubReleaseInfo> CreateDraftAsync(string repository, string tag, string name, string body, bool prerelease, CancellationToken cancellation)
    {
        Mutations++;
        if (RaceOnCreate)
        {
            RaceOnCreate = false;
            _releases.Add(new Release { Id = _nextId++, Tag = tag, Body = RaceBody, Prerelease = prerelease });
        }
        var release = new Release { Id = _nextId++, Tag = tag, Body = body, Prerelease = prerelease };
        _releases.Add(release);
        if (FailCreateAfterCreating)
        {
            FailCreateAfterCreating = false;
            throw Unavailable("502 Bad Gateway");
        }
        return Task.FromResult(Info(release));
    }

    public async Task<GitHubAssetInfo> UploadAssetAsync(string repository, GitHubReleaseInfo release, ReleaseAsset asset, IProgress<long>? progress, CancellationToken cancellation)
    {
        Mutations++;
        var r = _releases.Single(x => x.Id == release.Id);
        if (r.Assets.Any(a => a.Name == asset.Name))
        {
            throw new X0Exception("X0.Test", X0ErrorCategory.ResourceExists, "a free name", "already_exists", "delete first");
        }
        var bytes = await File.ReadAllBytesAsync(asset.Path, cancellation);
        var id = _nextId++;
        if (BreakUploadOf == asset.Name)
        {
            BreakUploadOf = null;
            r.Assets.Add(new GitHubAssetInfo(id, asset.Name, bytes.Length / 2, "starter", null, $"https://example/{id}"));
            throw Unavailable("connection reset during upload");
        }
        var info = new GitHubAssetInfo(id, asset.Name, bytes.Length, "uploaded", "sha256:" + Hash(bytes), $"https://example/{id}");
        r.Assets.Add(info);
        r.Bytes[id] = bytes;
        progress?.Report(bytes.Length);
        return info;
    }

    public Task DeleteAssetAsync(string repository, long assetId, CancellationToken cancellation)
    {
        Mutations++;
        foreach (var r in _releases) r.Assets.RemoveAll(a => a.Id == assetId);
        return Task.CompletedTask;
    }

    public Task<string> GetAssetSha256Async(string repository, GitHubAssetInfo asset, CancellationToken cancellation) =>
        Task.FromResult(Hash(_releases.SelectMany(r => r.Bytes).Single(b => b.Key == asset.Id).Value));

    public Task<GitHubReleaseInfo> UpdateReleaseAsync(string repository, long releaseId, GitHubReleaseUpdate update, CancellationToken cancellation)
    {
        Mutations++;
        var r = _releases.Single(x => x.Id == releaseId);
        if (update.Body is not null) r.Body = update.Body;
        if (update.Draft is { } d) r.Draft = d;
        if (update.Prerelease is { } p) r.Prerelease = p;
        return Task.FromResult(Info(r));
    }

    public Task DeleteReleaseAsync(string repository, long releaseId, CancellationToken cancellation)
    {
        Mutations++;
        _releases.RemoveAll(r => r.Id == releaseId);
        return Task.CompletedTask;
    }

    /// <summary>Replaces an asset's bytes behind the release's back (someone uploaded other content).</summary>
    public void Tamper(string name, byte[] bytes)
    {
        foreach (var r in _releases)
        {
            var i = r.Assets.FindIndex(a => a.Name == name);
            if (i < 0) continue;
            var old = r.Assets[i];
            r.Assets[i] = old with { Size = bytes.Length, Digest = "sha256:" + Hash(bytes) };
            r.Bytes[old.Id] = bytes;
        }
    }

    private static GitHubReleaseInfo Info(Release r) =>
        new(r.Id, r.Tag, r.Draft, r.Prerelease, $"https://github.com/o/r/releases/{(r.Draft ? "untagged-" + r.Id : "tag/" + r.Tag)}", r.Body, r.Assets.ToList(), r.Immutable);

    private static X0Exception Unavailable(string what) =>
        new(ErrorIds.GitHubServerError, X0ErrorCategory.ConnectionError, "an answer from GitHub", what, "retry");

    private static string Hash(byte[] b) => Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();
}
