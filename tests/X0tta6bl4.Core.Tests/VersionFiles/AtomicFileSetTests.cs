using System.Text;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.VersionFiles;

/// <summary>Real file operations that fail on chosen calls, like a full disk or a locked file would.</summary>
public sealed class FailingFileOperations : IFileOperations
{
    private int _writes;
    private int _replaces;

    /// <summary>1-based number of the WriteNew call that fails after writing half its bytes; 0 = never.</summary>
    public int FailWriteNumber { get; init; }
    /// <summary>1-based number of the Replace call that fails; 0 = never.</summary>
    public int FailReplaceNumber { get; init; }
    public int Writes => _writes;
    public int Replaces => _replaces;

    public void WriteNew(string path, byte[] bytes)
    {
        if (Interlocked.Increment(ref _writes) == FailWriteNumber)
        {
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            throw new IOException("No space left on device (injected)");
        }
        FileOperations.Instance.WriteNew(path, bytes);
    }

    public void Replace(string source, string destination)
    {
        if (Interlocked.Increment(ref _replaces) == FailReplaceNumber)
        {
            throw new IOException("The process cannot access the file (injected)");
        }
        FileOperations.Instance.Replace(source, destination);
    }

    public void Delete(string path) => FileOperations.Instance.Delete(path);
}

public class AtomicFileSetTests
{
    private static (TempDirectory Dir, List<(string Path, byte[] Original, byte[] Updated)> Files) FourFiles()
    {
        var dir = new TempDirectory("atomic");
        var files = new List<(string, byte[], byte[])>();
        for (var i = 1; i <= 4; i++)
        {
            var original = Encoding.UTF8.GetBytes($"file {i}\r\nversion = 1.2.3\r\n");
            var path = dir.WriteBytes($"f{i}.txt", original);
            files.Add((path, original, Encoding.UTF8.GetBytes($"file {i}\r\nversion = 1.3.0\r\n")));
        }
        return (dir, files);
    }

    private static void AssertUntouched(TempDirectory dir, List<(string Path, byte[] Original, byte[] Updated)> files)
    {
        foreach (var (path, original, _) in files)
        {
            Assert.Equal(original, File.ReadAllBytes(path));
        }
        Assert.Equal(files.Select(f => Path.GetFileName(f.Path)).Order(), Directory.GetFiles(dir.Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Writes_all_files()
    {
        var (dir, files) = FourFiles();
        using var _ = dir;
        var set = new AtomicFileSet();
        foreach (var f in files) set.Add(f.Path, f.Original, f.Updated);
        set.Commit(TestContext.Current.CancellationToken);
        Assert.All(files, f => Assert.Equal(f.Updated, File.ReadAllBytes(f.Path)));
        Assert.Equal(4, Directory.GetFiles(dir.Root).Length);
    }

    [Fact]
    public void Replace_failing_on_the_third_of_four_restores_all_and_leaves_no_temporaries()
    {
        var (dir, files) = FourFiles();
        using var _ = dir;
        var io = new FailingFileOperations { FailReplaceNumber = 3 };
        var set = new AtomicFileSet(io);
        foreach (var f in files) set.Add(f.Path, f.Original, f.Updated);

        var ex = Assert.Throws<X0Exception>(() => set.Commit(TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.FileWriteFailed, ex.ErrorId);
        Assert.Contains("f3.txt", ex.Message);
        Assert.Equal(3, io.Replaces);
        AssertUntouched(dir, files);
    }

    [Fact]
    public void Write_failing_half_way_on_the_third_of_four_leaves_no_partial_temporary()
    {
        var (dir, files) = FourFiles();
        using var _ = dir;
        var io = new FailingFileOperations { FailWriteNumber = 3 };
        var set = new AtomicFileSet(io);
        foreach (var f in files) set.Add(f.Path, f.Original, f.Updated);

        var ex = Assert.Throws<X0Exception>(() => set.Commit(TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.FileWriteFailed, ex.ErrorId);
        Assert.Equal(0, io.Replaces);
        AssertUntouched(dir, files);
    }

    [Fact]
    public void A_file_changed_since_it_was_read_is_not_overwritten()
    {
        var (dir, files) = FourFiles();
        using var _ = dir;
        File.WriteAllText(files[1].Path, "someone else");
        var set = new AtomicFileSet();
        foreach (var f in files) set.Add(f.Path, f.Original, f.Updated);
        Assert.Equal(ErrorIds.FileWriteFailed, Assert.Throws<X0Exception>(() => set.Commit(TestContext.Current.CancellationToken)).ErrorId);
        Assert.Equal("someone else", File.ReadAllText(files[1].Path));
        Assert.Equal(files[0].Original, File.ReadAllBytes(files[0].Path));
        Assert.Equal(4, Directory.GetFiles(dir.Root).Length);
    }

    [Fact]
    public void Cancellation_before_the_first_rename_changes_nothing()
    {
        var (dir, files) = FourFiles();
        using var _ = dir;
        var set = new AtomicFileSet();
        foreach (var f in files) set.Add(f.Path, f.Original, f.Updated);
        Assert.Throws<OperationCanceledException>(() => set.Commit(new CancellationToken(canceled: true)));
        AssertUntouched(dir, files);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Unix_file_mode_is_kept()
    {
        var (dir, files) = FourFiles();
        using var _ = dir;
        File.SetUnixFileMode(files[0].Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var set = new AtomicFileSet();
        set.Add(files[0].Path, files[0].Original, files[0].Updated);
        set.Commit(TestContext.Current.CancellationToken);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(files[0].Path));
    }
}
