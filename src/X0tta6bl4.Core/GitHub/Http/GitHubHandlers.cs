using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.GitHub.Http;

/// <summary>The primary rate limit as the last answer reported it.</summary>
public sealed record GitHubRateLimit(int Limit, int Remaining, DateTimeOffset Reset, string Resource);

/// <summary>Builds the one handler chain that Octokit and the plain HttpClient calls share.</summary>
public static class GitHubHttpPipeline
{
    /// <summary>auth → JSON content type → rate limits and retries → a time bound per attempt → inner handler.</summary>
    public static HttpMessageHandler Create(GitHubOptions options, X0Context context, GitHubRateLimitMonitor monitor)
    {
        var inner = options.InnerHandler?.Invoke() ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        return new GitHubAuthHandler(options)
        {
            InnerHandler = new JsonContentTypeHandler(options)
            {
                InnerHandler = new GitHubResilienceHandler(options, context, monitor)
                {
                    InnerHandler = new AttemptTimeoutHandler(options.Timeout) { InnerHandler = inner },
                },
            },
        };
    }
}

/// <summary>Adds the token to requests for the API host only: a redirect to storage never carries it.</summary>
public sealed class GitHubAuthHandler : DelegatingHandler
{
    private readonly GitHubOptions _options;

    public GitHubAuthHandler(GitHubOptions options) => _options = options;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri && (SameAuthority(uri, _options.ApiUrl) || IsUploadsHostOf(uri, _options.ApiUrl)))
        {
            if (_options.Token is not null && request.Headers.Authorization is null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
            }
        }
        else
        {
            request.Headers.Authorization = null;
        }
        if (!request.Headers.Contains("X-GitHub-Api-Version"))
        {
            request.Headers.TryAddWithoutValidation("X-GitHub-Api-Version", "2022-11-28");
        }
        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>github.com takes release uploads on uploads.github.com (GHES and stand-ins on the API host itself).</summary>
    internal static bool IsUploadsHostOf(Uri uri, Uri api) =>
        uri.Scheme == Uri.UriSchemeHttps && api.Scheme == Uri.UriSchemeHttps
        && string.Equals(api.Host, "api.github.com", StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Host, "uploads.github.com", StringComparison.OrdinalIgnoreCase)
        && uri.IsDefaultPort;

    internal static bool SameAuthority(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}

/// <summary>
/// Octokit labels its JSON request bodies application/x-www-form-urlencoded; GitHub tolerates it,
/// a contract check (and GitHub Enterprise proxies) do not. Bodies to the API go out as application/json.
/// </summary>
public sealed class JsonContentTypeHandler : DelegatingHandler
{
    private readonly GitHubOptions _options;

    public JsonContentTypeHandler(GitHubOptions options) => _options = options;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content
            && request.RequestUri is { } uri && GitHubAuthHandler.SameAuthority(uri, _options.ApiUrl)
            && content.Headers.ContentType?.MediaType is "application/x-www-form-urlencoded")
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Keeps the last rate-limit figures; the cmdlets show them under -Verbose.</summary>
public sealed class GitHubRateLimitMonitor
{
    private GitHubRateLimit? _last;

    public GitHubRateLimit? Last => Volatile.Read(ref _last);

    /// <summary>
    /// Keeps the lowest remaining count of the current window: answers to concurrent requests arrive in
    /// any order, and the last one to arrive is not necessarily the latest count. A later reset is a new window.
    /// </summary>
    public void Observe(HttpResponseMessage response)
    {
        if (!TryRead(response, out var limit)) return;
        while (true)
        {
            var current = Volatile.Read(ref _last);
            if (current is not null && limit.Reset <= current.Reset && !(limit.Reset == current.Reset && limit.Remaining <= current.Remaining)) return;
            if (Interlocked.CompareExchange(ref _last, limit, current) == current) return;
        }
    }

    public static bool TryRead(HttpResponseMessage response, out GitHubRateLimit limit)
    {
        limit = null!;
        if (!TryInt(response, "x-ratelimit-remaining", out var remaining)) return false;
        TryInt(response, "x-ratelimit-limit", out var max);
        var reset = TryLong(response, "x-ratelimit-reset", out var epoch) ? DateTimeOffset.FromUnixTimeSeconds(epoch) : DateTimeOffset.UtcNow;
        var resource = response.Headers.TryGetValues("x-ratelimit-resource", out var r) ? r.FirstOrDefault() ?? "core" : "core";
        limit = new GitHubRateLimit(max, remaining, reset, resource);
        return true;
    }

