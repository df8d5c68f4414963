using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;

namespace X0tta6bl4.Core.Runs;

/// <summary>
/// Lists GitHub Actions runs of many repositories at once (bounded), page by page as far as First
/// needs, with conditional requests, the 1,000-result cap detected and the creation-time window
/// applied here. The published API description types <c>created</c> as a single date-time, so a
/// range is not sent; the listing is newest first, so paging stops at the first run older than Since.
/// </summary>
public sealed class GitHubRunReader
{
    /// <summary>GitHub serves at most this many results of a listing that uses a capped filter.</summary>
    public const int FilteredResultCap = 1000;
    private readonly IWorkflowRuns _runs;

    public GitHubRunReader(IWorkflowRuns runs) => _runs = runs;

    /// <summary>One result per repository, in the order given; <paramref name="onResult"/> sees each as soon as it is complete.</summary>
    public async Task<IReadOnlyList<RunQueryResult>> QueryAsync(RunQuery query, X0Context context, Action<RunQueryResult>? onResult = null)
    {
        var repositories = query.Repositories.Select(GitHubRepositoryName.Parse).ToList();
        using var gate = new SemaphoreSlim(Math.Max(1, query.ThrottleLimit));
        using var pageGate = new SemaphoreSlim(Math.Max(1, query.ThrottleLimit));
        var done = 0;
        var tasks = repositories.Select(async repo =>
        {
            await gate.WaitAsync(context.Cancellation).ConfigureAwait(false);
            try
            {
                var result = await QueryRepositoryAsync(repo, query, context, pageGate).ConfigureAwait(false);
                var n = Interlocked.Increment(ref done);
                if (repositories.Count > 1)
                {
                    context.Progress.Report(new X0Progress("Get-X0Run", $"{n} of {repositories.Count} repositories", n * 100 / repositories.Count, Id: 1));
                }
                return result;
            }
            finally
            {
                gate.Release();
            }
        }).ToList();

        var results = new List<RunQueryResult>();
        for (var i = 0; i < tasks.Count; i++)
        {
            // In input order, each as soon as it and those before it are done.
            var r = await tasks[i].ConfigureAwait(false);
            results.Add(r);
            onResult?.Invoke(r);
        }
        return results;
    }

