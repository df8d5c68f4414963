using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace X0tta6bl4.Hosting;

/// <summary>
/// The module's private load context: X0tta6bl4.Core and every third-party assembly it uses load here
/// from the <c>dependencies/</c> folder, so another module's LibGit2Sharp, Octokit or Newtonsoft.Json in
/// the default context never collides with ours. Native libraries (libgit2, e_sqlite3) are resolved
/// from <c>dependencies/runtimes/&lt;rid&gt;/native/</c>, which pwsh itself never probes.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private readonly string _directory;
    private readonly string? _readyToRunDirectory;
    private readonly List<string> _searched = new();
    private string? _failure;

    public DependencyLoadContext(string directory) : base("x0tta6bl4", isCollectible: false)
    {
        _directory = directory;
        _readyToRunDirectory = FindReadyToRunDirectory(directory);
    }

    public string Directory => _directory;

    /// <summary>
    /// <c>dependencies/r2r/net&lt;major&gt;.0/&lt;rid&gt;/</c> when the build shipped ReadyToRun images for
    /// this runtime and platform, else null. The images hold the same IL as the portable copies next
    /// to them plus precompiled code, which spares a new pwsh most of the JIT work of the first call.
    /// </summary>
    public string? ReadyToRunDirectory => _readyToRunDirectory;

    /// <summary>Paths tried for the last native library that could not be found (for the error message).</summary>
    public IReadOnlyList<string> LastNativeSearch
    {
        get
        {
            lock (_searched) return _searched.ToList();
        }
    }

    /// <summary>A native library that was found but failed to load: its path and the loader's reason (null if none).</summary>
    public string? LastNativeFailure
    {
        get
        {
            lock (_searched) return _failure;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var file = assemblyName.Name + ".dll";
        var path = Path.Combine(_directory, file);
        // Framework assemblies (System.*) are not in dependencies/ and resolve from the default context.
        if (!File.Exists(path))
        {
            return null;
        }
        // A precompiled image is used only in place of a portable copy that exists: the set of
        // assemblies never depends on whether ReadyToRun images were shipped.
        if (_readyToRunDirectory is not null)
        {
            var precompiled = Path.Combine(_readyToRunDirectory, file);
            if (File.Exists(precompiled))
            {
                return LoadFromAssemblyPath(precompiled);
            }
        }
        return LoadFromAssemblyPath(path);
    }

    private static string? FindReadyToRunDirectory(string directory)
    {
        // ReadyToRun code is valid only on the runtime major version it was compiled for.
        var framework = Path.Combine(directory, "r2r", $"net{Environment.Version.Major}.0");
        if (!System.IO.Directory.Exists(framework))
        {
            return null;
        }
        return RuntimeIdentifiers().Select(rid => Path.Combine(framework, rid)).FirstOrDefault(System.IO.Directory.Exists);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var tried = new List<string>();
        foreach (var rid in RuntimeIdentifiers())
        {
            var native = Path.Combine(_directory, "runtimes", rid, "native");
            foreach (var file in FileNames(unmanagedDllName))
            {
                var candidate = Path.Combine(native, file);
                tried.Add(candidate);
                if (File.Exists(candidate))
                {
                    try
                    {
                        return LoadUnmanagedDllFromPath(candidate);
                    }
                    catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException or IOException)
                    {
                        // Present but unloadable (corrupt, wrong architecture, missing system dependency):
                        // keep the loader's reason, which "not found" would hide.
                        lock (_searched)
                        {
                            _searched.Clear();
                            _searched.AddRange(tried);
                            // The runtime's text ends with the loader's own line ("…: invalid ELF header").
                            var reason = ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? ex.Message;
                            _failure = reason.Contains(candidate, StringComparison.Ordinal) ? reason : $"{candidate}: {reason}";
                        }
                        return IntPtr.Zero;
                    }
                }
            }
        }
        lock (_searched)
        {
            _searched.Clear();
            _searched.AddRange(tried);
            _failure = null;
        }
        // Let the runtime try its default probing (a system libgit2, say) before failing.
        return IntPtr.Zero;
    }

    /// <summary>Most specific first: linux-musl-x64 before linux-x64, and so on.</summary>
    internal static IEnumerable<string> RuntimeIdentifiers()
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (OperatingSystem.IsWindows())
        {
            yield return $"win-{arch}";
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return $"osx-{arch}";
        }
        else
        {
            if (IsMusl()) yield return $"linux-musl-{arch}";
            yield return $"linux-{arch}";
        }
    }

    private static IEnumerable<string> FileNames(string name)
    {
        if (OperatingSystem.IsWindows())
        {
            yield return name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? name : name + ".dll";
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return "lib" + name + ".dylib";
            yield return name + ".dylib";
            yield return name;
        }
        else
        {
            yield return "lib" + name + ".so";
            yield return name + ".so";
            yield return name;
        }
    }

    private static bool IsMusl()
    {
        try
        {
            return File.Exists("/etc/alpine-release")
                || System.IO.Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
        }
        catch (Exception)
        {
            return false;
        }
    }
}
