using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>The kinds of entry a build context carries (sockets, FIFOs and devices never are).</summary>
public enum ContextEntryKind { Directory, File, SymbolicLink }

/// <summary>One path of the build context as it goes into the tar stream.</summary>
/// <param name="Name">Slash-separated path relative to the context root.</param>
public sealed record ContextEntry(string Name, string FullPath, ContextEntryKind Kind, long Length, int Mode,
    DateTimeOffset Modified, string? LinkTarget);

/// <summary>Counts from the validation walk (also what progress reports measure against).</summary>
public sealed record BuildContextSummary(int Files, int Directories, int Links, long Bytes)
{
    public int Entries => Files + Directories + Links;
}

/// <summary>
/// A docker build context: the files of a directory that .dockerignore lets through, walked and
/// filtered exactly as the docker CLI walks them, and streamed as a tar archive through a small
/// bounded buffer — never whole in memory, whatever the context's size. Symlinks go in as links
/// (one that leaves the context is refused), long or non-ASCII names use PAX headers, modes and
/// modification times are kept, owners are root as the CLI sends them.
/// </summary>
public sealed class BuildContext
{
    private const int PipeHighWater = 1 << 20;
    private readonly IgnoreMatcher _matcher;
    private readonly byte[]? _outsideDockerfile;
    private readonly byte[]? _rewrittenIgnoreFile;
    private int _ignoreReinclusion = -1;   // index of the "!.dockerignore" the classic daemon needs

    private BuildContext(string directory, string dockerfileName, IReadOnlyList<string> patterns,
        byte[]? outsideDockerfile, byte[]? rewrittenIgnoreFile, string dockerfilePath)
    {
        Directory = directory;
        DockerfileName = dockerfileName;
        Patterns = patterns;
        DockerfilePath = dockerfilePath;
        _matcher = new IgnoreMatcher(patterns);
        _outsideDockerfile = outsideDockerfile;
        _rewrittenIgnoreFile = rewrittenIgnoreFile;
    }

    /// <summary>The context root (full path).</summary>
    public string Directory { get; }
    /// <summary>The Dockerfile on disk.</summary>
    public string DockerfilePath { get; }
    /// <summary>The Dockerfile's name inside the context, as the build API's <c>dockerfile</c> parameter.</summary>
    public string DockerfileName { get; }
    /// <summary>The effective patterns, including the CLI's re-inclusion of the Dockerfile and .dockerignore.</summary>
    public IReadOnlyList<string> Patterns { get; }
    /// <summary>True when the Dockerfile lives outside the context and travels under a generated name.</summary>
    public bool DockerfileOutsideContext => _outsideDockerfile is not null;

