using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Runs;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Runs;

public sealed class LocalRunStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "x0-tests", "store-" + Guid.NewGuid().ToString("N")[..8]);
    private string DbPath => Path.Combine(_dir, StateDirectory.FileName);

    private static LocalRunEntry Entry(string kind = "Version", string conclusion = "success", DateTimeOffset? started = null, string? path = "/work/a", string? summary = "1.0.0 → 1.1.0") => new()
    {
        Kind = kind,
        Command = "Step-X0" + kind,
        Path = path,
        Repository = "octo/a",
        Remote = "https://github.com/octo/a.git",
        Branch = "main",
        Commit = "0123456789abcdef0123456789abcdef01234567",
        Version = "1.1.0",
        Event = "local",
        Actor = "dev",
        Host = "box",
        StartedAt = started ?? DateTimeOffset.UtcNow,
        Duration = TimeSpan.FromMilliseconds(1234),
        Conclusion = conclusion,
        Summary = summary,
    };

    [Fact]
    public void Records_and_reads_back_runs_newest_first_with_filters()
    {
        using var store = LocalRunStore.Open(DbPath);
        var t0 = DateTimeOffset.UtcNow.AddHours(-3);
        store.Record(Entry(started: t0));
        store.Record(Entry("Test", "failure", t0.AddHours(1), "/work/b"));
        var id = store.Record(Entry("Image", "success", t0.AddHours(2)));

        var all = store.Query(new LocalRunQuery());
        Assert.Equal(new[] { "Image", "Test", "Version" }, all.Select(r => r.Kind));
        var newest = all[0];
        Assert.Equal(id, newest.Id);
        Assert.Equal(RunSource.Local, newest.Source);
        Assert.Equal("Step-X0Image", newest.Workflow);
        Assert.Equal("octo/a", newest.Repository);
        Assert.Equal(TimeSpan.FromMilliseconds(1234), newest.Duration);
        Assert.Equal("completed", newest.Status);

        Assert.Equal("Test", Assert.Single(store.Query(new LocalRunQuery { Status = "failure" })).Kind);
        Assert.Equal(3, store.Query(new LocalRunQuery { Status = "completed" }).Count);
        Assert.Equal("Version", Assert.Single(store.Query(new LocalRunQuery { Workflow = "Vers*" })).Kind);
        Assert.Equal("Test", Assert.Single(store.Query(new LocalRunQuery { Repository = "/work/b" })).Kind);
        Assert.Equal(2, store.Query(new LocalRunQuery { Since = t0.AddMinutes(30) }).Count);
        Assert.Single(store.Query(new LocalRunQuery { Until = t0.AddMinutes(30) }));
        Assert.Equal(3, store.Query(new LocalRunQuery { Commit = "0123456" }).Count);
        Assert.Equal("Test", Assert.Single(store.Query(new LocalRunQuery { Skip = 1, First = 1 })).Kind);
    }

    [Fact]
    public void Secrets_and_remote_credentials_never_reach_the_store()
    {
        var secret = SecretRedactor.Register("ghp_storetest_" + Guid.NewGuid().ToString("N"));
        using (var store = LocalRunStore.Open(DbPath))
        {
            store.Record(Entry(summary: $"push failed for {secret}") with { Remote = $"https://x:{secret}@github.com/octo/a.git", Repository = $"https://x:{secret}@github.com/octo/a.git" });
            var run = Assert.Single(store.Query(new LocalRunQuery()));
            Assert.Equal("https://github.com/octo/a.git", run.Remote);
            Assert.DoesNotContain(secret, run.Summary, StringComparison.Ordinal);
        }
        foreach (var file in Directory.GetFiles(_dir, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(secret, File.ReadAllText(file, System.Text.Encoding.Latin1), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Concurrent_journal_writers_and_folders_lose_nothing_and_store_nothing_twice()
    {
        LocalRunStore.Open(DbPath).Dispose();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++) RunJournal.Append(DbPath, Entry(path: "/writer/" + w));
        }));
        var folders = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            // Folding while runs are still being written: a busy store just leaves them for later.
            for (var i = 0; i < 10; i++) LocalRunStore.TryOpen(DbPath, new CapturingLog())?.Dispose();
        }));
        await Task.WhenAll(writers.Concat(folders));
        using var check = LocalRunStore.TryOpen(DbPath, new CapturingLog())!;
        Assert.Equal(400, check.Count());
        Assert.All(Enumerable.Range(0, 4), w => Assert.Equal(100, check.Query(new LocalRunQuery { Repository = "/writer/" + w, First = 1000 }).Count));
        Assert.Equal(0, RunJournal.Count(DbPath));
    }

    [Fact]
    public void A_journal_file_folded_again_after_a_crash_is_stored_once()
    {
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        for (var i = 0; i < 3; i++) RunJournal.Append(DbPath, Entry(started: t0.AddSeconds(i), summary: "run " + i));
        var kept = RunJournal.Read(DbPath)[1];
        var copy = File.ReadAllBytes(kept.File);
        using (var store = LocalRunStore.TryOpen(DbPath, new CapturingLog())!)
        {
            Assert.Equal(3, store.Count());
        }
        // The process died after the commit and before the delete: the file is still there.
        File.WriteAllBytes(kept.File, copy);
        using var again = LocalRunStore.TryOpen(DbPath, new CapturingLog())!;
        Assert.Equal(3, again.Count());
        Assert.Equal(new[] { "run 2", "run 1", "run 0" }, again.Query(new LocalRunQuery()).Select(r => r.Summary));
        Assert.Equal(0, RunJournal.Count(DbPath));
    }

    [Fact]
    public void A_store_locked_by_another_writer_is_waited_for_briefly_and_its_journal_still_listed()
    {
        using (var store = LocalRunStore.Open(DbPath)) store.Record(Entry(started: DateTimeOffset.UtcNow.AddMinutes(-1), summary: "stored"));
        RunJournal.Append(DbPath, Entry(summary: "waiting"));
        using (var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            holder.Open();
            using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE;";
                begin.ExecuteNonQuery();
            }
            var log = new CapturingLog();
            using var busy = LocalRunStore.TryOpen(DbPath, log)!;
            var warning = Assert.Single(log.Warnings);
            Assert.Contains("busy", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("writable", warning, StringComparison.Ordinal);
            var listed = busy.Query(new LocalRunQuery());
            Assert.Equal(new[] { "waiting", "stored" }, listed.Select(r => r.Summary));
            Assert.Equal(0, listed[0].Id);
            Assert.Equal(1, RunJournal.Count(DbPath));
        }
        var quiet = new CapturingLog();
        using var free = LocalRunStore.TryOpen(DbPath, quiet)!;
        Assert.Empty(quiet.Warnings);
        Assert.Equal(new[] { "waiting", "stored" }, free.Query(new LocalRunQuery()).Select(r => r.Summary));
        Assert.DoesNotContain(0L, free.Query(new LocalRunQuery()).Select(r => r.Id));
    }

    [Fact]
    public async Task A_long_journal_is_moved_into_the_store_in_the_background_when_nobody_reads_it()
    {
        var env = new Dictionary<string, string?> { ["X0_STATE_DIR"] = _dir };
        for (var i = 0; i < LocalRunRecorder.FoldThreshold; i++)
        {
            Assert.NotNull(LocalRunRecorder.Record(Entry(path: null, summary: "run " + i), env, new CapturingLog()));
        }
        // The recording that found the threshold reached started a fold and returned without waiting for it.
        for (var waited = 0; RunJournal.Count(DbPath) > 0 && waited < 600; waited++) await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(0, RunJournal.Count(DbPath));
        using var store = LocalRunStore.Open(DbPath);
        Assert.Equal(LocalRunRecorder.FoldThreshold, store.Count());
    }

    [Fact]
    public void The_journal_holds_no_secret_either()
    {
        var secret = SecretRedactor.Register("ghp_journaltest_" + Guid.NewGuid().ToString("N"));
        RunJournal.Append(DbPath, Entry(summary: $"push failed for {secret}") with { Remote = $"https://x:{secret}@github.com/octo/a.git", Repository = $"https://x:{secret}@github.com/octo/a.git" });
        var file = Assert.Single(Directory.GetFiles(RunJournal.FolderOf(DbPath)));
        Assert.DoesNotContain(secret, File.ReadAllText(file), StringComparison.Ordinal);
        var pending = Assert.Single(RunJournal.Read(DbPath)).Entry;
        Assert.Equal("https://github.com/octo/a.git", pending.Remote);
    }

    [Fact]
    public void A_corrupt_file_is_moved_aside_and_a_new_store_started()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(DbPath, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());
        var log = new CapturingLog();
        using var store = LocalRunStore.TryOpen(DbPath, log);
        Assert.NotNull(store);
        store!.Record(Entry());
        Assert.Contains(log.Warnings, w => w.Contains("damaged", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(_dir, StateDirectory.FileName + ".corrupt-*"));
    }

    [Fact]
    public void An_unusable_path_gives_one_warning_and_no_store()
    {
        Directory.CreateDirectory(DbPath);   // a folder where the file should be
        var log = new CapturingLog();
        Assert.Null(LocalRunStore.TryOpen(DbPath, log));
        Assert.Contains("X0_STATE_DIR", Assert.Single(log.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Prune_keeps_the_newest_and_drops_the_old()
    {
        using var store = LocalRunStore.Open(DbPath);
        store.Record(Entry(started: DateTimeOffset.UtcNow.AddDays(-200)));
        for (var i = 0; i < 10; i++) store.Record(Entry(started: DateTimeOffset.UtcNow.AddMinutes(-i)));
        Assert.Equal(1, store.Prune(TimeSpan.FromDays(90), null));
        Assert.Equal(6, store.Prune(null, 4));
        Assert.Equal(4, store.Count());
    }

    [Fact]
    public void The_http_cache_round_trips_and_replaces()
    {
        using var store = LocalRunStore.Open(DbPath);
        Assert.False(store.TryGet("GET http://x/1", out _, out _));
        store.Put("GET http://x/1", "W/\"a\"", new byte[] { 1, 2, 3 });
        store.Put("GET http://x/1", "W/\"b\"", new byte[] { 4 });
        Assert.True(store.TryGet("GET http://x/1", out var etag, out var body));
        Assert.Equal("W/\"b\"", etag);
        Assert.Equal(new byte[] { 4 }, body);
    }

    [Fact]
    public void The_state_directory_follows_X0_STATE_DIR_then_the_platform_convention()
    {
        Assert.Equal(Path.GetFullPath("/tmp/x0-state"), StateDirectory.Resolve(new Dictionary<string, string?> { ["X0_STATE_DIR"] = "/tmp/x0-state", ["XDG_STATE_HOME"] = "/xdg" }));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal("/xdg/x0tta6bl4", StateDirectory.Resolve(new Dictionary<string, string?> { ["XDG_STATE_HOME"] = "/xdg", ["HOME"] = "/home/u" }));
            Assert.Equal("/home/u/.local/state/x0tta6bl4", StateDirectory.Resolve(new Dictionary<string, string?> { ["HOME"] = "/home/u" }));
        }
    }

    [Fact]
    public void The_recorder_fills_in_git_details_and_strips_credentials()
    {
        using var repo = new GitRepoFixture("recorder");
        repo.Write("a.txt", "a").Commit("feat: a");
        repo.Git("remote", "add", "origin", "https://x-access-token:ghp_recorder@github.com/octo/recorded.git");
        var env = new Dictionary<string, string?> { ["X0_STATE_DIR"] = _dir };
        var id = LocalRunRecorder.Record(Entry(path: repo.Root) with { Repository = null, Remote = null, Branch = null, Commit = null }, env, new CapturingLog());
        Assert.NotNull(id);
        using var store = LocalRunStore.TryOpen(DbPath, new CapturingLog())!;
        var run = Assert.Single(store.Query(new LocalRunQuery()));
        Assert.Equal("octo/recorded", run.Repository);
        Assert.Equal("https://github.com/octo/recorded.git", run.Remote);
        Assert.Equal("main", run.Branch);
        Assert.Equal(repo.Head, run.Commit);
    }

    public void Dispose()
    {
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
