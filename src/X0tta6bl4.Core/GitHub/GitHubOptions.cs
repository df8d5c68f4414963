using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.GitHub;

/// <summary>
/// How to reach GitHub: the API base (github.com, GitHub Enterprise, or a test stand-in), the token,
/// rate-limit and retry bounds, and the innermost HTTP handler (injected by tests).
/// </summary>
public sealed class GitHubOptions
{
    public const string DefaultApiUrl = "https://api.github.com/";

    /// <summary>The REST API root, always ending with a slash (GHES: https://host/api/v3/).</summary>
    public Uri ApiUrl { get; init; } = new(DefaultApiUrl);
    /// <summary>The token (already trimmed and registered with <see cref="SecretRedactor"/>), or null for anonymous calls.</summary>
    public string? Token { get; init; }
    /// <summary>The longest a rate-limit wait may last before it becomes an error.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Retries of idempotent requests after 5xx answers or dropped connections.</summary>
    public int MaxServerRetries { get; init; } = 3;
    /// <summary>First back-off of a server-error retry; doubles each time.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>First back-off after a secondary rate limit without Retry-After (GitHub asks for at least a minute).</summary>
    public TimeSpan SecondaryLimitDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>The bound on one attempt (for uploads: on silence); rate-limit waits between attempts do not count.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// The backstop for a whole call through the pipeline: every attempt at its bound plus the longest
    /// rate-limit wait. Callers that need a whole-call timeout (Octokit's connection) use this, not
    /// <see cref="Timeout"/>, so a permitted rate-limit wait is never cut off.
    /// </summary>
    public TimeSpan WholeCallTimeout => Timeout * (MaxServerRetries + 4) + MaxWait;
    /// <summary>The innermost handler; null for a SocketsHttpHandler that does not follow redirects itself.</summary>
    public Func<HttpMessageHandler>? InnerHandler { get; init; }
    /// <summary>Product name and version sent as User-Agent.</summary>
    public string ProductVersion { get; init; } = typeof(GitHubOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// Resolves the API URL and token the way every cmdlet does: explicit values first, then
    /// GITHUB_API_URL and GITHUB_TOKEN / GH_TOKEN. The token is trimmed and registered as a secret
    /// before anything else sees it.
    /// </summary>
    public static GitHubOptions Resolve(string? apiUrl, string? token, IReadOnlyDictionary<string, string?> environment,
        TimeSpan? maxWait = null, Func<HttpMessageHandler>? innerHandler = null)
    {
        string? Env(string name) => environment.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        var resolvedToken = token ?? Env("GITHUB_TOKEN") ?? Env("GH_TOKEN");
        resolvedToken = string.IsNullOrWhiteSpace(resolvedToken) ? null : SecretRedactor.Register(resolvedToken);
        var url = apiUrl ?? Env("GITHUB_API_URL") ?? DefaultApiUrl;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidArgument,
                "an absolute http(s) URL for the GitHub API", $"'{url}'",
                "Pass -ApiUrl https://api.github.com (GitHub Enterprise: https://HOST/api/v3) or fix GITHUB_API_URL", url);
        }
        if (!uri.AbsolutePath.EndsWith('/')) uri = new Uri(uri.AbsoluteUri + "/");
        return new GitHubOptions
        {
            ApiUrl = uri,
            Token = resolvedToken,
            MaxWait = maxWait ?? TimeSpan.FromMinutes(5),
            InnerHandler = innerHandler,
        };
    }
}
