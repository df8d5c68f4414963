using System.Globalization;
using LibGit2Sharp;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;

namespace X0tta6bl4.Core.Runs;

/// <summary>
/// Records one run of an X0 cmdlet in the local store, filling in what git knows about the path
/// (branch, commit, origin). Never throws: a store that cannot be used costs one warning, and the
/// cmdlet's own result stands. X0_RUN_RECORDING=0 turns recording off; X0_RUN_RETENTION_DAYS and
/// X0_RUN_RETENTION_COUNT bound the history (default 90 days, 10,000 runs).
/// </summary>
public static class LocalRunRecorder
{
    public const int DefaultRetentionDays = 90;
    public const int DefaultRetentionCount = 10_000;

    public static long? Record(LocalRunEntry entry, IReadOnlyDictionary<string, string?> environment, IX0Log log)
    {
        string? Env(string n) => environment.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        if (Env("X0_RUN_RECORDING") is "0" or "false" or "off") return null;
        string path;
        try
        {
            path = StateDirectory.StorePath(environment);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or NotSupportedException)
        {
            log.Warning(LocalRunStore.Unavailable(Env("X0_STATE_DIR") ?? "(state directory)", ex.Message));
            return null;
        }
        entry = WithGit(entry, log);
        var store = LocalRunStore.TryOpen(path, log);
        if (store is null) return null;
        try
        {
            using (store)
            {
                var id = store.Record(entry);
                var days = int.TryParse(Env("X0_RUN_RETENTION_DAYS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) && d > 0 ? d : DefaultRetentionDays;
                var count = int.TryParse(Env("X0_RUN_RETENTION_COUNT"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : DefaultRetentionCount;
                // Cheap on an indexed table; done now and then rather than on every run.
                if (id % 50 == 0) store.Prune(TimeSpan.FromDays(days), count);
                return id;
            }
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            log.Warning(LocalRunStore.Unavailable(path, ex.Message));
            return null;
        }
    }

    /// <summary>Branch, commit and origin of the repository containing the entry's path (when it is one).</summary>
    public static LocalRunEntry WithGit(LocalRunEntry entry, IX0Log log)
    {
        if (entry.Path is null || (entry.Branch is not null && entry.Commit is not null && entry.Remote is not null)) return entry;
        try
        {
            var gitDir = Repository.Discover(entry.Path);
            if (gitDir is null) return entry;
            using var repo = new Repository(gitDir);
            var remote = entry.Remote ?? repo.Network.Remotes["origin"]?.Url;
            var clean = remote is null ? null : GitHubRepositoryName.StripCredentials(remote);
            return entry with
            {
                Branch = entry.Branch ?? (repo.Info.IsHeadDetached || repo.Info.IsHeadUnborn ? null : repo.Head.FriendlyName),
                Commit = entry.Commit ?? repo.Head.Tip?.Sha,
                Remote = clean,
                Repository = entry.Repository ?? GitHubRepositoryName.FromRemoteUrl(clean)?.FullName ?? clean ?? repo.Info.WorkingDirectory?.TrimEnd('/', '\\'),
            };
        }
        catch (Exception ex) when (ex is LibGit2SharpException or IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
        {
            log.Debug($"Run record without git details: {ex.Message}");
            return entry;
        }
    }
}
