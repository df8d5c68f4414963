using System.Collections.Concurrent;
using System.Globalization;
using X0tta6bl4.Core.Processes;

namespace X0tta6bl4.Core.Testing.Tools;

/// <summary>A Python interpreter and what it has installed.</summary>
public sealed record PythonInterpreter(string Path, string Version, IReadOnlySet<string> Modules, string Origin)
{
    public bool Has(string module) => Modules.Contains(module);
    /// <summary>"3.11" from "3.11.2".</summary>
    public string MinorVersion => string.Join('.', Version.Split('.').Take(2));
}

/// <summary>
/// Finds tools in the project's environment: Python interpreters (the active virtual environment, the project's
/// .venv/ or venv/, then python3/python on PATH — each probed once for the modules it really has, so a pyenv
/// shim without pytest does not hide the system interpreter that has it), Python versions for a matrix
/// (python3.X on PATH, pyenv, uv), executables on PATH, Pester and PSScriptAnalyzer.
/// </summary>
public sealed class ToolLocator
{
    /// <summary>Modules probed in every interpreter (one start-up per interpreter).</summary>
    public static readonly string[] ProbedModules = ["pytest", "pytest_cov", "coverage", "flake8", "mypy", "black", "ruff", "build", "twine"];

    private const string ProbeScript =
        "import sys, importlib.util as u\n" +
        "print('%d.%d.%d' % sys.version_info[:3])\n" +
        "print(sys.prefix != getattr(sys, 'base_prefix', sys.prefix))\n" +
        "for m in sys.argv[1:]:\n" +
        "    try:\n" +
        "        ok = u.find_spec(m) is not None\n" +
        "    except Exception:\n" +
        "        ok = False\n" +
        "    print(m if ok else '')\n";

    private readonly IReadOnlyDictionary<string, string?> _env;
    private readonly ConcurrentDictionary<string, Task<PythonInterpreter?>> _probes = new(StringComparer.Ordinal);

    public ToolLocator(IReadOnlyDictionary<string, string?> environment)
    {
        _env = environment;
    }

    public string? Env(string name) => _env.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    public IReadOnlyDictionary<string, string?> Environment => _env;

