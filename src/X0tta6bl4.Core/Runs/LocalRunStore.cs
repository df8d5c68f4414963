using System.Globalization;
using System.IO.Compression;
using Microsoft.Data.Sqlite;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;

namespace X0tta6bl4.Core.Runs;

/// <summary>A run of an X0 cmdlet, as recorded.</summary>
public sealed record LocalRunEntry
{
    public required string Kind { get; init; }
    public required string Command { get; init; }
    public string? Path { get; init; }
    public string? Repository { get; init; }
    public string? Remote { get; init; }
    public string? Branch { get; init; }
    public string? Commit { get; init; }
    public string? Version { get; init; }
    public string? Event { get; init; }
    public string? Actor { get; init; }
    public string? Host { get; init; }
    public int ProcessId { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public TimeSpan Duration { get; init; }
    public string Status { get; init; } = "completed";
    /// <summary>success, failure, cancelled or skipped (-WhatIf, declined).</summary>
    public string? Conclusion { get; init; }
    public string? Summary { get; init; }
}

/// <summary>Where the per-user state lives.</summary>
public static class StateDirectory
{
    public const string FileName = "x0tta6bl4.db";

    /// <summary>X0_STATE_DIR, else $XDG_STATE_HOME/x0tta6bl4 (~/.local/state/x0tta6bl4), %LOCALAPPDATA%\x0tta6bl4 on Windows, ~/Library/Application Support/x0tta6bl4 on macOS.</summary>
    public static string Resolve(IReadOnlyDictionary<string, string?> environment)
    {
        string? Env(string n) => environment.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        if (Env("X0_STATE_DIR") is { } explicitDir) return System.IO.Path.GetFullPath(explicitDir);
        if (OperatingSystem.IsWindows())
        {
            var local = Env("LOCALAPPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            return System.IO.Path.Combine(local, "x0tta6bl4");
        }
        var home = Env("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS())
        {
            return System.IO.Path.Combine(home, "Library", "Application Support", "x0tta6bl4");
        }
        var state = Env("XDG_STATE_HOME") ?? System.IO.Path.Combine(home, ".local", "state");
        return System.IO.Path.Combine(state, "x0tta6bl4");
    }

    public static string StorePath(IReadOnlyDictionary<string, string?> environment) => System.IO.Path.Combine(Resolve(environment), FileName);
}

/// <summary>How much history the store keeps: X0_RUN_RETENTION_DAYS and X0_RUN_RETENTION_COUNT (default 90 days, 10,000 runs).</summary>
public sealed record RunRetention(TimeSpan MaxAge, int MaxCount)
{
    public static readonly RunRetention Default = new(TimeSpan.FromDays(90), 10_000);

    public static RunRetention From(IReadOnlyDictionary<string, string?> environment)
    {
        static int? Positive(IReadOnlyDictionary<string, string?> env, string name) =>
            env.TryGetValue(name, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
        return new RunRetention(
            Positive(environment, "X0_RUN_RETENTION_DAYS") is { } days ? TimeSpan.FromDays(days) : Default.MaxAge,
            Positive(environment, "X0_RUN_RETENTION_COUNT") ?? Default.MaxCount);
    }
}

/// <summary>What to read back from the local store.</summary>
public sealed record LocalRunQuery
{
    public string? Repository { get; init; }
    public string? Workflow { get; init; }
    public string? Branch { get; init; }
    public string? Event { get; init; }
    public string? Status { get; init; }
    public string? Actor { get; init; }
    public string? Commit { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public long? Id { get; init; }
    public long First { get; init; } = 20;
    public long Skip { get; init; }
}

/// <summary>
/// The embedded per-user store: every run of every X0 cmdlet, and the HTTP cache for conditional
/// GitHub requests. SQLite in WAL mode; a connection per use, so nothing stays locked between
/// cmdlets. Cmdlets do not write runs here themselves: they append them to the <see cref="RunJournal"/>,
/// and opening the store moves the journal in. A store that another process holds locked is waited
/// for only briefly (<see cref="BusyTimeoutMilliseconds"/>): reads go on, and runs that could not be
/// moved in yet are still listed from the journal. Nothing secret is written: text passes through
/// <see cref="SecretRedactor"/> and remote URLs lose their credentials.
/// </summary>
public sealed class LocalRunStore : IHttpResponseCache, IDisposable
{
    private const int SchemaVersion = 2;
    /// <summary>How long SQLite waits for another process's lock before a statement reports "busy".</summary>
    public const int BusyTimeoutMilliseconds = 250;
    private const string Columns = "id, kind, command, path, repository, remote, branch, commit_sha, version, event, actor, host, started_at, duration_ms, status, conclusion, summary";
    private readonly SqliteConnection _connection;
    private readonly bool _journalOnly;
    private bool _hasUnfolded;

    private LocalRunStore(string path, SqliteConnection connection, bool journalOnly = false)
    {
        Path = path;
        _connection = connection;
        _journalOnly = journalOnly;
    }

    public string Path { get; }

    /// <summary>Opens (creating if needed) the store. Throws SqliteException/IOException as they come.</summary>
    public static LocalRunStore Open(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            // Microsoft.Data.Sqlite retries a busy statement for this many seconds on top of SQLite's
            // own busy timeout; one second is its least (0 would mean for ever).
            DefaultTimeout = 1,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};");
            // Persistent once set; several processes then write without blocking readers.
            Scalar(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, "PRAGMA synchronous = NORMAL;");
            var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
            if (version < SchemaVersion)
            {
                using var tx = connection.BeginTransaction(deferred: false);
                Execute(connection, """
                    CREATE TABLE IF NOT EXISTS runs (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        command TEXT NOT NULL,
                        path TEXT, repository TEXT, remote TEXT, branch TEXT, commit_sha TEXT, version TEXT,
                        event TEXT, actor TEXT, host TEXT, pid INTEGER,
                        started_at INTEGER NOT NULL,
                        duration_ms INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        conclusion TEXT,
                        summary TEXT);
                    CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at);
                    CREATE TABLE IF NOT EXISTS http_cache (
                        key TEXT PRIMARY KEY,
                        etag TEXT NOT NULL,
                        body BLOB NOT NULL,
                        stored_at INTEGER NOT NULL);
                    """, tx);
                if (version < 2)
                {
                    // The journal's id of each run: a run folded twice (a crash between insert and
                    // delete, two processes folding at once) is stored once.
                    if (!HasColumn(connection, "runs", "uid", tx)) Execute(connection, "ALTER TABLE runs ADD COLUMN uid TEXT;", tx);
                    Execute(connection, "CREATE UNIQUE INDEX IF NOT EXISTS runs_uid ON runs(uid);", tx);
                }
                Execute(connection, $"PRAGMA user_version = {SchemaVersion};", tx);
                tx.Commit();
            }
            return new LocalRunStore(path, connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the store or explains in one warning why not (the caller goes on without it). A file that
    /// is not a database is moved aside and a new store started.
    /// </summary>
    public static LocalRunStore? TryOpen(string path, IX0Log log, RunRetention? retention = null)
    {
        var store = TryOpenCore(path, log);
        store?.FoldPending(log, retention ?? RunRetention.From(Ci.ProcessEnvironment.Snapshot()));
        return store;
    }

    private static LocalRunStore? TryOpenCore(string path, IX0Log log)
    {
        try
        {
            return Open(path);
        }
        catch (SqliteException ex) when (IsBusy(ex))
        {
            // Locked so that not even reading is possible (another process's exclusive locking mode):
            // the journal's runs can still be listed, from memory.
            log.Warning($"The run store {path} is busy: another process holds it locked, so its runs cannot be read now ({ex.Message.Trim()}). Only runs still in its journal ({RunJournal.FolderOf(path)}) are listed.");
            return OpenJournalOnly(path);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
        {
            var aside = $"{path}.corrupt-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}";
            try
            {
                SqliteConnection.ClearAllPools();
                File.Move(path, aside);
                foreach (var suffix in new[] { "-wal", "-shm" })
                {
                    if (File.Exists(path + suffix)) File.Move(path + suffix, aside + suffix);
                }
                var store = Open(path);
                log.Warning($"The run store {path} was damaged ({ex.Message.Trim()}); it was moved to {aside} and a new one started.");
                return store;
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException or SqliteException)
            {
                log.Warning(Unavailable(path, ex.Message + "; moving it aside failed: " + inner.Message));
                return null;
            }
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            log.Warning(Unavailable(path, ex.Message));
            return null;
        }
    }

    /// <summary>A store in memory holding only the journal's runs, for when the file cannot be opened.</summary>
    private static LocalRunStore? OpenJournalOnly(string path)
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, $"CREATE TABLE runs (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, command TEXT NOT NULL, path TEXT, repository TEXT, remote TEXT, branch TEXT, commit_sha TEXT, version TEXT, event TEXT, actor TEXT, host TEXT, pid INTEGER, started_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL, status TEXT NOT NULL, conclusion TEXT, summary TEXT, uid TEXT);" +
                            "CREATE TABLE http_cache (key TEXT PRIMARY KEY, etag TEXT NOT NULL, body BLOB NOT NULL, stored_at INTEGER NOT NULL);");
        return new LocalRunStore(path, connection, journalOnly: true);
    }

    internal static string Unavailable(string path, string reason) =>
        $"The run store {path} cannot be used ({reason.Trim()}); this run is not recorded. Make the file and its folder writable, or set X0_STATE_DIR to a writable folder.";

    internal static string Busy(string path, int waiting) =>
        $"The run store {path} is busy: another process holds it locked. {waiting} recorded run(s) wait in its journal ({RunJournal.FolderOf(path)}) and move into the store once it is free; Get-X0Run -Local lists them meanwhile.";

    internal static string NotWritable(string path, string reason, int waiting) =>
        $"The run store {path} cannot be written ({reason.Trim()}). {waiting} recorded run(s) wait in its journal ({RunJournal.FolderOf(path)}) and move into the store once the file is writable again; Get-X0Run -Local lists them meanwhile.";

    private static bool IsBusy(SqliteException ex) => ex.SqliteErrorCode is 5 or 6;

    /// <summary>
    /// Moves the journal's runs into the store in one transaction, then deletes their files and applies
    /// the retention. When the store is busy or cannot be written, the runs stay in the journal and
    /// <see cref="Query"/> lists them from there; returns how many were moved in.
    /// </summary>
    public int FoldPending(IX0Log log, RunRetention retention)
    {
        var pending = RunJournal.Read(Path);
        if (pending.Count == 0) return 0;
        if (_journalOnly)
        {
            ListUnfolded(pending);
            return 0;
        }
        try
        {
            var moved = 0;
            using (var tx = _connection.BeginTransaction(deferred: false))
            {
                foreach (var run in pending) moved += Insert(run.Entry, run.Uid, tx) ? 1 : 0;
                tx.Commit();
            }
            RunJournal.Remove(pending);
            if (moved > 0) Prune(retention.MaxAge, retention.MaxCount);
            return moved;
        }
        catch (SqliteException ex)
        {
            log.Warning(IsBusy(ex) ? Busy(Path, pending.Count) : NotWritable(Path, ex.Message, pending.Count));
            ListUnfolded(pending);
            return 0;
        }
    }

    /// <summary>Makes <see cref="Query"/> see runs that are still only in the journal (a temporary table of this connection).</summary>
    private void ListUnfolded(IReadOnlyList<PendingRun> pending)
    {
        Execute(_connection, "CREATE TEMP TABLE IF NOT EXISTS pending_runs AS SELECT * FROM main.runs WHERE 0;");
        foreach (var run in pending) Insert(run.Entry, run.Uid, null, "temp.pending_runs");
        _hasUnfolded = true;
    }

    /// <summary>Records a run and returns its id.</summary>
    public long Record(LocalRunEntry e)
    {
        Insert(e, null, null);
        return Convert.ToInt64(Scalar(_connection, "SELECT last_insert_rowid();"), CultureInfo.InvariantCulture);
    }

    /// <summary>Inserts one run; false when a run with the same journal id is stored already.</summary>
    private bool Insert(LocalRunEntry e, string? uid, SqliteTransaction? tx, string table = "main.runs")
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"""
            INSERT OR IGNORE INTO {table} (kind, command, path, repository, remote, branch, commit_sha, version, event, actor, host, pid, started_at, duration_ms, status, conclusion, summary, uid)
            VALUES ($kind, $command, $path, $repository, $remote, $branch, $commit, $version, $event, $actor, $host, $pid, $started, $duration, $status, $conclusion, $summary, $uid);
            """;
        Add(cmd, "$kind", e.Kind);
        Add(cmd, "$command", e.Command);
        Add(cmd, "$path", e.Path);
        Add(cmd, "$repository", RunJournal.Clean(e.Repository));
        Add(cmd, "$remote", RunJournal.Clean(e.Remote));
        Add(cmd, "$branch", e.Branch);
        Add(cmd, "$commit", e.Commit);
        Add(cmd, "$version", e.Version);
        Add(cmd, "$event", e.Event);
        Add(cmd, "$actor", e.Actor);
        Add(cmd, "$host", e.Host);
        Add(cmd, "$pid", e.ProcessId);
        Add(cmd, "$started", e.StartedAt.ToUnixTimeMilliseconds());
        Add(cmd, "$duration", (long)e.Duration.TotalMilliseconds);
        Add(cmd, "$status", e.Status);
        Add(cmd, "$conclusion", e.Conclusion);
        Add(cmd, "$summary", e.Summary is null ? null : RunJournal.Truncate(SecretRedactor.Redact(e.Summary), 500));
        Add(cmd, "$uid", uid);
        return cmd.ExecuteNonQuery() > 0;
    }

    /// <summary>Deletes runs older than <paramref name="olderThan"/> and all but the newest <paramref name="keep"/>; returns how many.</summary>
    public int Prune(TimeSpan? olderThan, int? keep)
    {
        var deleted = 0;
        if (olderThan is { } age)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "DELETE FROM runs WHERE started_at < $cutoff;";
            Add(cmd, "$cutoff", (DateTimeOffset.UtcNow - age).ToUnixTimeMilliseconds());
            deleted += cmd.ExecuteNonQuery();
        }
        if (keep is { } n)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "DELETE FROM runs WHERE id <= (SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET $keep);";
            Add(cmd, "$keep", n);
            deleted += cmd.ExecuteNonQuery();
        }
        using (var cache = _connection.CreateCommand())
        {
            cache.CommandText = "DELETE FROM http_cache WHERE stored_at < $cutoff;";
            Add(cache, "$cutoff", DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds());
            cache.ExecuteNonQuery();
        }
        return deleted;
    }

    public long Count()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM runs;";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs newest first, filtered like a GitHub listing (see Get-X0Run -Local).</summary>
    public IReadOnlyList<RunRecord> Query(LocalRunQuery q)
    {
        using var cmd = _connection.CreateCommand();
        var where = new List<string>();
        if (q.Id is { } id)
        {
            where.Add("id = $id");
            Add(cmd, "$id", id);
        }
        if (q.Since is { } since)
        {
            where.Add("started_at >= $since");
            Add(cmd, "$since", since.ToUnixTimeMilliseconds());
        }
        if (q.Until is { } until)
        {
            where.Add("started_at <= $until");
            Add(cmd, "$until", until.ToUnixTimeMilliseconds());
        }
        if (q.Branch is not null)
        {
            where.Add("branch = $branch");
            Add(cmd, "$branch", q.Branch);
        }
        if (q.Event is not null)
        {
            where.Add("event = $event");
            Add(cmd, "$event", q.Event);
        }
        if (q.Actor is not null)
        {
            where.Add("actor = $actor COLLATE NOCASE");
            Add(cmd, "$actor", q.Actor);
        }
        if (q.Commit is not null)
        {
            where.Add("commit_sha LIKE $commit");
            Add(cmd, "$commit", q.Commit.Replace("%", "").Replace("_", "") + "%");
        }
        if (q.Status is not null)
        {
            where.Add(RunQuery.RunStatuses.Contains(q.Status) ? "status = $status" : "conclusion = $status");
            Add(cmd, "$status", q.Status);
        }
        // Runs still in the journal (the store was busy) are listed too, with id 0 until they move in.
        var source = _hasUnfolded ? $"(SELECT {Columns} FROM main.runs UNION ALL SELECT 0, {Columns[4..]} FROM temp.pending_runs)" : "main.runs";
        cmd.CommandText = $"SELECT {Columns} FROM {source}"
                          + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
                          + " ORDER BY started_at DESC, id DESC;";
        var workflow = Wildcard(q.Workflow);
        var repository = Wildcard(q.Repository);
        var result = new List<RunRecord>();
        long skipped = 0;
        using var reader = cmd.ExecuteReader();
        while (reader.Read() && result.Count < q.First)
        {
            var kind = reader.GetString(1);
            var command = reader.GetString(2);
            string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var path = S(3);
            var repo = S(4);
            var remote = S(5);
            if (workflow is not null && !workflow.IsMatch(kind) && !workflow.IsMatch(command)) continue;
            if (repository is not null && !(repo is not null && repository.IsMatch(repo)) && !(path is not null && repository.IsMatch(path)) && !(remote is not null && repository.IsMatch(remote))) continue;
            if (skipped++ < q.Skip) continue;
            var started = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12));
            var duration = TimeSpan.FromMilliseconds(reader.GetInt64(13));
            result.Add(new RunRecord
            {
                Id = reader.GetInt64(0),
                Source = RunSource.Local,
                Kind = kind,
                Workflow = command,
                Path = path,
                Repository = repo ?? remote ?? path ?? string.Empty,
                Remote = remote,
                Branch = S(6),
                Commit = S(7),
                Version = S(8),
                Event = S(9),
                Actor = S(10),
                Host = S(11),
                CreatedAt = started,
                StartedAt = started,
                UpdatedAt = started + duration,
                Duration = duration,
                Status = reader.GetString(14),
                Conclusion = S(15),
                Summary = S(16),
                Name = S(16),
            });
        }
        return result;
    }