    private async Task<RunQueryResult> QueryRepositoryAsync(GitHubRepositoryName repo, RunQuery q, X0Context context, SemaphoreSlim pageGate)
    {
        var ct = context.Cancellation;
        if (q.Id is { } id)
        {
            var run = await _runs.GetRunAsync(repo, id, q.Attempt, ct).ConfigureAwait(false);
            if (q.IncludeJobs) run = run with { Jobs = await _runs.ListJobsAsync(repo, id, q.Attempt ?? run.Attempt, ct).ConfigureAwait(false) };
            return new RunQueryResult(repo.FullName, new[] { run }, 1, false, 1, 0);
        }

        var need = q.Skip + q.First;
        var workflowIds = await ResolveWorkflowsAsync(repo, q.Workflow, ct).ConfigureAwait(false);
        var collected = new List<RunRecord>();
        long? total = 0;
        var truncated = false;
        var pages = 0;
        var notModified = 0;
        foreach (var workflowId in workflowIds)
        {
            var runs = new List<RunRecord>();
            var perPage = (int)Math.Clamp(need, 1, 100);
            var prefetched = new Dictionary<int, Task<WorkflowRunPage>>();
            WorkflowRunListRequest Request(int page) => new(repo, workflowId, q.Branch, q.Event, q.Status, q.Actor, q.Commit, page, perPage);
            for (var page = 1; runs.Count < need; page++)
            {
                ct.ThrowIfCancellationRequested();
                var result = prefetched.Remove(page, out var ahead)
                    ? await ahead.ConfigureAwait(false)
                    : await _runs.ListRunsAsync(Request(page), ct).ConfigureAwait(false);
                if (page == 1 && q.Since is null && q.Until is null)
                {
                    // Page 1 told how many there are: the rest of the pages -First needs are fetched
                    // concurrently (bounded), and consumed in order.
                    var available = q.HasCappedFilter ? Math.Min(result.TotalCount, FilteredResultCap) : result.TotalCount;
                    var lastPage = (int)Math.Min((Math.Min(need, available) + perPage - 1) / perPage, int.MaxValue);
                    for (var p = 2; p <= lastPage; p++)
                    {
                        var n = p;
                        prefetched[n] = Task.Run(async () =>
                        {
                            await pageGate.WaitAsync(ct).ConfigureAwait(false);
                            try
                            {
                                return await _runs.ListRunsAsync(Request(n), ct).ConfigureAwait(false);
                            }
                            finally
                            {
                                pageGate.Release();
                            }
                        }, ct);
                    }
                }
                pages++;
                if (result.NotModified) notModified++;
                total = page == 1 ? (total ?? 0) + result.TotalCount : total;
                context.Progress.Report(new X0Progress($"Get-X0Run {repo}", $"page {page} ({runs.Count + result.Runs.Count} runs)",
                    result.TotalCount > 0 ? (int)Math.Min(99, (page * perPage * 100L) / Math.Max(1, Math.Min(need, result.TotalCount))) : -1, Id: 2, ParentId: -1));
                var olderThanWindow = false;
                foreach (var run in result.Runs)
                {
                    if (q.Since is { } since && run.CreatedAt < since)
                    {
                        olderThanWindow = true;
                        break;
                    }
                    if (q.Until is { } until && run.CreatedAt > until) continue;
                    runs.Add(run);
                    if (runs.Count >= need) break;
                }
                if (olderThanWindow || runs.Count >= need) break;
                var served = (long)page * perPage;
                var capReached = q.HasCappedFilter && served >= FilteredResultCap;
                if (result.Runs.Count < perPage || served >= result.TotalCount || capReached)
                {
                    // With a capped filter GitHub stops serving at 1,000 results, whatever total_count says.
                    if (capReached && result.TotalCount >= FilteredResultCap) truncated = true;
                    break;
                }
            }
            if (prefetched.Count > 0)
            {
                // Stopped early (fewer runs than total_count said): let the rest finish quietly.
                try
                {
                    await Task.WhenAll(prefetched.Values).ConfigureAwait(false);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                }
            }
            collected.AddRange(runs);
        }
        context.Progress.Report(new X0Progress($"Get-X0Run {repo}", "done", 100, Id: 2, Completed: true));

        IEnumerable<RunRecord> ordered = workflowIds.Count > 1 ? collected.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id) : collected;
        var selected = ordered.Skip((int)Math.Min(int.MaxValue, q.Skip)).Take((int)Math.Min(int.MaxValue, q.First)).ToList();
        if (q.IncludeJobs)
        {
            using var gate = new SemaphoreSlim(Math.Max(1, q.ThrottleLimit));
            var withJobs = await Task.WhenAll(selected.Select(async run =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    return run with { Jobs = await _runs.ListJobsAsync(repo, run.Id, run.Attempt, ct).ConfigureAwait(false) };
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);
            selected = withJobs.ToList();
        }
        if (truncated)
        {
            context.Log.Warning($"{repo}: GitHub serves at most {FilteredResultCap:N0} runs for a listing filtered by branch, event, status, actor or commit, and {(total > FilteredResultCap ? $"{total:N0}" : "at least " + FilteredResultCap.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))} match; " +
                                $"{collected.Count:N0} could be read. Narrow the query (-Workflow, -Since/-Until) to reach the rest.");
        }
        return new RunQueryResult(repo.FullName, selected, total, truncated, pages, notModified);
    }

    /// <summary>
    /// null (all workflows), or the file names of the matching workflows. Workflows are addressed by file
    /// name: the published description types workflow_id as oneOf integer|string, which a numeric id
    /// matches twice, so an id is first looked up.
    /// </summary>
    private async Task<IReadOnlyList<string?>> ResolveWorkflowsAsync(GitHubRepositoryName repo, string? workflow, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(workflow)) return new string?[] { null };
        workflow = workflow.Trim();
        var wildcard = workflow.IndexOfAny(new[] { '*', '?' }) >= 0;
        if (!wildcard && (workflow.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || workflow.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)))
        {
            return new string?[] { System.IO.Path.GetFileName(workflow) };
        }
        var all = await _runs.ListWorkflowsAsync(repo, ct).ConfigureAwait(false);
        var pattern = new Regex("^" + Regex.Escape(workflow).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        var matches = all.Where(w => w.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == workflow
                                     || pattern.IsMatch(w.Name) || pattern.IsMatch(System.IO.Path.GetFileName(w.Path))).ToList();
        if (matches.Count == 0)
        {
            throw new X0Exception(ErrorIds.GitHubWorkflowNotFound, X0ErrorCategory.ObjectNotFound,
                $"a workflow of {repo} named or filed as '{workflow}'",
                all.Count == 0 ? "no workflows" : "only " + string.Join(", ", all.Select(w => $"'{w.Name}' ({System.IO.Path.GetFileName(w.Path)}, id {w.Id})")),
                "Pass -Workflow with one of those names, a file name such as test.yml, or an id", workflow);
        }
        return matches.Select(w => (string?)System.IO.Path.GetFileName(w.Path)).Distinct(StringComparer.Ordinal).ToList();
    }
}
