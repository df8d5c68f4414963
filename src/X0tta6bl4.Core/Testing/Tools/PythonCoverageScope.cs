using System.Text.RegularExpressions;
using Tomlyn.Model;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Testing.Tools;

/// <summary>
/// What coverage.py measures for a Python project. A bare <c>--cov</c> measures every file Python runs — on a
/// Debian Python that is pytest and pluggy in /usr/lib/python3/dist-packages — so the project's own code is
/// chosen unless its coverage configuration already says what to measure:
/// <list type="bullet">
/// <item>[run] source, source_pkgs or include in .coveragerc, setup.cfg [coverage:run], tox.ini [coverage:run]
/// or pyproject.toml [tool.coverage.run] → a bare --cov; the configuration decides, omit and all.</item>
/// <item>a coverage configuration without them → --cov=&lt;each detected source&gt;; its omit, branch and report
/// settings still apply.</item>
/// <item>no coverage configuration → a generated rc file with the detected sources and the tests, virtual
/// environments and build output omitted.</item>
/// </list>
/// The detected sources are the packages and modules under src/, else the importable packages and modules at the
/// project root that are not tests, docs, examples or tooling.
/// </summary>
internal static partial class PythonCoverageScope
{
    /// <summary>Omitted when the project has no coverage configuration.</summary>
    public static readonly string[] DefaultOmit =
    [
        "*/tests/*", "*/test/*", "tests/*", "test/*", "*/test_*.py", "*_test.py", "test_*.py", "*/conftest.py", "conftest.py",
        ".venv/*", "venv/*", ".tox/*", ".nox/*", "build/*", "dist/*", "*/site-packages/*", "*/dist-packages/*",
    ];

    private static readonly HashSet<string> NotSources = new(StringComparer.OrdinalIgnoreCase)
    {
        "tests", "test", "testing", "docs", "doc", "examples", "example", "scripts", "tools", "benchmarks", "bench",
        "build", "dist", "venv", "env", "site-packages", "node_modules", "artifacts", "out", "htmlcov",
    };

    private static readonly HashSet<string> NotSourceModules = new(StringComparer.OrdinalIgnoreCase)
    {
        "setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py", "manage.py", "docs.py",
    };

    /// <summary>Where the project's coverage configuration lives and whether it chooses the measured files.</summary>
    public sealed record Configuration(string? File, bool ChoosesFiles);

    /// <summary>The pytest-cov arguments, plus the rc file to write first (path, content) when one is generated.</summary>
    public sealed record Plan(IReadOnlyList<string> Arguments, IReadOnlyList<string> Sources, Configuration Config, (string Path, string Content)? RcFile)
    {
        public string Describe() => Config.ChoosesFiles
            ? $"what {Path.GetFileName(Config.File)} configures"
            : Sources.Count == 0 ? "the project folder" : string.Join(", ", Sources);
    }

    public static Plan For(string projectRoot, string rcPath)
    {
        var config = FindConfiguration(projectRoot);
        if (config.ChoosesFiles) return new Plan(["--cov"], Array.Empty<string>(), config, null);
        var sources = DetectSources(projectRoot);
        if (config.File is not null)
        {
            var args = sources.Count == 0 ? new List<string> { "--cov=." } : sources.Select(s => $"--cov={s}").ToList();
            return new Plan(args, sources, config, null);
        }
        var rc = "# Written by x0tta6bl4: the project has no coverage configuration, so its own code is measured.\n[run]\n"
                 + "source =\n" + string.Concat((sources.Count == 0 ? ["."] : sources).Select(s => $"    {s}\n"))
                 + "omit =\n" + string.Concat(DefaultOmit.Select(o => $"    {o}\n"));
        return new Plan(["--cov", $"--cov-config={rcPath}"], sources, config, (rcPath, rc));
    }

    /// <summary>The first coverage configuration coverage.py itself would read, in its order.</summary>
    public static Configuration FindConfiguration(string root)
    {
        var rc = Path.Combine(root, ".coveragerc");
        if (File.Exists(rc)) return new Configuration(rc, IniChooses(File.ReadAllText(rc), "run"));
        foreach (var name in new[] { "setup.cfg", "tox.ini" })
        {
            var path = Path.Combine(root, name);
            if (!File.Exists(path)) continue;
            var text = File.ReadAllText(path);
            if (IniSection().IsMatch(text)) return new Configuration(path, IniChooses(text, "coverage:run"));
        }
        var pyproject = Path.Combine(root, "pyproject.toml");
        if (File.Exists(pyproject))
        {
            TomlTable? coverage = null;
            try
            {
                coverage = ConfigLoader.Table(ConfigLoader.ParseToml(pyproject), "tool", "coverage");
            }
            catch (X0Exception)
            {
                // A broken pyproject.toml is reported by pytest itself.
            }
            if (coverage is not null)
            {
                var run = ConfigLoader.Table(coverage, "run");
                return new Configuration(pyproject, run is not null && (run.ContainsKey("source") || run.ContainsKey("source_pkgs") || run.ContainsKey("include")));
            }
        }
        return new Configuration(null, false);
    }

    [GeneratedRegex(@"^\s*\[coverage:[a-z_]+\]", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex IniSection();

    [GeneratedRegex(@"^\s*(source|source_pkgs|include)\s*[=:]", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex ChoosingKey();

    private static bool IniChooses(string text, string section)
    {
        var header = new Regex(@"^\s*\[" + Regex.Escape(section) + @"\]\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant).Match(text);
        if (!header.Success) return false;
        var rest = text[(header.Index + header.Length)..];
        var next = Regex.Match(rest, @"^\s*\[", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        return ChoosingKey().IsMatch(next.Success ? rest[..next.Index] : rest);
    }

    /// <summary>The project's own code as paths relative to its root (forward slashes): src/'s entries, else the root's.</summary>
    public static IReadOnlyList<string> DetectSources(string root)
    {
        var src = Path.Combine(root, "src");
        if (Directory.Exists(src))
        {
            var inSrc = Importables(src, "src/").ToList();
            return inSrc.Count > 0 ? inSrc : ["src"];
        }
        return Importables(root, string.Empty).ToList();
    }

    /// <summary>Packages as folder paths; single-file modules by module name (coverage.py takes a name that is no folder as importable).</summary>
    private static IEnumerable<string> Importables(string dir, string prefix)
    {
        foreach (var d in Directory.EnumerateDirectories(dir).OrderBy(x => x, StringComparer.Ordinal))
        {
            var name = Path.GetFileName(d);
            if (name.StartsWith('.') || name.StartsWith('_') || name.EndsWith(".egg-info", StringComparison.Ordinal) || NotSources.Contains(name)) continue;
            if (!IsIdentifier(name)) continue;
            // A package, or a namespace package holding Python files.
            if (File.Exists(Path.Combine(d, "__init__.py")) || Directory.EnumerateFiles(d, "*.py", SearchOption.TopDirectoryOnly).Any()) yield return prefix + name;
        }
        foreach (var f in Directory.EnumerateFiles(dir, "*.py").OrderBy(x => x, StringComparer.Ordinal))
        {
            var name = Path.GetFileName(f);
            if (NotSourceModules.Contains(name) || name.StartsWith("test_", StringComparison.Ordinal) || name.EndsWith("_test.py", StringComparison.Ordinal)) continue;
            var module = name[..^3];
            if (IsIdentifier(module)) yield return module;
        }
    }

    private static bool IsIdentifier(string name) => name.Length > 0 && !char.IsDigit(name[0]) && name.All(c => char.IsLetterOrDigit(c) || c == '_');
}