    public bool TryGet(string key, out string etag, out byte[] body)
    {
        etag = string.Empty;
        body = Array.Empty<byte>();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT etag, body FROM http_cache WHERE key = $key;";
        Add(cmd, "$key", key);
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) return false;
        etag = reader.GetString(0);
        try
        {
            using var input = new GZipStream(new MemoryStream((byte[])reader.GetValue(1)), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            body = output.ToArray();
            return true;
        }
        catch (InvalidDataException)
        {
            // Not ours (or damaged): a miss, and the next answer replaces it.
            return false;
        }
    }

    public void Put(string key, string etag, byte[] body)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "INSERT INTO http_cache (key, etag, body, stored_at) VALUES ($key, $etag, $body, $now) ON CONFLICT(key) DO UPDATE SET etag = excluded.etag, body = excluded.body, stored_at = excluded.stored_at;";
        Add(cmd, "$key", key);
        Add(cmd, "$etag", etag);
        // Pages of runs are ~1 MB of repetitive JSON: compressed they cost a twentieth of the writes.
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }
        Add(cmd, "$body", compressed.ToArray());
        Add(cmd, "$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();


    private static System.Text.RegularExpressions.Regex? Wildcard(string? pattern) =>
        string.IsNullOrEmpty(pattern) ? null
        : new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static void Add(SqliteCommand cmd, string name, object? value) => cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);

    private static void Execute(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    private static bool HasColumn(SqliteConnection c, string table, string column, SqliteTransaction tx)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $name;";
        Add(cmd, "$name", column);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private static object? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