    /// <summary>
    /// Resolves the context directory and the Dockerfile (default: Dockerfile, else dockerfile, in the
    /// context), reads .dockerignore and validates its patterns. Reads only.
    /// </summary>
    /// <exception cref="X0Exception">X0.PathNotFound, X0.DockerfileNotFound, X0.BuildContextInvalid.</exception>
    public static BuildContext Open(string contextDirectory, string? dockerfile = null)
    {
        var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(contextDirectory));
        if (!System.IO.Directory.Exists(dir))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound,
                "a build context directory", $"no directory {dir}", "Pass -Context with an existing directory", dir);
        }
        dir = ResolveDirectoryLinks(dir);

        string dockerfilePath;
        if (string.IsNullOrEmpty(dockerfile))
        {
            dockerfilePath = Path.Combine(dir, "Dockerfile");
            if (!File.Exists(dockerfilePath) && File.Exists(Path.Combine(dir, "dockerfile")))
            {
                dockerfilePath = Path.Combine(dir, "dockerfile");
            }
        }
        else
        {
            dockerfilePath = Path.GetFullPath(dockerfile);
        }
        if (!File.Exists(dockerfilePath))
        {
            throw new X0Exception(ErrorIds.DockerfileNotFound, X0ErrorCategory.ObjectNotFound,
                "a Dockerfile", $"none at {dockerfilePath}", "Create it, or pass -Dockerfile with its path", dockerfilePath);
        }
        var resolvedDockerfile = File.ResolveLinkTarget(dockerfilePath, returnFinalTarget: true)?.FullName ?? dockerfilePath;

        var patterns = DockerIgnoreFile.Read(dir).ToList();
        // Validate before anything else uses them.
        var matcher = new IgnoreMatcher(patterns);

        var relative = Path.GetRelativePath(dir, resolvedDockerfile).Replace('\\', '/');
        var outside = relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative);
        if (outside)
        {
            // The CLI ships an outside Dockerfile under a random name and lists that name (and, when it
            // creates the file, .dockerignore itself) in .dockerignore so the daemon drops both again.
            var name = ".dockerfile." + Convert.ToHexString(RandomNumberGenerator.GetBytes(10)).ToLowerInvariant();
            var ignorePath = Path.Combine(dir, DockerIgnoreFile.FileName);
            var ignoreText = File.Exists(ignorePath) ? File.ReadAllText(ignorePath, new UTF8Encoding(false)) : DockerIgnoreFile.FileName;
            var rewritten = Encoding.UTF8.GetBytes(ignoreText + "\n" + name + "\n");
            return new BuildContext(dir, name, patterns, File.ReadAllBytes(resolvedDockerfile), rewritten, resolvedDockerfile);
        }

        // The daemon needs the Dockerfile and .dockerignore even when .dockerignore excludes them; it
        // removes them from what COPY sees itself.
        var ignoreReinclusion = -1;
        if (matcher.MatchesOrParentMatches(DockerIgnoreFile.FileName))
        {
            ignoreReinclusion = patterns.Count;
            patterns.Add("!" + DockerIgnoreFile.FileName);
        }
        if (matcher.MatchesOrParentMatches(relative))
        {
            patterns.Add("!" + relative);
        }
        return new BuildContext(dir, relative, patterns, null, null, resolvedDockerfile) { _ignoreReinclusion = ignoreReinclusion };
    }

    /// <summary>
    /// The context as a BuildKit build reads it from the request body: what COPY sees is exactly the
    /// tar (BuildKit applies no .dockerignore to a tar context), so .dockerignore stays out when it
    /// excludes itself and an outside Dockerfile needs no rewritten .dockerignore. Only the Dockerfile
    /// must be there for the frontend to read, even when .dockerignore excludes it.
    /// </summary>
    public BuildContext ForBuildKit()
    {
        var patterns = Patterns.Where((_, i) => i != _ignoreReinclusion).ToList();
        return new BuildContext(Directory, DockerfileName, patterns, _outsideDockerfile, null, DockerfilePath);
    }

    /// <summary>
    /// Walks the context once: every included file must be readable and no included link may leave the
    /// context. Returns the counts the transfer is measured against.
    /// </summary>
    public BuildContextSummary Validate(CancellationToken cancellation = default)
    {
        int files = 0, dirs = 0, links = 0;
        long bytes = 0;
        foreach (var entry in Walk(cancellation))
        {
            switch (entry.Kind)
            {
                case ContextEntryKind.Directory: dirs++; break;
                case ContextEntryKind.SymbolicLink: links++; break;
                default:
                    files++;
                    bytes += entry.Length;
                    if (entry.Length > 0) CheckReadable(entry);
                    break;
            }
        }
        if (_outsideDockerfile is not null)
        {
            files++;
            bytes += _outsideDockerfile.Length;
        }
        return new BuildContextSummary(files, dirs, links, bytes);
    }

    /// <summary>The included entries in the CLI's walk order (lexical, depth first). Lazy: nothing is kept.</summary>
    public IEnumerable<ContextEntry> Walk(CancellationToken cancellation = default)
    {
        // Each frame: a directory's children still to visit, plus the directory's match results.
        var stack = new Stack<(IEnumerator<FileSystemInfo> Children, string Prefix, IgnoreMatchInfo Info)>();
        stack.Push((List(Directory), string.Empty, IgnoreMatchInfo.None));
        try
        {
            while (stack.Count > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                var (children, prefix, parentInfo) = stack.Peek();
                if (!children.MoveNext())
                {
                    children.Dispose();
                    stack.Pop();
                    continue;
                }
                var info = children.Current;
                var name = prefix + info.Name;
                // The enumeration already knows which entries are links; readlink only those.
                var isLink = info.Attributes.HasFlag(FileAttributes.ReparsePoint) && info.LinkTarget is not null;
                var isDir = !isLink && info is DirectoryInfo;

                var excluded = _matcher.Matches(name, parentInfo, out var matchInfo);
                if (excluded)
                {
                    // An excluded directory is still entered when an exception pattern may re-include
                    // something below it — judged the way the CLI judges it, by the pattern's prefix.
                    if (isDir && _matcher.HasExclusions && ExceptionReaches(name))
                    {
                        stack.Push((List(info.FullName), name + "/", matchInfo));
                    }
                    continue;
                }

                var entry = ToEntry(info, name, isLink, isDir);
                if (entry is null)
                {
                    continue;
                }
                if (isLink)
                {
                    CheckLinkStaysInside(entry);
                }
                yield return entry;
                if (isDir)
                {
                    stack.Push((List(info.FullName), name + "/", matchInfo));
                }
            }
        }
        finally
        {
            while (stack.Count > 0) stack.Pop().Children.Dispose();
        }
    }

    /// <summary>Writes the whole context as a tar archive to <paramref name="output"/>.</summary>
    /// <param name="progress">Receives the number of context bytes (file contents) written so far.</param>
    public async Task WriteTarAsync(Stream output, IProgress<long>? progress = null, CancellationToken cancellation = default)
    {
        var written = 0L;
        var lastReport = Stopwatch.StartNew();
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        if (_outsideDockerfile is not null)
        {
            await WriteGeneratedAsync(tar, DockerfileName, _outsideDockerfile, cancellation).ConfigureAwait(false);
            written += _outsideDockerfile.Length;
            if (_rewrittenIgnoreFile is not null && !File.Exists(Path.Combine(Directory, DockerIgnoreFile.FileName)))
            {
                await WriteGeneratedAsync(tar, DockerIgnoreFile.FileName, _rewrittenIgnoreFile!, cancellation).ConfigureAwait(false);
            }
        }
        foreach (var entry in Walk(cancellation))
        {
            if (_rewrittenIgnoreFile is not null && entry.Name == DockerIgnoreFile.FileName && entry.Kind == ContextEntryKind.File)
            {
                await WriteGeneratedAsync(tar, entry.Name, _rewrittenIgnoreFile, cancellation, entry).ConfigureAwait(false);
                continue;
            }
            var header = NewEntry(entry);
            if (entry.Kind == ContextEntryKind.File && entry.Length > 0)
            {
                var stream = new FileStream(entry.FullPath, new FileStreamOptions
                {
                    Mode = FileMode.Open,
                    Access = FileAccess.Read,
                    Share = FileShare.ReadWrite,
                    Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
                    BufferSize = 0,
                });
                await using (stream.ConfigureAwait(false))
                {
                    header.DataStream = stream;
                    await tar.WriteEntryAsync(header, cancellation).ConfigureAwait(false);
                }
                written += entry.Length;
            }
            else
            {
                await tar.WriteEntryAsync(header, cancellation).ConfigureAwait(false);
            }
            if (progress is not null && lastReport.ElapsedMilliseconds >= 200)
            {
                progress.Report(written);
                lastReport.Restart();
            }
        }
        progress?.Report(written);
    }

    /// <summary>
    /// The tar archive as a readable stream, produced on a background task through a bounded pipe
    /// (about 1 MiB in flight). A failure while producing (a file vanished, a link escapes) surfaces as
    /// the reader's exception, so a half-sent context can never be taken for a whole one.
    /// </summary>
    public Stream OpenTarStream(IProgress<long>? progress = null, CancellationToken cancellation = default)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: PipeHighWater, resumeWriterThreshold: PipeHighWater / 2,
            minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
        _ = Task.Run(async () =>
        {
            try
            {
                var sink = pipe.Writer.AsStream(leaveOpen: true);
                await using (sink.ConfigureAwait(false))
                {
                    await WriteTarAsync(sink, progress, cancellation).ConfigureAwait(false);
                }
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
            }
        }, CancellationToken.None);
        return pipe.Reader.AsStream();
    }

    private static async Task WriteGeneratedAsync(TarWriter tar, string name, byte[] content, CancellationToken cancellation, ContextEntry? like = null)
    {
        var entry = NewEntry(new ContextEntry(name, string.Empty, ContextEntryKind.File, content.Length,
            like?.Mode ?? Convert.ToInt32("600", 8), like?.Modified ?? DateTimeOffset.UtcNow, null));
        entry.DataStream = new MemoryStream(content, writable: false);
        await tar.WriteEntryAsync(entry, cancellation).ConfigureAwait(false);
    }

    private static TarEntry NewEntry(ContextEntry e)
    {
        var type = e.Kind switch
        {
            ContextEntryKind.Directory => TarEntryType.Directory,
            ContextEntryKind.SymbolicLink => TarEntryType.SymbolicLink,
            _ => TarEntryType.RegularFile,
        };
        var name = e.Kind == ContextEntryKind.Directory ? e.Name + "/" : e.Name;
        // USTAR when the names fit (as Go's archive/tar chooses); PAX for long or non-ASCII names.
        TarEntry entry = FitsUstar(name, e.LinkTarget, e.Length)
            ? new UstarTarEntry(type, name)
            : new PaxTarEntry(type, name);
        entry.Mode = (UnixFileMode)(e.Mode & 0xFFF);
        entry.ModificationTime = e.Modified;
        entry.Uid = 0;
        entry.Gid = 0;
        if (e.LinkTarget is not null) entry.LinkName = e.LinkTarget;
        return entry;
    }

    internal static bool FitsUstar(string name, string? link, long length) =>
        // Names up to 100 characters fit a plain USTAR header; anything longer (or non-ASCII, or a
        // file of 8 GiB or more) gets PAX records, which every tar reader in the chain understands.
        length < 8L * 1024 * 1024 * 1024 && name.Length <= 100 && IsAscii(name)
        && (link is null || (link.Length <= 100 && IsAscii(link)));

    private static bool IsAscii(string s)
    {
        foreach (var c in s)
        {
            if (c > 0x7E || c < 0x20) return false;
        }
        return true;
    }

    private bool ExceptionReaches(string directory)
    {
        var dirSlash = directory + "/";
        foreach (var p in _matcher.Patterns)
        {
            if (p.Exclusion && (p.Text + "/").StartsWith(dirSlash, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerator<FileSystemInfo> List(string directory)
    {
        FileSystemInfo[] items;
        try
        {
            items = new DirectoryInfo(directory).GetFileSystemInfos();
        }
        catch (UnauthorizedAccessException ex)
        {
            throw Unreadable(directory, ex);
        }
        Array.Sort(items, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return ((IEnumerable<FileSystemInfo>)items).GetEnumerator();
    }

    private static ContextEntry? ToEntry(FileSystemInfo info, string name, bool isLink, bool isDir)
    {
        var modified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
        if (isLink)
        {
            // lstat reports 0777 for every link on Linux; the CLI copies that.
            return new ContextEntry(name, info.FullName, ContextEntryKind.SymbolicLink, 0, Convert.ToInt32("777", 8), modified, info.LinkTarget);
        }
        var mode = ModeOf(info, isDir);
        if (isDir)
        {
            return new ContextEntry(name, info.FullName, ContextEntryKind.Directory, 0, mode, modified, null);
        }
        if (info is FileInfo file)
        {
            return new ContextEntry(name, info.FullName, ContextEntryKind.File, file.Length, mode, modified, null);
        }
        return null;
    }

    private static int ModeOf(FileSystemInfo info, bool isDir)
    {
        if (OperatingSystem.IsWindows())
        {
            // Windows has no mode bits; the CLI sends 0755 for everything.
            return Convert.ToInt32("755", 8);
        }
        return (int)info.UnixFileMode;
    }

    private void CheckLinkStaysInside(ContextEntry link)
    {
        var target = link.LinkTarget!.Replace('\\', '/');
        var escapes = target.StartsWith('/') || Path.IsPathRooted(link.LinkTarget!);
        if (!escapes)
        {
            var resolved = GoPath.Clean(GoPath.Dir(link.Name) + "/" + target);
            escapes = resolved == ".." || resolved.StartsWith("../", StringComparison.Ordinal);
        }
        if (escapes)
        {
            throw new X0Exception(ErrorIds.BuildContextLinkEscapes, X0ErrorCategory.SecurityError,
                "symbolic links in the build context to stay inside it",
                $"{link.Name} -> {link.LinkTarget}, which points outside {Directory}",
                $"Make the link relative and inside the context, replace it with a copy, or exclude it in .dockerignore (add the line '{link.Name}')",
                link.FullPath);
        }
    }

    private static void CheckReadable(ContextEntry entry)
    {
        try
        {
            using var handle = File.OpenHandle(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw Unreadable(entry.FullPath, ex);
        }
    }

    private static X0Exception Unreadable(string path, Exception ex) =>
        new(ErrorIds.BuildContextInvalid, X0ErrorCategory.ReadError,
            "every file the build context includes to be readable", $"{path}: {ex.Message}",
            "Fix its permissions, or exclude it in .dockerignore", path, ex);

    private static string ResolveDirectoryLinks(string dir)
    {
        var info = new DirectoryInfo(dir);
        return info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dir : dir;
    }
}
