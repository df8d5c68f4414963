using System.Text.RegularExpressions;
using Tomlyn.Model;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>What a Python project's layout says about its version: files to bump, or a version its build derives from tags.</summary>
/// <param name="TagSource">Set when the build backend derives the version from git tags (setuptools_scm, hatch-vcs…): why.</param>
public sealed record PythonVersionSources(IReadOnlyList<VersionFile> Files, string? TagSource);

/// <summary>
/// Follows a Python project to where its build backend reads the version, as the backend would:
/// PEP 621 <c>[project].version</c>, or <c>dynamic = ["version"]</c> resolved through setuptools'
/// <c>[tool.setuptools.dynamic]</c>, hatch's <c>[tool.hatch.version]</c>, flit's module <c>__version__</c>,
/// pdm's <c>[tool.pdm.version]</c>; Poetry's <c>[tool.poetry]</c>; setup.cfg <c>[metadata] version</c>
/// (literal, <c>attr:</c>, <c>file:</c>); setup.py <c>version="…"</c>; and the package's own
/// <c>__version__</c> modules. Versions derived from tags (setuptools_scm, hatch-vcs, versioningit,
/// pdm scm, poetry-dynamic-versioning) have no file: the tag is the release.
/// </summary>
public static class PythonLayout
{
    private static readonly Regex PyModules = new(@"py_modules\s*=\s*\[(?<list>[^\]]*)\]", RegexOptions.CultureInvariant);
    private static readonly string[] VersionModules = { "__init__.py", "_version.py", "version.py", "__version__.py", "__about__.py" };
    private static readonly HashSet<string> NotPackages = new(StringComparer.OrdinalIgnoreCase)
    {
        "tests", "test", "docs", "doc", "examples", "samples", "benchmarks", "build", "dist", "scripts", "tools", "venv", "env",
    };

    public static PythonVersionSources Detect(string root)
    {
        var files = new List<VersionFile>();
        var pyprojectPath = Path.Combine(root, "pyproject.toml");
        var setupCfgPath = Path.Combine(root, "setup.cfg");
        var setupPyPath = Path.Combine(root, "setup.py");
        var pyproject = File.Exists(pyprojectPath) ? ConfigLoader.ParseToml(pyprojectPath) : null;
        if (pyproject is null && !File.Exists(setupCfgPath) && !File.Exists(setupPyPath))
        {
            return new PythonVersionSources(files, null);
        }

        if (pyproject is not null)
        {
            if (TagSource(pyproject) is { } tagSource)
            {
                return new PythonVersionSources(files, tagSource);
            }
            var project = ConfigLoader.Table(pyproject, "project");
            if (project is not null && project.ContainsKey("version"))
            {
                files.Add(Reasoned(new PyprojectVersionFile(pyprojectPath, root), "PEP 621 [project].version in pyproject.toml"));
            }
            else if (ConfigLoader.Str(ConfigLoader.Table(pyproject, "tool", "poetry"), "version") is not null)
            {
                files.Add(Reasoned(new PyprojectVersionFile(pyprojectPath, root, "tool.poetry"), "Poetry's [tool.poetry].version in pyproject.toml"));
            }
            if (project is not null && IsDynamic(project))
            {
                files.AddRange(DynamicSources(pyproject, project, root));
            }
        }
        if (File.Exists(setupPyPath) && File.ReadAllText(setupPyPath).Contains("use_scm_version", StringComparison.Ordinal))
        {
            // setuptools_scm through setup.py (pluggy before its pyproject.toml): the tag is the version.
            return new PythonVersionSources(Array.Empty<VersionFile>(), "setuptools_scm derives the version from git tags (use_scm_version in setup.py)");
        }
        if (File.Exists(setupCfgPath))
        {
            files.AddRange(SetupCfgSources(setupCfgPath, root));
        }
        if (File.Exists(setupPyPath))
        {
            files.Add(Reasoned(RegexVersionFile.SetupPy(setupPyPath, root), "setup(version=…) in setup.py"));
            // A single-module distribution (py_modules=['pluggy']): the module file holds __version__.
            foreach (Match m in PyModules.Matches(File.ReadAllText(setupPyPath)))
            {
                foreach (Match name in Regex.Matches(m.Groups["list"].Value, @"['""](?<n>[\w.]+)['""]"))
                {
                    if (ModuleFile(name.Groups["n"].Value, root, pyproject) is { } module && !files.Any(f => f.FullPath == Path.GetFullPath(module)))
                    {
                        files.Add(Reasoned(new PythonModuleVersionFile(module, root), $"__version__ in the module {name.Groups["n"].Value} (py_modules in setup.py)"));
                    }
                }
            }
        }
        foreach (var package in PackageDirectories(root, pyproject))
        {
            foreach (var module in VersionModules)
            {
                var p = Path.Combine(package, module);
                if (File.Exists(p) && !files.Any(f => f.FullPath == Path.GetFullPath(p)))
                {
                    files.Add(Reasoned(new PythonModuleVersionFile(p, root), $"__version__ in the package's {module}"));
                }
            }
        }
        return new PythonVersionSources(files, null);
    }

