using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// Finds the files that carry the project version: the configured ones, or — with no configuration —
/// the usual places per ecosystem. Detection only looks where a version file can conventionally be,
/// so its cost does not grow with the size of the tree.
/// </summary>
public static class VersionFileLocator
{
    private static readonly string[] PythonVersionModules = { "__init__.py", "_version.py", "version.py", "__version__.py", "__about__.py" };
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.OrdinalIgnoreCase)
    {
        ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
        "__pycache__", "bin", "obj", "out", "dist", "build", "artifacts", "tests", "test", "docs", "samples", "examples",
    };

    /// <summary>The files to bump, each with the reading of its current version.</summary>
    public static IReadOnlyList<(VersionFile File, TextFileContent Content)> Locate(X0Config config, IX0Log log)
    {
        var root = config.Root;
        var files = new List<VersionFile>();
        foreach (var setting in config.VersionFiles)
        {
            files.Add(FromSetting(setting, root));
        }
        if (config.DetectVersionFiles)
        {
            foreach (var detected in Detect(root, log))
            {
                if (!files.Any(f => f.FullPath == detected.FullPath))
                {
                    files.Add(detected);
                }
            }
        }
        if (config.LegacyVersionHolder is { } holder && !files.Any(f => f is LegacyConfigVersionFile))
        {
            var holderFile = new LegacyConfigVersionFile(holder.Path, root, holder.Section, holder.Toml);
            files.Add(holderFile);
            // A search configured for the config file itself ('version = "{current_version}"' in pyproject.toml)
            // would also hit 'current_version = …'; that line is the holder's, not the pattern's.
            foreach (var pattern in files.OfType<PatternVersionFile>().Where(p => p.FullPath == holderFile.FullPath))
            {
                pattern.IgnoredSection = (holder.Section, holder.Toml);
            }
        }
        if (files.Count == 0)
        {
            throw new X0Exception(ErrorIds.NoVersionFiles, X0ErrorCategory.ObjectNotFound,
                "a version file: pyproject.toml [project].version, a package __init__.py with __version__, " +
                "Directory.Build.props or *.csproj with <Version>, a *.psd1 module manifest or package.json",
                $"none in {root}",
                "Run from the project root (-Path), or list the files under version_files in [tool.x0tta6bl4]", root);
        }
        return files.Select(f => (f, TextFileContent.Read(f.FullPath))).ToList();
    }

    internal static VersionFile FromSetting(VersionFileSetting s, string root)
    {
        var full = Path.GetFullPath(Path.Combine(root, s.Path));
        var name = Path.GetFileName(full);
        if (s.PreferDetectedAnchor)
        {
            VersionFile? kind = name.ToLowerInvariant() switch
            {
                "pyproject.toml" => PyprojectKind(full, root),
                "package.json" => new PackageJsonVersionFile(full, root),
                var n when n.EndsWith(".py", StringComparison.Ordinal) => new PythonModuleVersionFile(full, root),
                var n when n.EndsWith(".csproj", StringComparison.Ordinal) || n.EndsWith(".props", StringComparison.Ordinal) => new MsBuildVersionFile(full, root),
                var n when n.EndsWith(".psd1", StringComparison.Ordinal) => new PowerShellManifestVersionFile(full, root),
                _ => null,
            };
            if (kind is not null && (!File.Exists(full) || HoldsItsKind(kind, full)))
            {
                return kind;
            }
            // The file does not have the shape its name suggests (setup.py with version="…" rather than
            // __version__): the configured search applies, with its exact-count check.
        }
        var scheme = s.Scheme ?? (name.EndsWith(".py", StringComparison.OrdinalIgnoreCase) || name.Equals("pyproject.toml", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".cfg", StringComparison.OrdinalIgnoreCase) ? VersionScheme.Pep440 : VersionScheme.SemVer);
        return new PatternVersionFile(full, root, s.Search ?? "{current_version}", s.Replace, scheme, s.Count, s.IsRegex);
    }

    private static bool HoldsItsKind(VersionFile kind, string full)
    {
        try
        {
            return kind.TryRead(TextFileContent.Read(full), out _);
        }
        catch (X0Exception)
        {
            // Unreadable: keep the kind so the real error surfaces when the file is read for the bump.
            return true;
        }
    }

    private static VersionFile PyprojectKind(string full, string root)
    {
        if (File.Exists(full))
        {
            var text = File.ReadAllText(full);
            if (PyprojectVersionFile.FindTable(text, "project").Start < 0 && PyprojectVersionFile.FindTable(text, "tool.poetry").Start >= 0)
            {
                return new PyprojectVersionFile(full, root, "tool.poetry");
            }
        }
        return new PyprojectVersionFile(full, root);
    }

    /// <summary>Conventional version files under <paramref name="root"/> that hold a literal version.</summary>
    public static IEnumerable<VersionFile> Detect(string root, IX0Log log)
    {
        var candidates = new List<VersionFile>();

        var pyproject = Path.Combine(root, "pyproject.toml");
        if (File.Exists(pyproject))
        {
            candidates.Add(new PyprojectVersionFile(pyproject, root));
            candidates.Add(new PyprojectVersionFile(pyproject, root, "tool.poetry"));
            foreach (var package in PythonPackageDirectories(root))
            {
                foreach (var module in PythonVersionModules)
                {
                    var p = Path.Combine(package, module);
                    if (File.Exists(p)) candidates.Add(new PythonModuleVersionFile(p, root));
                }
            }
        }

        var props = Path.Combine(root, "Directory.Build.props");
        if (File.Exists(props)) candidates.Add(new MsBuildVersionFile(props, root));
        foreach (var csproj in EnumerateShallow(root, "*.csproj", depth: 3)) candidates.Add(new MsBuildVersionFile(csproj, root));

        // src/<Module>/<Module>.psd1 is the usual module layout: as deep as projects are searched.
        foreach (var psd1 in EnumerateShallow(root, "*.psd1", depth: 3)) candidates.Add(new PowerShellManifestVersionFile(psd1, root));

        var packageJson = Path.Combine(root, "package.json");
        if (File.Exists(packageJson)) candidates.Add(new PackageJsonVersionFile(packageJson, root));

        foreach (var candidate in candidates)
        {
            if (IsVersionFile(candidate, log))
            {
                log.Verbose($"Version file detected: {candidate}");
                yield return candidate;
            }
        }
    }

    /// <summary>
    /// True when the candidate holds its kind of version; false when it simply is not such a file.
    /// A file that has the anchor but cannot be read, parsed or bumped stops the run naming the file:
    /// dropping it would release the other files without it.
    /// </summary>
    private static bool IsVersionFile(VersionFile candidate, IX0Log log)
    {
        try
        {
            candidate.Read(TextFileContent.Read(candidate.FullPath));
            return true;
        }
        catch (X0Exception ex) when (ex.ErrorId == ErrorIds.PatternNotFound)
        {
            log.Verbose($"Not a version file: {candidate.RelativePath} has no {candidate.Anchor}");
            return false;
        }
        catch (X0Exception ex)
        {
            throw new X0Exception(ex.ErrorId, ex.Category,
                $"every detected version file to hold a version that can be bumped ({candidate.RelativePath}: {candidate.Anchor})",
                ex.Found, $"{ex.Fix.TrimEnd('.')}; or list the version files under version_files in [tool.x0tta6bl4] to leave it out. Nothing was changed",
                candidate.FullPath, ex);
        }
    }

    private static IEnumerable<string> PythonPackageDirectories(string root)
    {
        var src = Path.Combine(root, "src");
        var parents = Directory.Exists(src) ? new[] { src, root } : new[] { root };
        foreach (var parent in parents)
        {
            foreach (var dir in SafeDirectories(parent))
            {
                var name = Path.GetFileName(dir);
                if (SkippedDirectories.Contains(name) || name.StartsWith('.') || (parent == root && name == "src"))
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

    private static IEnumerable<string> EnumerateShallow(string root, string pattern, int depth)
    {
        var level = new List<string> { root };
        for (var d = 0; d < depth && level.Count > 0; d++)
        {
            var next = new List<string>();
            foreach (var dir in level)
            {
                string[] files;
                try
                {
                    files = Directory.GetFiles(dir, pattern);
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                {
                    continue;
                }
                foreach (var f in files.OrderBy(f => f, StringComparer.Ordinal)) yield return f;
                next.AddRange(SafeDirectories(dir).Where(s => !SkippedDirectories.Contains(Path.GetFileName(s)) && !Path.GetFileName(s).StartsWith('.')));
            }
            level = next;
        }
    }

    private static IEnumerable<string> SafeDirectories(string dir)
    {
        try
        {
            return Directory.GetDirectories(dir).OrderBy(d => d, StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return Array.Empty<string>();
        }
    }
}
