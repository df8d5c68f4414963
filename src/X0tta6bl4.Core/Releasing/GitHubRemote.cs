using System.Text.RegularExpressions;

namespace X0tta6bl4.Core.Releasing;

/// <summary>owner/name and the API base of a GitHub (or GitHub Enterprise Server) repository.</summary>
public sealed record GitHubRemote(string Host, string Owner, string Name)
{
    public string Repository => $"{Owner}/{Name}";

    /// <summary>api.github.com for github.com, https://host/api/v3 for Enterprise Server.</summary>
    public Uri ApiUrl => Host.Equals("github.com", StringComparison.OrdinalIgnoreCase)
        ? new Uri("https://api.github.com/")
        : new Uri($"https://{Host}/api/v3/");

    public string WebUrl => $"https://{Host}/{Owner}/{Name}";

    private static readonly Regex[] Forms =
    {
        // https://host/owner/name(.git), with optional user@ and port
        new(@"^https?://(?:[^@/]+@)?(?<host>[^/:]+)(?::\d+)?/(?<owner>[^/]+)/(?<name>[^/]+?)(?:\.git)?/?$", RegexOptions.CultureInvariant),
        // ssh://git@host(:port)/owner/name(.git)
        new(@"^ssh://(?:[^@/]+@)?(?<host>[^/:]+)(?::\d+)?/(?<owner>[^/]+)/(?<name>[^/]+?)(?:\.git)?/?$", RegexOptions.CultureInvariant),
        // git@host:owner/name(.git)
        new(@"^(?:[^@/]+@)?(?<host>[^/:]+):(?<owner>[^/]+)/(?<name>[^/]+?)(?:\.git)?/?$", RegexOptions.CultureInvariant),
    };

    /// <summary>
    /// Parses a remote URL. Hosts other than github.com count only when <paramref name="enterpriseHosts"/>
    /// names them (from GITHUB_SERVER_URL / -ApiUrl), so a GitLab or local remote is never taken for GitHub.
    /// </summary>
    public static GitHubRemote? TryParse(string? url, IEnumerable<string>? enterpriseHosts = null)
    {
        if (string.IsNullOrWhiteSpace(url) || url.StartsWith('/') || url.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            || (url.Length > 1 && url[1] == ':'))
        {
            return null;
        }
        foreach (var form in Forms)
        {
            var m = form.Match(url.Trim());
            if (!m.Success) continue;
            var host = m.Groups["host"].Value;
            var known = host.Equals("github.com", StringComparison.OrdinalIgnoreCase) || host.Equals("www.github.com", StringComparison.OrdinalIgnoreCase)
                || (enterpriseHosts?.Any(h => h.Equals(host, StringComparison.OrdinalIgnoreCase)) ?? false);
            return known ? new GitHubRemote(host.Equals("www.github.com", StringComparison.OrdinalIgnoreCase) ? "github.com" : host, m.Groups["owner"].Value, m.Groups["name"].Value) : null;
        }
        return null;
    }
}