    /// <summary>Why the version comes from git tags, or null when files hold it.</summary>
    public static string? TagSource(TomlTable pyproject)
    {
        var requires = ConfigLoader.Table(pyproject, "build-system")?.TryGetValue("requires", out var r) == true && r is TomlArray a
            ? a.OfType<string>().Select(s => s.ToLowerInvariant().Replace('_', '-')).ToList()
            : new List<string>();
        var project = ConfigLoader.Table(pyproject, "project");
        var dynamic = project is not null && IsDynamic(project);
        if (ConfigLoader.Table(pyproject, "tool", "setuptools_scm") is not null || ConfigLoader.Table(pyproject, "tool", "setuptools-scm") is not null
            || (dynamic && requires.Any(x => x.StartsWith("setuptools-scm", StringComparison.Ordinal))
                && ConfigLoader.Table(pyproject, "tool", "setuptools", "dynamic")?.ContainsKey("version") != true))
        {
            return "setuptools_scm derives the version from git tags ([tool.setuptools_scm] or setuptools-scm in build-system.requires)";
        }
        if (ConfigLoader.Str(ConfigLoader.Table(pyproject, "tool", "hatch", "version"), "source") is "vcs")
        {
            return "hatch-vcs derives the version from git tags ([tool.hatch.version] source = \"vcs\")";
        }
        if (ConfigLoader.Table(pyproject, "tool", "versioningit") is not null)
        {
            return "versioningit derives the version from git tags ([tool.versioningit])";
        }
        if (ConfigLoader.Str(ConfigLoader.Table(pyproject, "tool", "pdm", "version"), "source") is "scm")
        {
            return "pdm-backend derives the version from git tags ([tool.pdm.version] source = \"scm\")";
        }
        if (ConfigLoader.Bool(ConfigLoader.Table(pyproject, "tool", "poetry-dynamic-versioning"), "enable") == true)
        {
            return "poetry-dynamic-versioning derives the version from git tags ([tool.poetry-dynamic-versioning] enable = true)";
        }
        return null;
    }

    private static bool IsDynamic(TomlTable project) =>
        project.TryGetValue("dynamic", out var d) && d is TomlArray arr && arr.OfType<string>().Contains("version");

    private static IEnumerable<VersionFile> DynamicSources(TomlTable pyproject, TomlTable project, string root)
    {
        var backend = ConfigLoader.Str(ConfigLoader.Table(pyproject, "build-system"), "build-backend") ?? "setuptools.build_meta:__legacy__";
        var setuptoolsDynamic = ConfigLoader.Table(pyproject, "tool", "setuptools", "dynamic");
        if (setuptoolsDynamic is not null && setuptoolsDynamic.TryGetValue("version", out var spec))
        {
            const string why = "[tool.setuptools.dynamic] version";
            if (spec is TomlTable t && ConfigLoader.Str(t, "attr") is { } attr)
            {
                if (AttributeFile(attr, root, pyproject, $"{why} = {{attr = \"{attr}\"}}") is { } f) yield return f;
            }
            else if (spec is TomlTable ft && ft.TryGetValue("file", out var file))
            {
                var first = file is TomlArray fa ? fa.OfType<string>().FirstOrDefault() : file as string;
                if (first is not null) yield return Reasoned(new PlainVersionFile(Path.Combine(root, first), root, VersionScheme.Pep440), $"{why} = {{file = \"{first}\"}}", required: true);
            }
            yield break;
        }
        var hatch = ConfigLoader.Table(pyproject, "tool", "hatch", "version");
        if (backend.StartsWith("hatchling", StringComparison.Ordinal) && ConfigLoader.Str(hatch, "path") is { } hatchPath)
        {
            var full = Path.Combine(root, hatchPath);
            var why = $"[tool.hatch.version] path = \"{hatchPath}\"";
            yield return ConfigLoader.Str(hatch, "pattern") is { } pattern
                ? Reasoned(RegexVersionFile.HatchPattern(full, root, pattern), why + " with its pattern", required: true)
                : Reasoned(new PythonModuleVersionFile(full, root, new[] { "__version__", "VERSION" }, ignoreCase: true), why, required: true);
            yield break;
        }
        var pdm = ConfigLoader.Table(pyproject, "tool", "pdm", "version");
        if (ConfigLoader.Str(pdm, "source") is "file" && ConfigLoader.Str(pdm, "path") is { } pdmPath)
        {
            yield return Reasoned(new PythonModuleVersionFile(Path.Combine(root, pdmPath), root), $"[tool.pdm.version] path = \"{pdmPath}\"", required: true);
            yield break;
        }
        if (backend.StartsWith("flit_core", StringComparison.Ordinal) || backend.StartsWith("flit.", StringComparison.Ordinal))
        {
            var module = ConfigLoader.Str(ConfigLoader.Table(pyproject, "tool", "flit", "module"), "name")
                         ?? ConfigLoader.Str(project, "name")?.Replace('-', '_').Replace('.', '_');
            if (module is not null && ModuleFile(module, root, pyproject) is { } path)
            {
                yield return Reasoned(new PythonModuleVersionFile(path, root), $"flit reads __version__ from the module {module}", required: true);
            }
        }
    }

