using System.Reflection;
using System.Runtime.InteropServices;

namespace X0tta6bl4.Core.Git;

/// <summary>
/// The history walk straight on libgit2 — the native library LibGit2Sharp already ships and loads —
/// for the one loop where LibGit2Sharp's per-object wrappers cost more than the work itself (reading
/// every commit of a 100k-commit history). Reads exactly what notes need: id, parents, committer
/// time, author and message. When the library or an export cannot be found (another LibGit2Sharp
/// build), <see cref="TryOpen"/> returns null and the LibGit2Sharp walk is used instead.
/// </summary>
internal sealed unsafe class NativeHistoryWalk : IDisposable
{
    private static readonly Api? Native = Api.TryLoad();
    private readonly IntPtr _repo;

    private NativeHistoryWalk(IntPtr repo) => _repo = repo;

    /// <summary>True when libgit2's exports were found (else the LibGit2Sharp walk is used).</summary>
    public static bool IsAvailable => Native is not null;

    public static NativeHistoryWalk? TryOpen(string gitDirectory)
    {
        if (Native is null) return null;
        IntPtr repo;
        var path = Utf8(gitDirectory);
        fixed (byte* p = path)
        {
            if (Native.RepositoryOpen(&repo, p) != 0) return null;
        }
        return new NativeHistoryWalk(repo);
    }

    public void Dispose() => Native!.RepositoryFree(_repo);

    /// <summary>Same contract as the LibGit2Sharp walk: reachable from <paramref name="from"/>, not from <paramref name="exclude"/>, newest first (full SHAs).</summary>
    public List<GitCommit> Walk(string from, IReadOnlyList<string> exclude, bool firstParentOnly, CancellationToken cancellation)
    {
        const byte Queued = 1, Excluded = 2;
        var api = Native!;
        var flags = new Dictionary<Oid, byte>();
        var parentsOf = new Dictionary<Oid, Oid[]>();
        var queue = new PriorityQueue<(IntPtr Commit, Oid Id), (long Time, long Order)>(new NewestFirst());
        var collected = new List<(Oid Id, GitCommit Commit)>();
        long order = 0;
        var interestingQueued = 0;
        try
        {
            void MarkExcluded(Oid id)
            {
                var stack = new Stack<Oid>();
                stack.Push(id);
                while (stack.Count > 0)
                {
                    var current = stack.Pop();
                    if (!flags.TryGetValue(current, out var f) || (f & Excluded) != 0) continue;
                    flags[current] = (byte)(f | Excluded);
                    if ((f & Queued) != 0) interestingQueued--;
                    else if (parentsOf.TryGetValue(current, out var parents))
                    {
                        foreach (var p in parents) stack.Push(p);
                    }
                }
            }

            void Enqueue(Oid id, bool excluded)
            {
                if (flags.ContainsKey(id))
                {
                    if (excluded) MarkExcluded(id);
                    return;
                }
                IntPtr commit;
                if (api.CommitLookup(&commit, _repo, &id) != 0)
                {
                    // A missing parent (shallow clone boundary) ends that line of history.
                    return;
                }
                flags[id] = (byte)(Queued | (excluded ? Excluded : 0));
                if (!excluded) interestingQueued++;
                queue.Enqueue((commit, id), (api.CommitTime(commit), order++));
            }

            foreach (var e in exclude) Enqueue(Oid.Parse(e), excluded: true);
            Enqueue(Oid.Parse(from), excluded: false);

            var n = 0;
            while (interestingQueued > 0 && queue.TryDequeue(out var item, out var key))
            {
                var (commit, id) = item;
                try
                {
                    var f = flags[id];
                    flags[id] = (byte)(f & ~Queued);
                    var parentCount = (int)api.CommitParentCount(commit);
                    if ((f & Excluded) != 0)
                    {
                        for (uint i = 0; i < parentCount; i++) Enqueue(*api.CommitParentId(commit, i), excluded: true);
                        continue;
                    }
                    interestingQueued--;
                    if ((++n & 1023) == 0) cancellation.ThrowIfCancellationRequested();

                    var parents = new string[parentCount];
                    var followed = new Oid[firstParentOnly ? Math.Min(1, parentCount) : parentCount];
                    for (uint i = 0; i < parentCount; i++)
                    {
                        var pid = *api.CommitParentId(commit, i);
                        parents[i] = pid.ToHex();
                        if (i < followed.Length) followed[i] = pid;
                    }
                    var author = api.CommitAuthor(commit);
                    var result = new GitCommit(id.ToHex(), parents, Utf8String(api.CommitMessage(commit)),
                        Utf8String(author->Name), Utf8String(author->Email), When(author->When), When(key.Time, 0));
                    foreach (var p in followed) Enqueue(p, excluded: false);
                    parentsOf[id] = followed;
                    collected.Add((id, result));
                }
                finally
                {
                    api.CommitFree(commit);
                }
            }
        }
        finally
        {
            while (queue.TryDequeue(out var rest, out _)) api.CommitFree(rest.Commit);
        }
        var range = new List<GitCommit>(collected.Count);
        foreach (var (id, c) in collected)
        {
            if ((flags[id] & Excluded) == 0) range.Add(c);
        }
        return range;
    }

    private static DateTimeOffset When(GitTime t) => When(t.Time, t.Offset);

    private static DateTimeOffset When(long seconds, int offsetMinutes)
    {
        var offset = offsetMinutes is >= -14 * 60 and <= 14 * 60 ? TimeSpan.FromMinutes(offsetMinutes) : TimeSpan.Zero;
        return DateTimeOffset.FromUnixTimeSeconds(seconds).ToOffset(offset);
    }

