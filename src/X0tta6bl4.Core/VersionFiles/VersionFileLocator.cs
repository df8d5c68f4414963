using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// Finds the files that carry the project version: the configured ones, or — with no configuration —
/// the usual places per ecosystem. Detection only looks where a version file can conventionally be,
/// so its cost does not grow with the size of the tree.
/// </summary>
/// <summary>The files a bump edits with their content; or none, and why, when the version is derived from tags.</summary>
public sealed record LocatedVersionFiles(IReadOnlyList<(VersionFile File, TextFileContent Content)> Files, string? TagSource);

/// <summary>What detection found: the files, and for a tag-derived Python version, why there is none.</summary>
public sealed record VersionDetection(IReadOnlyList<VersionFile> Files, string? TagSource);

public static class VersionFileLocator
{
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.OrdinalIgnoreCase)
    {
        ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
        "__pycache__", "bin", "obj", "out", "dist", "build", "artifacts", "tests", "test", "docs", "samples", "examples",
    };

    /// <summary>The files to bump, each with its content; refuses a project with none.</summary>
    public static IReadOnlyList<(VersionFile File, TextFileContent Content)> Locate(X0Config config, IX0Log log)
    {
        var located = LocateAll(config, log);
        if (located.TagSource is not null)
        {
            throw new X0Exception(ErrorIds.NoVersionFiles, X0ErrorCategory.ObjectNotFound,
                "a version file", $"none in {config.Root}: {located.TagSource}",
                "The release tag is the version: tag-only releases need the tags, not a file", config.Root);
        }
        return located.Files;
    }

    /// <summary>The configured and detected files with their content, or none when the build derives the version from tags.</summary>
    public static LocatedVersionFiles LocateAll(X0Config config, IX0Log log)
    {
        var root = config.Root;
        var files = new List<VersionFile>();
        var source = config.Sources.Count > 0 ? config.Sources[0] : "the configuration";
        // A bump2version configuration's files follow its own templates (Bump2VersionPlanner); what states the
        // version for reading is its current_version.
        foreach (var setting in config.Bump2Version is null ? config.VersionFiles : Array.Empty<VersionFileSetting>())
        {
            files.Add(PythonLayout.Reasoned(FromSetting(setting, root), $"listed in {source}"));
        }
        string? tagSource = null;
        if (config.DetectVersionFiles && config.Bump2Version is null)
        {
            var detection = DetectAll(root, log);
            tagSource = detection.TagSource;
            files.AddRange(detection.Files.Where(d => !files.Any(f => f.FullPath == d.FullPath)));
        }
        if (config.LegacyVersionHolder is { } holder && !files.Any(f => f is LegacyConfigVersionFile))
        {
            var holderFile = new LegacyConfigVersionFile(holder.Path, root, holder.Section, holder.Toml)
            {
                Reason = "current_version of the bump2version / bump-my-version configuration",
            };
            files.Add(holderFile);
            // A search configured for the config file itself ('version = "{current_version}"' in pyproject.toml)
            // would also hit 'current_version = …'; that line is the holder's, not the pattern's.
            foreach (var pattern in files.OfType<PatternVersionFile>().Where(p => p.FullPath == holderFile.FullPath))
            {
                pattern.IgnoredSection = (holder.Section, holder.Toml);
            }
        }
        if (files.Count == 0 && tagSource is null)
        {
            throw new X0Exception(ErrorIds.NoVersionFiles, X0ErrorCategory.ObjectNotFound,
                "a version file: pyproject.toml ([project], [tool.poetry], or the file its build backend reads), setup.cfg or setup.py, " +
                "a package's __version__ module, VERSION, Directory.Build.props or *.csproj with <Version>, a *.psd1 module manifest, " +
                "package.json, Cargo.toml or Chart.yaml",
                $"none in {root}",
                "Run from the project root (-Path), or list the files under version_files in [tool.x0tta6bl4]", root);
        }
        return new LocatedVersionFiles(files.Select(f => (f, TextFileContent.Read(f.FullPath))).ToList(), files.Count == 0 ? tagSource : null);
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
    public static IEnumerable<VersionFile> Detect(string root, IX0Log log) => DetectAll(root, log).Files;

    /// <summary>
    /// The version files of every mainstream layout under <paramref name="root"/>, each with the reason it
    /// was chosen; or, for a Python build that derives its version from git tags, why there is no file.
    /// </summary>
    public static VersionDetection DetectAll(string root, IX0Log log)
    {
        var python = PythonLayout.Detect(root);
        var candidates = new List<VersionFile>(python.Files);

        // Directory.Build.props, and the props files it commonly imports for the version (Directory.Version.props,
        // version.props; build/ and eng/ as Arcade-style repositories keep them).
        foreach (var folder in new[] { root, Path.Combine(root, "build"), Path.Combine(root, "eng") })
        {
            if (!Directory.Exists(folder)) continue;
            foreach (var props in Directory.GetFiles(folder, "*.props").OrderBy(p => Path.GetFileName(p) == "Directory.Build.props" ? 0 : 1).ThenBy(p => p, StringComparer.Ordinal))
            {
                candidates.Add(PythonLayout.Reasoned(new MsBuildVersionFile(props, root), $"<Version>/<VersionPrefix> in {Path.GetRelativePath(root, props).Replace('\\', '/')}"));
            }
        }
        foreach (var csproj in EnumerateShallow(root, "*.csproj", depth: 3))
        {
            candidates.Add(PythonLayout.Reasoned(new MsBuildVersionFile(csproj, root), "<Version>/<VersionPrefix> in a project file"));
        }

        // src/<Module>/<Module>.psd1 is the usual module layout: as deep as projects are searched.
        foreach (var psd1 in EnumerateShallow(root, "*.psd1", depth: 3))
        {
            candidates.Add(PythonLayout.Reasoned(new PowerShellManifestVersionFile(psd1, root), "ModuleVersion in a module manifest"));
        }

        var packageJson = Path.Combine(root, "package.json");
        if (File.Exists(packageJson)) candidates.Add(PythonLayout.Reasoned(new PackageJsonVersionFile(packageJson, root), "\"version\" in package.json"));

        var cargo = Path.Combine(root, "Cargo.toml");
        if (File.Exists(cargo))
        {
            candidates.Add(PythonLayout.Reasoned(PyprojectVersionFile.Cargo(cargo, root), "[package].version in Cargo.toml"));
            candidates.Add(PythonLayout.Reasoned(PyprojectVersionFile.Cargo(cargo, root, "workspace.package"), "[workspace.package].version in Cargo.toml"));
        }

        var chart = Path.Combine(root, "Chart.yaml");
        if (File.Exists(chart)) candidates.Add(PythonLayout.Reasoned(RegexVersionFile.HelmChart(chart, root), "the chart's version in Chart.yaml"));

        foreach (var name in new[] { "VERSION", "VERSION.txt" })
        {
            var plain = Path.Combine(root, name);
            if (File.Exists(plain) && !candidates.Any(c => c.FullPath == Path.GetFullPath(plain)))
            {
                var scheme = python.Files.Count > 0 || python.TagSource is not null ? VersionScheme.Pep440 : VersionScheme.SemVer;
                candidates.Add(PythonLayout.Reasoned(new PlainVersionFile(plain, root, scheme), $"a {name} file that holds only the version"));
            }
        }

        var found = new List<VersionFile>();
        foreach (var candidate in candidates)
        {
            if (IsVersionFile(candidate, log))
            {
                log.Verbose($"Version file detected: {candidate} ({candidate.Reason})");
                found.Add(candidate);
            }
        }
        if (python.TagSource is not null)
        {
            log.Verbose($"No version file for Python: {python.TagSource}");
        }
        return new VersionDetection(found, python.TagSource);
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
            if (!File.Exists(candidate.FullPath) && !candidate.Required)
            {
                return false;
            }
            candidate.Read(TextFileContent.Read(candidate.FullPath));
            return true;
        }
        catch (X0Exception ex) when (ex.ErrorId == ErrorIds.PatternNotFound && !candidate.Required)
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