    private static IEnumerable<VersionFile> SetupCfgSources(string path, string root)
    {
        var metadata = IniDocument.Parse(File.ReadAllText(path))["metadata"];
        if (metadata is null || !metadata.TryGetValue("version", out var value))
        {
            yield break;
        }
        value = value.Trim();
        if (value.StartsWith("attr:", StringComparison.Ordinal))
        {
            var attr = value[5..].Trim();
            if (AttributeFile(attr, root, null, $"setup.cfg [metadata] version = attr: {attr}") is { } f) yield return f;
        }
        else if (value.StartsWith("file:", StringComparison.Ordinal))
        {
            var file = value[5..].Split(',')[0].Trim();
            yield return Reasoned(new PlainVersionFile(Path.Combine(root, file), root, VersionScheme.Pep440), $"setup.cfg [metadata] version = file: {file}", required: true);
        }
        else
        {
            yield return Reasoned(new IniKeyVersionFile(path, root, "metadata"), "setup.cfg [metadata] version");
        }
    }

    /// <summary>The module file setuptools' attr: (pkg.mod.ATTR) points to, read for that attribute.</summary>
    private static VersionFile? AttributeFile(string attr, string root, TomlTable? pyproject, string why)
    {
        var dot = attr.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }
        var path = ModuleFile(attr[..dot], root, pyproject);
        return path is null ? null : Reasoned(new PythonModuleVersionFile(path, root, new[] { attr[(dot + 1)..] }), why, required: true);
    }

    /// <summary>pkg.sub → src/pkg/sub/__init__.py, src/pkg/sub.py, pkg/sub/__init__.py or pkg/sub.py (or the package-dir setting).</summary>
    private static string? ModuleFile(string dotted, string root, TomlTable? pyproject)
    {
        var relative = dotted.Replace('.', Path.DirectorySeparatorChar);
        foreach (var parent in SourceRoots(root, pyproject))
        {
            foreach (var candidate in new[] { Path.Combine(parent, relative, "__init__.py"), Path.Combine(parent, relative + ".py") })
            {
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static IEnumerable<string> SourceRoots(string root, TomlTable? pyproject)
    {
        if (ConfigLoader.Table(pyproject, "tool", "setuptools", "package-dir") is { } dirs && ConfigLoader.Str(dirs, "") is { } mapped)
        {
            yield return Path.Combine(root, mapped);
        }
        if (Directory.Exists(Path.Combine(root, "src"))) yield return Path.Combine(root, "src");
        yield return root;
    }

    private static IEnumerable<string> PackageDirectories(string root, TomlTable? pyproject)
    {
        foreach (var parent in SourceRoots(root, pyproject).Distinct())
        {
            IEnumerable<string> dirs;
            try
            {
                dirs = Directory.GetDirectories(parent).OrderBy(d => d, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                continue;
            }
            foreach (var dir in dirs)
            {
                var name = Path.GetFileName(dir);
                if (NotPackages.Contains(name) || name.StartsWith('.') || name.StartsWith('_') || (parent == root && name == "src"))
                {
                    continue;
                }
                if (File.Exists(Path.Combine(dir, "__init__.py")))
                {
                    yield return dir;
                }
            }
        }
    }

    internal static VersionFile Reasoned(VersionFile file, string reason, bool required = false)
    {
        file.Reason = reason;
        file.Required = required;
        return file;
    }
}
