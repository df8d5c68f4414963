using LibGit2Sharp;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;

namespace X0tta6bl4.Core.Runs;

/// <summary>
/// Records one run of an X0 cmdlet, filling in what git knows about the path (branch, commit,
/// origin). The run goes to the store's journal (<see cref="RunJournal"/>): one file written before
/// the cmdlet returns, so it is kept however soon the process exits, and neither SQLite nor another
/// process's lock on the store is on the cmdlet's path. Never throws: a state folder that cannot be
/// written costs one warning, and the cmdlet's own result stands. X0_RUN_RECORDING=0 turns recording
/// off; X0_RUN_RETENTION_DAYS and X0_RUN_RETENTION_COUNT bound the history (default 90 days, 10,000 runs).
/// </summary>
public static class LocalRunRecorder
{
    /// <summary>
    /// When this many runs wait in the journal (nobody listed the history for a while), the recorder
    /// moves them into the store in the background: the journal stays small, the cmdlet does not wait.
    /// </summary>
    public const int FoldThreshold = 200;
    private static int _folding;

    /// <summary>Writes the run to the journal; returns its journal id, or null when not recorded.</summary>
    public static string? Record(LocalRunEntry entry, IReadOnlyDictionary<string, string?> environment, IX0Log log)
    {
        string? Env(string n) => environment.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        if (IsOff(environment)) return null;
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
        string uid;
        try
        {
            uid = RunJournal.Append(path, entry);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            log.Warning(LocalRunStore.Unavailable(path, ex.Message));
            return null;
        }
        FoldInBackgroundWhenLong(path, RunRetention.From(environment));
        return uid;
    }

    /// <summary>X0_RUN_RECORDING=0 (or false, off).</summary>
    public static bool IsOff(IReadOnlyDictionary<string, string?> environment) =>
        environment.TryGetValue("X0_RUN_RECORDING", out var v) && v?.Trim() is "0" or "false" or "off";

    private static void FoldInBackgroundWhenLong(string path, RunRetention retention)
    {
        try
        {
            if (RunJournal.Count(path) < FoldThreshold) return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }
        // One at a time per process. Not awaited: if the process exits first, the transaction is rolled
        // back and the runs simply stay in the journal for the next fold. Silent: its warnings would
        // have no pipeline to go to.
        if (Interlocked.Exchange(ref _folding, 1) == 1) return;
        _ = Task.Run(() =>
        {
            try
            {
                using var store = LocalRunStore.TryOpen(path, NullLog.Instance, retention);
            }
            catch (Exception)
            {
                // Best effort by design; the journal keeps the runs.
            }
            finally
            {
                Volatile.Write(ref _folding, 0);
            }
        });
    }

    /// <summary>Branch, commit and origin of the repository containing the entry's path (when it is one).</summary>
    public static LocalRunEntry WithGit(LocalRunEntry entry, IX0Log log)
    {
        if (entry.Path is null || (entry.Branch is not null && entry.Commit is not null && entry.Remote is not null)) return entry;
        // A path that does not exist has no repository: looking upwards would find another one's.
        var start = Directory.Exists(entry.Path) ? entry.Path : File.Exists(entry.Path) ? Path.GetDirectoryName(entry.Path) : null;
        if (start is null) return entry;
        try
        {
            var gitDir = Repository.Discover(start);
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
