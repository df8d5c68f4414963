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

/// <summary>Serializes access to a cache shared by concurrent requests (a SQLite connection is single-threaded).</summary>
public sealed class SynchronizedHttpResponseCache : IHttpResponseCache
{
    private readonly IHttpResponseCache _inner;
    private readonly object _gate = new();

    public SynchronizedHttpResponseCache(IHttpResponseCache inner) => _inner = inner;

    public bool TryGet(string key, out string etag, out byte[] body)
    {
        lock (_gate) return _inner.TryGet(key, out etag, out body);
    }

    public void Put(string key, string etag, byte[] body)
    {
        lock (_gate) _inner.Put(key, etag, body);
    }
}