    private static string Utf8String(byte* p) => p == null ? string.Empty : Marshal.PtrToStringUTF8((IntPtr)p) ?? string.Empty;

    private static byte[] Utf8(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    private sealed class NewestFirst : IComparer<(long Time, long Order)>
    {
        public int Compare((long Time, long Order) x, (long Time, long Order) y)
        {
            var c = y.Time.CompareTo(x.Time);
            return c != 0 ? c : x.Order.CompareTo(y.Order);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct GitTime
    {
        public long Time;
        public int Offset;
        public byte Sign;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct GitSignature
    {
        public byte* Name;
        public byte* Email;
        public GitTime When;
    }

    /// <summary>A SHA-1 object id, as libgit2 lays it out (20 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 20)]
    private struct Oid : IEquatable<Oid>
    {
        private ulong _a;
        private ulong _b;
        private uint _c;

        public static Oid Parse(string hex)
        {
            if (hex.Length != 40) throw new ArgumentException($"Expected a full 40-character SHA, got '{hex}'", nameof(hex));
            var oid = default(Oid);
            var bytes = new Span<byte>(&oid, 20);
            for (var i = 0; i < 20; i++) bytes[i] = (byte)((Nibble(hex[2 * i]) << 4) | Nibble(hex[2 * i + 1]));
            return oid;
        }

        public string ToHex()
        {
            var copy = this;
            return string.Create(40, copy, static (chars, oid) =>
            {
                var bytes = new ReadOnlySpan<byte>(&oid, 20);
                const string digits = "0123456789abcdef";
                for (var i = 0; i < 20; i++)
                {
                    chars[2 * i] = digits[bytes[i] >> 4];
                    chars[2 * i + 1] = digits[bytes[i] & 0xF];
                }
            });
        }

        private static int Nibble(char c) => c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => throw new ArgumentException($"'{c}' is not a hex digit"),
        };

        public readonly bool Equals(Oid other) => _a == other._a && _b == other._b && _c == other._c;
        public override readonly bool Equals(object? obj) => obj is Oid o && Equals(o);
        public override readonly int GetHashCode() => (int)_a ^ (int)(_a >> 32);
    }

    /// <summary>The few libgit2 exports the walk needs, resolved from the library LibGit2Sharp loads.</summary>
    private sealed class Api
    {
        public delegate* unmanaged[Cdecl]<IntPtr*, byte*, int> RepositoryOpen;
        public delegate* unmanaged[Cdecl]<IntPtr, void> RepositoryFree;
        public delegate* unmanaged[Cdecl]<IntPtr*, IntPtr, Oid*, int> CommitLookup;
        public delegate* unmanaged[Cdecl]<IntPtr, void> CommitFree;
        public delegate* unmanaged[Cdecl]<IntPtr, byte*> CommitMessage;
        public delegate* unmanaged[Cdecl]<IntPtr, GitSignature*> CommitAuthor;
        public delegate* unmanaged[Cdecl]<IntPtr, long> CommitTime;
        public delegate* unmanaged[Cdecl]<IntPtr, uint> CommitParentCount;
        public delegate* unmanaged[Cdecl]<IntPtr, uint, Oid*> CommitParentId;

        public static Api? TryLoad()
        {
            if (Environment.GetEnvironmentVariable("X0_GIT_NATIVE_WALK") == "0") return null;
            try
            {
                var git = typeof(LibGit2Sharp.Repository).Assembly;
                // LibGit2Sharp loads libgit2 on first use; make sure it has, then ask for the same library.
                _ = LibGit2Sharp.GlobalSettings.Version;
                var name = git.GetType("LibGit2Sharp.Core.NativeDllName")?.GetField("Name", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(null) as string;
                if (name is null || !NativeLibrary.TryLoad(name, git, null, out var lib)) return null;
                // A walk reads each commit once: libgit2's object cache only stores and evicts (a fifth of
                // the walk's time on 100k commits), and hashing every object read to verify it is more
                // than git itself does on a read (about a tenth). Both are process-wide libgit2 settings;
                // nothing here relies on them.
                LibGit2Sharp.GlobalSettings.SetEnableCaching(false);
                LibGit2Sharp.GlobalSettings.SetStrictHashVerification(false);
                IntPtr E(string export) => NativeLibrary.TryGetExport(lib, export, out var f) ? f : throw new EntryPointNotFoundException(export);
                return new Api
                {
                    RepositoryOpen = (delegate* unmanaged[Cdecl]<IntPtr*, byte*, int>)E("git_repository_open"),
                    RepositoryFree = (delegate* unmanaged[Cdecl]<IntPtr, void>)E("git_repository_free"),
                    CommitLookup = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr, Oid*, int>)E("git_commit_lookup"),
                    CommitFree = (delegate* unmanaged[Cdecl]<IntPtr, void>)E("git_commit_free"),
                    CommitMessage = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)E("git_commit_message"),
                    CommitAuthor = (delegate* unmanaged[Cdecl]<IntPtr, GitSignature*>)E("git_commit_author"),
                    CommitTime = (delegate* unmanaged[Cdecl]<IntPtr, long>)E("git_commit_time"),
                    CommitParentCount = (delegate* unmanaged[Cdecl]<IntPtr, uint>)E("git_commit_parentcount"),
                    CommitParentId = (delegate* unmanaged[Cdecl]<IntPtr, uint, Oid*>)E("git_commit_parent_id"),
                };
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException or BadImageFormatException or TypeLoadException or InvalidOperationException)
            {
                return null;
            }
        }
    }
}
