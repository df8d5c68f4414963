using X0tta6bl4.Core.GitHub.Http;
using X0tta6bl4.Core.Runs;

namespace X0tta6bl4.Core.GitHub;

/// <summary>One page of a workflow-run listing.</summary>
public sealed record WorkflowRunListRequest(GitHubRepositoryName Repository, string? WorkflowId, string? Branch, string? Event,
    string? Status, string? Actor, string? HeadSha, int Page, int PerPage);

/// <param name="NotModified">True when the page came from the local cache after a 304 (no rate limit spent).</param>
public sealed record WorkflowRunPage(long TotalCount, IReadOnlyList<RunRecord> Runs, bool NotModified);

public sealed record WorkflowInfo(long Id, string Name, string Path, string State);

/// <summary>
/// GitHub Actions runs, as the engine needs them. Core-owned so the logic is tested against the
/// contract-checked stand-in and adapters can change.
/// </summary>
public interface IWorkflowRuns
{
    /// <summary>One page, newest first; conditional (ETag) when a cache is configured.</summary>
    /// <exception cref="Diagnostics.X0Exception">401/403/404/422/5xx/rate limit, with the fix.</exception>
    Task<WorkflowRunPage> ListRunsAsync(WorkflowRunListRequest request, CancellationToken cancellation);

    /// <summary>A run (its latest attempt, or <paramref name="attempt"/>).</summary>
    Task<RunRecord> GetRunAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation);

    /// <summary>A run's latest attempt through a conditional request: polling an unchanged run costs no rate limit.</summary>
    Task<(RunRecord Run, bool NotModified)> PollRunAsync(GitHubRepositoryName repository, long runId, CancellationToken cancellation);

    Task<IReadOnlyList<WorkflowInfo>> ListWorkflowsAsync(GitHubRepositoryName repository, CancellationToken cancellation);

    /// <summary>Jobs with steps of the latest attempt, or of <paramref name="attempt"/>.</summary>
    Task<IReadOnlyList<RunJobRecord>> ListJobsAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation);

    /// <summary>The run's log archive (zip), following GitHub's redirect to storage without the token. Dispose the stream.</summary>
    Task<Stream> DownloadLogArchiveAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation);
}

/// <summary>
/// Everything the engine does on GitHub, one focused interface per area. Releases and assets join
/// here as their own interface (IReleases) next to <see cref="WorkflowRuns"/>.
/// </summary>
public interface IGitHubGateway : IDisposable
{
    Uri ApiUrl { get; }
    IWorkflowRuns WorkflowRuns { get; }
    /// <summary>The rate limit as the last answer reported it, or null before the first call.</summary>
    GitHubRateLimit? RateLimit { get; }
}

/// <summary>Stored answers for conditional requests (ETag / If-None-Match).</summary>
public interface IHttpResponseCache
{
    bool TryGet(string key, out string etag, out byte[] body);
    void Put(string key, string etag, byte[] body);
}

/// <summary>A process-local cache (tests, or when the local store is unavailable).</summary>
public sealed class MemoryHttpResponseCache : IHttpResponseCache
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string, byte[])> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string key, out string etag, out byte[] body)
    {
        if (_entries.TryGetValue(key, out var e))
        {
            (etag, body) = e;
            return true;
        }
        etag = string.Empty;
        body = Array.Empty<byte>();
        return false;
    }

    public void Put(string key, string etag, byte[] body) => _entries[key] = (etag, body);
}