    private static bool TryInt(HttpResponseMessage r, string name, out int value)
    {
        value = 0;
        return r.Headers.TryGetValues(name, out var v) && int.TryParse(v.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryLong(HttpResponseMessage r, string name, out long value)
    {
        value = 0;
        return r.Headers.TryGetValues(name, out var v) && long.TryParse(v.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>
/// GitHub's limits, handled once for every call: the primary limit (remaining 0 → wait until the reset
/// within <see cref="GitHubOptions.MaxWait"/>, else an error naming the reset time), the secondary limit
/// (Retry-After, else exponential back-off from a minute), and bounded retries of idempotent requests
/// after 5xx answers or dropped connections. A mutation is never repeated after a 5xx: whether it took
/// effect is for its caller to find out.
/// </summary>
public sealed class GitHubResilienceHandler : DelegatingHandler
{
    private const int MaxRateLimitWaits = 3;
    private readonly GitHubOptions _options;
    private readonly X0Context _context;
    private readonly GitHubRateLimitMonitor _monitor;

    public GitHubResilienceHandler(GitHubOptions options, X0Context context, GitHubRateLimitMonitor monitor)
    {
        _options = options;
        _context = context;
        _monitor = monitor;
    }

    /// <summary>Replaced by tests to observe waits without sleeping.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = Task.Delay;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var serverRetries = 0;
        var limitWaits = 0;
        var secondaryBackoff = _options.SecondaryLimitDelay;
        var waited = TimeSpan.Zero;
        var idempotent = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head
            || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete || request.Method == HttpMethod.Options;
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (idempotent && serverRetries < _options.MaxServerRetries)
            {
                var delay = Backoff(serverRetries++);
                _context.Log.Verbose($"{Describe(request)}: {ex.Message}; retry {serverRetries} of {_options.MaxServerRetries} in {delay.TotalSeconds:0.#} s");
                await Delay(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException ex)
            {
                throw new X0Exception(ErrorIds.GitHubUnreachable, X0ErrorCategory.ConnectionError,
                    $"an answer from {_options.ApiUrl}", ex.Message,
                    "Check the network and the API URL (-ApiUrl / GITHUB_API_URL), then run again", _options.ApiUrl.ToString(), ex);
            }
            _monitor.Observe(response);

            var status = (int)response.StatusCode;
            if (status is 403 or 429)
            {
                var wait = await RateLimitWaitAsync(response, secondaryBackoff, cancellationToken).ConfigureAwait(false);
                if (wait is { } w)
                {
                    if (limitWaits++ >= MaxRateLimitWaits || waited + w.Delay > _options.MaxWait)
                    {
                        response.Dispose();
                        throw RateLimitError(w, waited);
                    }
                    _context.Log.Warning($"GitHub {w.Kind} rate limit reached; waiting {Seconds(w.Delay)} (until {DateTimeOffset.UtcNow.Add(w.Delay):HH:mm:ss} UTC) before retrying {Describe(request)}.");
                    _context.Progress.Report(new X0Progress("GitHub rate limit", $"waiting {Seconds(w.Delay)}", -1, Id: 90));
                    response.Dispose();
                    await Delay(w.Delay, cancellationToken).ConfigureAwait(false);
                    _context.Progress.Report(new X0Progress("GitHub rate limit", "resumed", 100, Id: 90, Completed: true));
                    waited += w.Delay;
                    if (w.Backoff) secondaryBackoff += secondaryBackoff;
                    continue;
                }
                return response;
            }
            if (status >= 500 && idempotent && serverRetries < _options.MaxServerRetries)
            {
                var delay = RetryAfter(response) ?? Backoff(serverRetries);
                serverRetries++;
                _context.Log.Verbose($"{Describe(request)} answered {status}; retry {serverRetries} of {_options.MaxServerRetries} in {delay.TotalSeconds:0.#} s");
                response.Dispose();
                await Delay(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            return response;
        }
    }

    private sealed record Wait(string Kind, TimeSpan Delay, DateTimeOffset? Reset, bool Backoff = false);

    private async Task<Wait?> RateLimitWaitAsync(HttpResponseMessage response, TimeSpan secondaryBackoff, CancellationToken ct)
    {
        var retryAfter = RetryAfter(response);
        if (GitHubRateLimitMonitor.TryRead(response, out var limit) && limit.Remaining == 0 && retryAfter is null)
        {
            var delay = limit.Reset - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            return new Wait("primary", delay < TimeSpan.Zero ? TimeSpan.FromSeconds(1) : delay, limit.Reset);
        }
        if (retryAfter is not null)
        {
            return new Wait("secondary", retryAfter.Value, DateTimeOffset.UtcNow + retryAfter.Value);
        }
        // A secondary limit without Retry-After is recognisable only by its message.
        if (response.Content is not null)
        {
            await response.Content.LoadIntoBufferAsync().ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (body.Contains("secondary rate limit", StringComparison.OrdinalIgnoreCase) || body.Contains("abuse", StringComparison.OrdinalIgnoreCase))
            {
                return new Wait("secondary", secondaryBackoff, null, Backoff: true);
            }
        }
        return null;
    }

    private X0Exception RateLimitError(Wait w, TimeSpan waited)
    {
        var found = w.Kind == "primary"
            ? $"the primary rate limit used up until {w.Reset:yyyy-MM-dd HH:mm:ss} UTC (a wait of {Seconds(w.Delay)})"
            : $"the secondary rate limit, asking for a pause of {Seconds(w.Delay)}";
        return new X0Exception(ErrorIds.GitHubRateLimited, X0ErrorCategory.LimitsExceeded,
            $"GitHub to accept requests within the allowed wait of {Seconds(_options.MaxWait)}" + (waited > TimeSpan.Zero ? $" (already waited {Seconds(waited)})" : ""),
            found,
            w.Reset is { } reset
                ? $"Run again after {reset:HH:mm:ss} UTC, or allow the wait with -MaxWait {Math.Ceiling((w.Delay + waited).TotalSeconds):0} (seconds), or use a token with a higher limit"
                : "Run again later with fewer concurrent requests (-ThrottleLimit), or allow a longer -MaxWait",
            _options.ApiUrl.ToString());
    }

    private TimeSpan Backoff(int attempt)
    {
        var baseDelay = _options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt);
        var jitter = Random.Shared.NextDouble() * 0.25 * baseDelay;
        return TimeSpan.FromMilliseconds(baseDelay + jitter);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var ra = response.Headers.RetryAfter;
        if (ra?.Delta is { } delta) return delta;
        if (ra?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    private static string Describe(HttpRequestMessage r) => $"{r.Method} {r.RequestUri?.AbsolutePath}";

    private static string Seconds(TimeSpan t) => t.TotalSeconds < 120
        ? $"{Math.Ceiling(t.TotalSeconds):0} s"
        : $"{Math.Ceiling(t.TotalMinutes):0} min";
}

/// <summary>
/// Bounds each attempt, not the whole call: a rate-limit wait between attempts may last minutes (up to
/// -MaxWait) and must not count as silence. A request carrying an <see cref="UploadWatch"/> is bounded by
/// silence instead: every chunk sent re-arms the timer, so a large upload on a slow link is not cut off.
/// </summary>
public sealed class AttemptTimeoutHandler : DelegatingHandler
{
    private readonly TimeSpan _limit;

    public AttemptTimeoutHandler(TimeSpan limit) => _limit = limit;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_limit == Timeout.InfiniteTimeSpan) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        request.Options.TryGetValue(UploadWatch.Key, out var watch);
        watch?.Attach(attempt, _limit);
        attempt.CancelAfter(_limit);
        try
        {
            return await base.SendAsync(request, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var target = $"{request.Method} {request.RequestUri?.AbsolutePath}";
            throw watch is null
                ? new X0Exception(ErrorIds.GitHubUnreachable, X0ErrorCategory.OperationTimeout, $"an answer to {target} within {_limit.TotalSeconds:0.#} s",
                    "no answer", "Check the network and GitHub's status, then run again", request.RequestUri?.GetLeftPart(UriPartial.Authority))
                : new X0Exception(ErrorIds.GitHubUnreachable, X0ErrorCategory.OperationTimeout,
                    $"progress on the upload of {watch.Name} at least every {_limit.TotalSeconds:0.#} s",
                    $"nothing for {_limit.TotalSeconds:0.#} s after {watch.Sent:N0} of {watch.Size:N0} B",
                    "Check the network and GitHub's status, then run again: a partial asset is replaced", watch.Name);
        }
        finally
        {
            watch?.Detach();
        }
    }
}

/// <summary>Upload progress of one request: passes it on and re-arms the attempt's silence timer.</summary>
public sealed class UploadWatch : IProgress<long>
{
    public static readonly HttpRequestOptionsKey<UploadWatch> Key = new("x0.upload-watch");

    private readonly IProgress<long>? _next;
    private CancellationTokenSource? _attempt;
    private TimeSpan _limit;

    public UploadWatch(string name, long size, IProgress<long>? next)
    {
        (Name, Size, _next) = (name, size, next);
    }

    public string Name { get; }
    public long Size { get; }
    public long Sent { get; private set; }

    internal void Attach(CancellationTokenSource attempt, TimeSpan limit)
    {
        lock (this) (_attempt, _limit, Sent) = (attempt, limit, 0);
    }

    internal void Detach()
    {
        lock (this) _attempt = null;
    }

    public void Report(long value)
    {
        lock (this)
        {
            Sent = value;
            _attempt?.CancelAfter(_limit);
        }
        _next?.Report(value);
    }
}