    /// <summary>Every match of <paramref name="name"/> on PATH, in PATH order.</summary>
    public IReadOnlyList<string> FindAllOnPath(string name)
    {
        var result = new List<string>();
        var exts = OperatingSystem.IsWindows()
            ? (Env("PATHEXT") ?? ".EXE;.CMD;.BAT").Split(';').Prepend(string.Empty).ToArray()
            : new[] { string.Empty };
        foreach (var dir in (Env("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            foreach (var ext in exts)
            {
                var candidate = System.IO.Path.Combine(dir, name + ext);
                if (File.Exists(candidate) && !result.Contains(candidate)) result.Add(candidate);
            }
        }
        return result;
    }

    public string? FindOnPath(string name) => FindAllOnPath(name).FirstOrDefault();

    private static string VenvPython(string venv) => OperatingSystem.IsWindows()
        ? System.IO.Path.Combine(venv, "Scripts", "python.exe")
        : System.IO.Path.Combine(venv, "bin", "python");

    /// <summary>The project's interpreters in order of preference: active venv, .venv/, venv/, then PATH.</summary>
    public IReadOnlyList<(string Path, string Origin)> PythonCandidates(string projectRoot)
    {
        var list = new List<(string, string)>();
        if (Env("VIRTUAL_ENV") is { } active) list.Add((VenvPython(active), "active virtual environment"));
        foreach (var name in new[] { ".venv", "venv" })
        {
            list.Add((VenvPython(System.IO.Path.Combine(projectRoot, name)), $"{name}/"));
        }
        foreach (var name in new[] { "python3", "python" })
        {
            foreach (var p in FindAllOnPath(name))
            {
                var shim = ResolvePyenvShim(p, name, projectRoot);
                if (shim == string.Empty) continue; // "system": the real interpreter follows on PATH
                list.Add((shim ?? p, shim is null ? "PATH" : "pyenv"));
            }
        }
        // A venv's python is often a symlink to the base interpreter, yet another environment: never merge those.
        return list.Where(c => File.Exists(c.Item1)).DistinctBy(c => c.Item2 is "PATH" or "pyenv" ? Canonical(c.Item1) : c.Item1).ToList();
    }

    /// <summary>
    /// A pyenv shim is a script that starts pyenv to pick the interpreter (slow, and it hides which one).
    /// Resolve it the way pyenv does — PYENV_VERSION, then .python-version from the project upwards, then the
    /// global version file — to the interpreter itself. Returns null when <paramref name="path"/> is no shim or
    /// cannot be resolved, and an empty string for the "system" version.
    /// </summary>
    internal string? ResolvePyenvShim(string path, string name, string projectRoot)
    {
        var root = Env("PYENV_ROOT") ?? (Env("HOME") is { } home ? System.IO.Path.Combine(home, ".pyenv") : null);
        if (root is null || !string.Equals(System.IO.Path.GetDirectoryName(path), System.IO.Path.Combine(root, "shims"), StringComparison.Ordinal)) return null;
        string? versions = Env("PYENV_VERSION");
        if (versions is null)
        {
            for (var dir = new DirectoryInfo(projectRoot); dir is not null && versions is null; dir = dir.Parent)
            {
                var file = System.IO.Path.Combine(dir.FullName, ".python-version");
                if (File.Exists(file)) versions = File.ReadAllText(file);
            }
        }
        if (versions is null)
        {
            var global = System.IO.Path.Combine(root, "version");
            versions = File.Exists(global) ? File.ReadAllText(global) : "system";
        }
        foreach (var version in versions.Split(new[] { '\n', '\r', ' ', ':' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (version.StartsWith('#')) continue;
            if (version == "system") return string.Empty;
            var candidate = System.IO.Path.Combine(root, "versions", version, "bin", name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The path with symbolic links resolved (file and folder), to probe each interpreter once.</summary>
    internal static string Canonical(string path)
    {
        try
        {
            var file = new FileInfo(path);
            var target = file.LinkTarget is null ? file.FullName : (file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName);
            var dir = new DirectoryInfo(System.IO.Path.GetDirectoryName(target)!);
            var realDir = dir.LinkTarget is null ? dir.FullName : (dir.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dir.FullName);
            return System.IO.Path.Combine(realDir, System.IO.Path.GetFileName(target));
        }
        catch (IOException)
        {
            return path;
        }
    }

    /// <summary>Interpreters that may be Python <paramref name="minor"/> (e.g. "3.11"): PATH, pyenv, uv, and the project's own.</summary>
    public async Task<IReadOnlyList<(string Path, string Origin)>> PythonVersionCandidates(string projectRoot, string minor, CancellationToken cancellation)
    {
        var list = new List<(string, string)>(PythonCandidates(projectRoot));
        var exe = OperatingSystem.IsWindows() ? "python.exe" : $"python{minor}";
        foreach (var p in FindAllOnPath(exe))
        {
            var shim = ResolvePyenvShim(p, exe, projectRoot);
            if (shim == string.Empty) continue;
            list.Add((shim ?? p, shim is null ? "PATH" : "pyenv"));
        }
        var pyenvRoot = Env("PYENV_ROOT") ?? (Env("HOME") is { } home ? System.IO.Path.Combine(home, ".pyenv") : null);
        if (pyenvRoot is not null && Directory.Exists(System.IO.Path.Combine(pyenvRoot, "versions")))
        {
            foreach (var dir in Directory.EnumerateDirectories(System.IO.Path.Combine(pyenvRoot, "versions"))
                         .Where(d => System.IO.Path.GetFileName(d).StartsWith(minor + ".", StringComparison.Ordinal))
                         .OrderByDescending(d => System.IO.Path.GetFileName(d), StringComparer.Ordinal))
            {
                list.Add((VenvPython(dir), "pyenv"));
            }
        }
        if (FindOnPath("uv") is { } uv)
        {
            try
            {
                var r = await ProcessRunner.RunAsync(new ProcessSpec(uv, ["python", "find", minor], projectRoot), cancellation).ConfigureAwait(false);
                var found = r.StandardOutput.Trim();
                if (r.Succeeded && found.Length > 0) list.Add((found, "uv"));
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
            {
                // uv present but unusable: the other candidates still count.
            }
        }
        return list.Where(c => File.Exists(c.Item1)).DistinctBy(c => Canonical(c.Item1)).ToList();
    }

    /// <summary>Starts the interpreter once and asks which of <see cref="ProbedModules"/> it has; null when it does not start.</summary>
    public Task<PythonInterpreter?> ProbeAsync(string path, string origin, CancellationToken cancellation) =>
        _probes.GetOrAdd(path, p => ProbeCoreAsync(p, origin, cancellation));

    private static async Task<PythonInterpreter?> ProbeCoreAsync(string path, string origin, CancellationToken cancellation)
    {
        try
        {
            var args = new List<string> { "-c", ProbeScript };
            args.AddRange(ProbedModules);
            var r = await ProcessRunner.RunAsync(new ProcessSpec(path, args, System.IO.Path.GetTempPath())
            {
                Environment = new Dictionary<string, string?> { ["PYTHONDONTWRITEBYTECODE"] = "1" },
            }, cancellation).ConfigureAwait(false);
            if (!r.Succeeded) return null;
            var lines = r.StandardOutput.Split('\n').Select(l => l.Trim()).ToList();
            if (lines.Count < 2) return null;
            var modules = lines.Skip(2).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
            var isVenv = lines[1] == "True";
            return new PythonInterpreter(path, lines[0], modules, isVenv && origin == "PATH" ? "virtual environment on PATH" : origin);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            return null;
        }
    }

    /// <summary>The first of the project's interpreters that has <paramref name="module"/>; also returns every interpreter probed.</summary>
    public async Task<(PythonInterpreter? Match, IReadOnlyList<PythonInterpreter> Probed)> FindPythonWith(string projectRoot, string module, CancellationToken cancellation)
    {
        var probed = new List<PythonInterpreter>();
        foreach (var (path, origin) in PythonCandidates(projectRoot))
        {
            var p = await ProbeAsync(path, origin, cancellation).ConfigureAwait(false);
            if (p is null) continue;
            probed.Add(p);
            if (p.Has(module)) return (p, probed);
        }
        return (null, probed);
    }

    /// <summary>Pester's manifest: config pester_path, then X0_PESTER_PATH, then PSModulePath, then the NuGet package cache.</summary>
    public (string? Path, IReadOnlyList<string> Searched) FindPester(string? configured)
    {
        var searched = new List<string>();
        foreach (var (value, label) in new[] { (configured, "pester_path"), (Env("X0_PESTER_PATH"), "X0_PESTER_PATH") })
        {
            if (value is null) continue;
            searched.Add($"{label}={value}");
            var manifest = Directory.Exists(value) ? ModuleManifestIn(value, "Pester") : value;
            if (manifest is not null && File.Exists(manifest)) return (manifest, searched);
        }
        var fromModulePath = FindModule("Pester", new Version(5, 0), searched);
        if (fromModulePath is not null) return (fromModulePath, searched);

        var nugetRoot = Env("NUGET_PACKAGES") ?? ((Env("HOME") ?? Env("USERPROFILE")) is { } home ? System.IO.Path.Combine(home, ".nuget", "packages") : null);
        var nuget = nugetRoot is null ? null : System.IO.Path.Combine(nugetRoot, "pester");
        if (nuget is not null)
        {
            searched.Add(nuget);
            if (Directory.Exists(nuget))
            {
                var best = Directory.EnumerateDirectories(nuget)
                    .Select(d => (Dir: d, Version: Version.TryParse(System.IO.Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
                    .Where(x => x.Version is not null && x.Version >= new Version(5, 0) && File.Exists(System.IO.Path.Combine(x.Dir, "tools", "Pester.psd1")))
                    .OrderByDescending(x => x.Version)
                    .FirstOrDefault();
                if (best.Dir is not null) return (System.IO.Path.Combine(best.Dir, "tools", "Pester.psd1"), searched);
            }
        }
        return (null, searched);
    }

    /// <summary>A module's highest version (at least <paramref name="minimum"/>) on PSModulePath.</summary>
    public string? FindModule(string name, Version minimum, List<string>? searched = null)
    {
        foreach (var dir in (Env("PSModulePath") ?? string.Empty).Split(System.IO.Path.PathSeparator).Where(d => d.Length > 0))
        {
            searched?.Add(dir);
            var moduleDir = System.IO.Path.Combine(dir, name);
            if (!Directory.Exists(moduleDir)) continue;
            var flat = System.IO.Path.Combine(moduleDir, name + ".psd1");
            var best = Directory.EnumerateDirectories(moduleDir)
                .Select(d => (Dir: d, Version: Version.TryParse(System.IO.Path.GetFileName(d), out var v) ? v : null))
                .Where(x => x.Version is not null && x.Version >= minimum && File.Exists(System.IO.Path.Combine(x.Dir, name + ".psd1")))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (best.Dir is not null) return System.IO.Path.Combine(best.Dir, name + ".psd1");
            if (File.Exists(flat)) return flat;
        }
        return null;
    }

    private static string? ModuleManifestIn(string dir, string name)
    {
        var direct = System.IO.Path.Combine(dir, name + ".psd1");
        if (File.Exists(direct)) return direct;
        var tools = System.IO.Path.Combine(dir, "tools", name + ".psd1");
        return File.Exists(tools) ? tools : null;
    }

    internal static string Display(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
