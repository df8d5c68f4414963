using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>The file operations an <see cref="AtomicFileSet"/> needs; a seam so tests can fail the third write.</summary>
public interface IFileOperations
{
    void WriteNew(string path, byte[] bytes);
    void Replace(string source, string destination);
    void Delete(string path);
}

/// <summary>Plain file system with durable writes.</summary>
public sealed class FileOperations : IFileOperations
{
    public static readonly FileOperations Instance = new();

    public void WriteNew(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    public void Replace(string source, string destination) => File.Move(source, destination, overwrite: true);

    public void Delete(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }
}

/// <summary>
/// Writes a set of files all-or-nothing. Every new content is first written to a temporary file
/// beside its target (same volume, so the rename is atomic); only when all are on disk are they
/// renamed over the originals. If anything fails, files already replaced get their original bytes
/// back and the temporaries are removed: the tree ends byte-identical to how it started.
/// </summary>
public sealed class AtomicFileSet
{
    private readonly IFileOperations _io;
    private readonly List<(string Path, byte[]? Original, byte[] Updated)> _files = new();

    public AtomicFileSet(IFileOperations? io = null) => _io = io ?? FileOperations.Instance;

    /// <summary>Adds a file; <paramref name="original"/> null means "create it: it must not exist yet".</summary>
    public void Add(string path, byte[]? original, byte[] updated) => _files.Add((path, original, updated));

    /// <summary>Commits every file or none. Cancellation is honoured only before the first rename.</summary>
    public void Commit(CancellationToken cancellation = default)
    {
        var temps = new List<(string Temp, string Target, UnixFileMode? Mode)>();
        string? writing = null;
        try
        {
            foreach (var (path, original, updated) in _files)
            {
                cancellation.ThrowIfCancellationRequested();
                // The file must still hold what we planned against; someone else may have edited it meanwhile.
                if (original is null ? File.Exists(path) : !File.ReadAllBytes(path).AsSpan().SequenceEqual(original))
                {
                    throw new X0Exception(ErrorIds.FileWriteFailed, X0ErrorCategory.ResourceBusy,
                        $"{path} unchanged since it was read", "it was modified by another process",
                        "Run the command again", path);
                }
                var temp = TempName(path);
                // A write that fails half-way (disk full) may leave a partial temporary behind.
                writing = temp;
                _io.WriteNew(temp, updated);
                temps.Add((temp, path, OperatingSystem.IsWindows() || original is null ? null : File.GetUnixFileMode(path)));
                writing = null;
            }
            cancellation.ThrowIfCancellationRequested();
        }
        catch (Exception ex)
        {
            if (writing is not null) TryDelete(writing);
            foreach (var t in temps) TryDelete(t.Temp);
            throw Wrap(ex, temps.Count < _files.Count ? _files[temps.Count].Path : null);
        }

        var replaced = new List<int>();
        try
        {
            for (var i = 0; i < temps.Count; i++)
            {
                if (temps[i].Mode is { } mode && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temps[i].Temp, mode);
                }
                _io.Replace(temps[i].Temp, temps[i].Target);
                replaced.Add(i);
            }
        }
        catch (Exception ex)
        {
            var failed = temps[replaced.Count].Target;
            foreach (var i in replaced)
            {
                Restore(_files[i].Path, _files[i].Original);
            }
            foreach (var t in temps.Skip(replaced.Count)) TryDelete(t.Temp);
            throw Wrap(ex, failed);
        }
    }

    private void Restore(string path, byte[]? original)
    {
        if (original is null)
        {
            TryDelete(path);
            return;
        }
        var temp = TempName(path);
        try
        {
            File.WriteAllBytes(temp, original);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception)
        {
            // Last resort: write in place. If even that fails the error below names the file.
            File.WriteAllBytes(path, original);
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            _io.Delete(path);
        }
        catch (Exception)
        {
            // A stray temporary is harmless and named after its target; never mask the real failure.
        }
    }

    private static string TempName(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.x0-{Guid.NewGuid():N}.tmp");

    private static Exception Wrap(Exception ex, string? path) => ex switch
    {
        X0Exception x => x,
        OperationCanceledException => ex,
        _ => new X0Exception(ErrorIds.FileWriteFailed, X0ErrorCategory.WriteError,
            $"to write {path ?? "every version file"}", ex.Message,
            "Check permissions and free space; every file was restored to its original bytes", path, ex),
    };
}
