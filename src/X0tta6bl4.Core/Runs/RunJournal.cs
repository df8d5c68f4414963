using System.Globalization;
using System.Text.Json;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;

namespace X0tta6bl4.Core.Runs;

/// <summary>A run written to the journal and not yet moved into the store.</summary>
public sealed record PendingRun(string File, string Uid, LocalRunEntry Entry);

/// <summary>
/// The run store's write-ahead journal: one small JSON file per run in <c>pending/</c> beside the
/// database. A cmdlet writes its run here synchronously before it returns — a file write, without
/// loading SQLite or taking its locks — so the run survives however soon the process exits, and a
/// store that another process holds locked never delays the cmdlet. Whoever opens the store next
/// moves the pending runs into it (<see cref="LocalRunStore.FoldPending"/>).
/// Each file appears whole: it is written under a temporary name and renamed.
/// </summary>
public static class RunJournal
{
    public const string FolderName = "pending";
    private const string Extension = ".json";
    private const int SummaryLimit = 500;
    private static long _sequence;

    public static string FolderOf(string storePath) => Path.Combine(Path.GetDirectoryName(storePath)!, FolderName);

    /// <summary>Writes the run and returns its unique id. Throws IOException/UnauthorizedAccessException as they come.</summary>
    public static string Append(string storePath, LocalRunEntry entry)
    {
        var folder = FolderOf(storePath);
        Directory.CreateDirectory(folder);
        // Sorting the names sorts the runs by start (then by process and order within it).
        var uid = string.Create(CultureInfo.InvariantCulture,
            $"{entry.StartedAt.UtcTicks:D19}-{Environment.ProcessId}-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid():N}");
        var final = Path.Combine(folder, uid + Extension);
        var temporary = Path.Combine(folder, "." + uid + ".tmp");
        File.WriteAllBytes(temporary, Serialize(entry));
        File.Move(temporary, final);
        return uid;
    }

    /// <summary>The pending runs, oldest first. Files that vanish (folded meanwhile) or cannot be parsed are skipped.</summary>
    public static IReadOnlyList<PendingRun> Read(string storePath)
    {
        var folder = FolderOf(storePath);
        if (!Directory.Exists(folder)) return Array.Empty<PendingRun>();
        var files = Directory.GetFiles(folder, "*" + Extension);
        Array.Sort(files, StringComparer.Ordinal);
        var runs = new List<PendingRun>(files.Length);
        foreach (var file in files)
        {
            try
            {
                var entry = Deserialize(File.ReadAllBytes(file));
                if (entry is not null) runs.Add(new PendingRun(file, Path.GetFileNameWithoutExtension(file), entry));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or FormatException)
            {
                // Folded and deleted by another process meanwhile, or damaged: nothing to add.
            }
        }
        return runs;
    }

    /// <summary>How many runs wait in the journal (cheap: a directory listing).</summary>
    public static int Count(string storePath)
    {
        var folder = FolderOf(storePath);
        return Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*" + Extension).Count() : 0;
    }

    /// <summary>Deletes journal files whose runs are in the store; files already gone are fine.</summary>
    public static void Remove(IEnumerable<PendingRun> runs)
    {
        foreach (var run in runs)
        {
            try
            {
                File.Delete(run.File);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left behind: the next fold inserts nothing for it (its uid is stored) and tries again.
            }
        }
    }

    private static byte[] Serialize(LocalRunEntry e)
    {
        using var buffer = new MemoryStream(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", e.Kind);
            json.WriteString("command", e.Command);
            Optional(json, "path", e.Path);
            // Nothing secret reaches the disk: the same cleaning the store applies on insert.
            Optional(json, "repository", Clean(e.Repository));
            Optional(json, "remote", Clean(e.Remote));
            Optional(json, "branch", e.Branch);
            Optional(json, "commit", e.Commit);
            Optional(json, "version", e.Version);
            Optional(json, "event", e.Event);
            Optional(json, "actor", e.Actor);
            Optional(json, "host", e.Host);
            json.WriteNumber("pid", e.ProcessId);
            json.WriteNumber("started", e.StartedAt.ToUnixTimeMilliseconds());
            json.WriteNumber("durationMs", (long)e.Duration.TotalMilliseconds);
            json.WriteString("status", e.Status);
            Optional(json, "conclusion", e.Conclusion);
            Optional(json, "summary", e.Summary is null ? null : Truncate(SecretRedactor.Redact(e.Summary), SummaryLimit));
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static LocalRunEntry? Deserialize(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        string? S(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long N(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        if (S("kind") is not { } kind || S("command") is not { } command) return null;
        return new LocalRunEntry
        {
            Kind = kind,
            Command = command,
            Path = S("path"),
            Repository = S("repository"),
            Remote = S("remote"),
            Branch = S("branch"),
            Commit = S("commit"),
            Version = S("version"),
            Event = S("event"),
            Actor = S("actor"),
            Host = S("host"),
            ProcessId = (int)N("pid"),
            StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(N("started")),
            Duration = TimeSpan.FromMilliseconds(N("durationMs")),
            Status = S("status") ?? "completed",
            Conclusion = S("conclusion"),
            Summary = S("summary"),
        };
    }

    private static void Optional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null) json.WriteString(name, value);
    }

    internal static string? Clean(string? s) => s is null ? null : SecretRedactor.Redact(GitHubRepositoryName.StripCredentials(s));

    internal static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
