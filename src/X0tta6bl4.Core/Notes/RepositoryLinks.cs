namespace X0tta6bl4.Core.Notes;

/// <summary>
/// Web links for a GitHub repository (github.com or GitHub Enterprise), derived from a remote URL in
/// any of git's forms: <c>https://host/owner/repo(.git)</c>, <c>git@host:owner/repo.git</c>,
/// <c>ssh://git@host(:port)/owner/repo.git</c>, <c>git://host/owner/repo</c>. Credentials in the URL
/// are dropped. Local paths and file:// remotes have no web address.
/// </summary>
public sealed class RepositoryLinks
{
    private RepositoryLinks(string baseUrl) => BaseUrl = baseUrl;

    /// <summary>https://host/owner/repo, without a trailing slash.</summary>
    public string BaseUrl { get; }

    public string Commit(string sha) => $"{BaseUrl}/commit/{sha}";
    public string PullRequest(int number) => $"{BaseUrl}/pull/{number}";
    public string Issue(int number) => $"{BaseUrl}/issues/{number}";
    public string Compare(string from, string to) => $"{BaseUrl}/compare/{from}...{to}";
    public string Tag(string tag) => $"{BaseUrl}/releases/tag/{tag}";

    /// <summary>Links from a configured web address (repository_url) or a remote URL; null when neither gives one.</summary>
    public static RepositoryLinks? From(string? configuredUrl, string? remoteUrl)
    {
        if (!string.IsNullOrWhiteSpace(configuredUrl) && Uri.TryCreate(configuredUrl.Trim().TrimEnd('/'), UriKind.Absolute, out var configured)
            && configured.Scheme is "https" or "http")
        {
            return new RepositoryLinks($"{configured.Scheme}://{configured.Authority}{configured.AbsolutePath.TrimEnd('/')}");
        }
        return FromRemote(remoteUrl);
    }

    public static RepositoryLinks? FromRemote(string? remoteUrl)
    {
        if (string.IsNullOrWhiteSpace(remoteUrl)) return null;
        var url = remoteUrl.Trim();
        string host;
        string path;
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return null;
            if (uri.Scheme is not ("https" or "http" or "ssh" or "git" or "git+ssh" or "ssh+git")) return null;
            host = uri.Host;
            // Keep a non-default port only for http(s): an ssh port says nothing about the web server.
            if (uri.Scheme is "https" or "http" && !uri.IsDefaultPort) host += ":" + uri.Port;
            path = Uri.UnescapeDataString(uri.AbsolutePath);
        }
        else
        {
            // scp-like: [user@]host:owner/repo.git — but not a Windows drive (C:\…) or a local path.
            var colon = url.IndexOf(':');
            if (colon <= 1 || url.Contains('\\') || url.StartsWith('/') || url.StartsWith('.')) return null;
            var at = url.LastIndexOf('@', colon);
            host = url[(at + 1)..colon];
            path = url[(colon + 1)..];
        }
        path = path.Trim('/');
        if (path.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) path = path[..^4];
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (host.Length == 0 || parts.Length < 2) return null;
        var scheme0 = url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "http" : "https";
        return new RepositoryLinks($"{scheme0}://{host.ToLowerInvariant()}/{string.Join('/', parts)}");
    }
}
