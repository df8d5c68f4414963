using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.GitHub;

/// <summary>owner/name of a GitHub repository.</summary>
public sealed record GitHubRepositoryName(string Owner, string Name)
{
    private static readonly Regex Plain = new("^(?<o>[A-Za-z0-9][A-Za-z0-9-]*)/(?<n>[A-Za-z0-9._-]+)$", RegexOptions.CultureInvariant);
    // https://host/o/r(.git), ssh://git@host(:port)/o/r(.git), git@host:o/r(.git); GHES may add a path prefix.
    private static readonly Regex Remote = new(@"^(?:(?:https?|ssh|git)://(?:[^@/]+@)?[^/]+/(?:.*/)?|[^@\s]+@[^:\s]+:(?:.*/)?)(?<o>[A-Za-z0-9][A-Za-z0-9-]*)/(?<n>[A-Za-z0-9._-]+?)(?:\.git)?/?$", RegexOptions.CultureInvariant);

    public string FullName => Owner + "/" + Name;
    public override string ToString() => FullName;

    public static bool TryParse(string? text, out GitHubRepositoryName name)
    {
        name = null!;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var m = Plain.Match(text.Trim());
        if (!m.Success) return false;
        name = new GitHubRepositoryName(m.Groups["o"].Value, m.Groups["n"].Value);
        return true;
    }

    /// <exception cref="X0Exception">Not in owner/name form (X0.InvalidArgument… X0.GitHubRepositoryUnknown).</exception>
    public static GitHubRepositoryName Parse(string text) =>
        TryParse(text, out var n) ? n
        : FromRemoteUrl(text) ?? throw new X0Exception(ErrorIds.GitHubRepositoryUnknown, X0ErrorCategory.InvalidArgument,
            "a repository as owner/name (or a GitHub remote URL)", $"'{text}'", "Write it like octocat/hello-world", text);

    /// <summary>owner/name from a git remote URL, or null when the URL does not look like one.</summary>
    public static GitHubRepositoryName? FromRemoteUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        var m = Remote.Match(url.Trim());
        return m.Success ? new GitHubRepositoryName(m.Groups["o"].Value, m.Groups["n"].Value) : null;
    }

    /// <summary>The URL without user name or password (what may be shown and stored).</summary>
    public static string StripCredentials(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo) && uri.Scheme is "http" or "https")
        {
            return new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
        }
        return url;
    }
}
