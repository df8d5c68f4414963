using System.Management.Automation;
using System.Security;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Runs;

namespace X0tta6bl4.Commands;

/// <summary>
/// Base of cmdlets that talk to GitHub: the token (-Token, -Credential, GITHUB_TOKEN, GH_TOKEN), the API
/// URL (-ApiUrl, GITHUB_API_URL: GitHub Enterprise or a stand-in), the rate-limit wait bound, and the
/// HTTP cache in the local store for conditional requests.
/// </summary>
public abstract class X0GitHubCmdlet : X0Cmdlet
{
    /// <summary>A GitHub token. Default: GITHUB_TOKEN, else GH_TOKEN.</summary>
    [Parameter]
    public SecureString? Token { get; set; }

    /// <summary>A credential whose password is the token (the user name is ignored).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The REST API root. Default: GITHUB_API_URL, else https://api.github.com.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiUrl { get; set; }

    /// <summary>The longest wait for a rate limit to reset (a number is seconds). Default 5 minutes.</summary>
    [Parameter]
    [SecondsToTimeSpan]
    public TimeSpan? MaxWait { get; set; }

    /// <summary>Resolved on the pipeline thread: the token is registered as a secret before any use.</summary>
    private protected string? ResolveToken()
    {
        var token = ReadSecret(Token);
        if (token is null && Credential is not null)
        {
            var password = Credential.GetNetworkCredential().Password;
            token = string.IsNullOrWhiteSpace(password) ? null : SecretRedactor.Register(password);
        }
        return token;
    }

    /// <summary>The gateway for this command; the cache is the local store's (or memory when it cannot be used).</summary>
    private protected IGitHubGateway CreateGateway(WorkerScope scope, string? token, bool withCache, out IDisposable? store)
    {
        var environment = ProcessEnvironment.Snapshot();
        var options = GitHubOptions.Resolve(ApiUrl, token, environment, MaxWait);
        store = null;
        IHttpResponseCache? cache = null;
        if (withCache)
        {
            LocalRunStore? opened = null;
            if (environment.TryGetValue("X0_RUN_RECORDING", out var rec) && rec is "0" or "false" or "off")
            {
                cache = new MemoryHttpResponseCache();
            }
            else
            {
                opened = LocalRunStore.TryOpen(StateDirectory.StorePath(environment), scope);
                cache = opened is null ? new MemoryHttpResponseCache() : new SafeHttpResponseCache(opened, scope);
            }
            store = opened;
        }
        scope.Debug($"GitHub API {options.ApiUrl} ({(options.Token is null ? "anonymous" : "with a token")})");
        return new OctokitGitHubGateway(options, scope.Context, cache);
    }

    private protected static void ReportRateLimit(WorkerScope scope, IGitHubGateway gateway)
    {
        if (gateway.RateLimit is { } limit)
        {
            scope.Verbose($"GitHub rate limit ({limit.Resource}): {limit.Remaining:N0} of {limit.Limit:N0} left, resets at {limit.Reset:HH:mm:ss} UTC");
        }
    }
}

/// <summary>Lets a number mean seconds for TimeSpan parameters (-MaxWait 30), as Wait-Job and Start-Sleep read numbers.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecondsToTimeSpanAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            int i => TimeSpan.FromSeconds(i),
            long l => TimeSpan.FromSeconds(l),
            double d => TimeSpan.FromSeconds(d),
            decimal m => TimeSpan.FromSeconds((double)m),
            _ => inputData,
        };
    }
}
