using LibGit2Sharp;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.GitHub;

/// <summary>The default repository of a command: the origin remote of the clone it runs in, else GITHUB_REPOSITORY.</summary>
public static class GitHubRepositoryLocator
{
    public static GitHubRepositoryName FromWorkingDirectory(string? path, IReadOnlyDictionary<string, string?> environment)
    {
        string? origin = null;
        if (!string.IsNullOrEmpty(path))
        {
            try
            {
                var gitDir = Repository.Discover(path);
                if (gitDir is not null)
                {
                    using var repo = new Repository(gitDir);
                    origin = repo.Network.Remotes["origin"]?.Url;
                    if (GitHubRepositoryName.FromRemoteUrl(origin) is { } fromOrigin) return fromOrigin;
                }
            }
            catch (LibGit2SharpException)
            {
                // Not a repository we can read: fall back to the environment.
            }
        }
        if (environment.TryGetValue("GITHUB_REPOSITORY", out var env) && GitHubRepositoryName.TryParse(env, out var fromEnv)) return fromEnv;
        throw new X0Exception(ErrorIds.GitHubRepositoryUnknown, X0ErrorCategory.ObjectNotFound,
            "a GitHub repository: -Repository owner/name, an origin remote on GitHub, or GITHUB_REPOSITORY",
            origin is null ? $"none at {path ?? "the current location"}" : $"origin {GitHubRepositoryName.StripCredentials(origin)}, which is not owner/name on a GitHub host",
            "Pass -Repository owner/name, or run the command inside a clone of the repository", path);
    }
}

/// <summary>
/// The store-backed cache as the gateway uses it: one request at a time (a SQLite connection is
/// single-threaded), and never in the way — a store that fails (read-only, full disk) costs one
/// warning and the query goes on with a cache in memory.
/// </summary>
public sealed class SafeHttpResponseCache : IHttpResponseCache
{
    private readonly IHttpResponseCache _inner;
    private readonly IX0Log _log;
    private readonly MemoryHttpResponseCache _fallback = new();
    private readonly object _gate = new();
    private bool _failed;

    public SafeHttpResponseCache(IHttpResponseCache inner, IX0Log log)
    {
        _inner = inner;
        _log = log;
    }

    public bool TryGet(string key, out string etag, out byte[] body)
    {
        lock (_gate)
        {
            if (!_failed)
            {
                try
                {
                    return _inner.TryGet(key, out etag, out body);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Fail(ex);
                }
            }
            return _fallback.TryGet(key, out etag, out body);
        }
    }

    public void Put(string key, string etag, byte[] body)
    {
        lock (_gate)
        {
            if (!_failed)
            {
                try
                {
                    _inner.Put(key, etag, body);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Fail(ex);
                }
            }
            _fallback.Put(key, etag, body);
        }
    }

    private void Fail(Exception ex)
    {
        _failed = true;
        _log.Warning($"The local store cannot keep GitHub's ETags ({ex.Message.Trim()}); this query revalidates nothing and the next one starts cold. Make the store writable, or set X0_STATE_DIR to a writable folder.");
    }
}
