using System.Globalization;
using System.Text.RegularExpressions;
using Tomlyn.Model;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing;

namespace X0tta6bl4.Core.Workflows;

/// <summary>What the workflows of a project are made from: its ecosystems, Python versions, .NET SDK and image targets.</summary>
public sealed record WorkflowProject
{
    public required string Root { get; init; }
    public bool Python { get; init; }
    public bool DotNet { get; init; }
    public bool PowerShell { get; init; }

    /// <summary>The test matrix: Python versions from the classifiers, else from requires-python.</summary>
    public IReadOnlyList<string> PythonVersions { get; init; } = Array.Empty<string>();
    /// <summary>Where the matrix came from, for -Verbose and the workflow's comment.</summary>
    public string PythonVersionsSource { get; init; } = string.Empty;
    /// <summary>The pip arguments that install the project with its test and lint tools.</summary>
    public string PipInstall { get; init; } = "-e .";

    /// <summary>global.json at the root (setup-dotnet reads the SDK from it).</summary>
    public bool GlobalJson { get; init; }
    /// <summary>The SDK channel for setup-dotnet when there is no global.json (8.0.x).</summary>
    public string DotNetChannel { get; init; } = "8.0.x";

    public bool Dockerfile { get; init; }
    /// <summary>The Dockerfile's development and production stages (dev, prod), in file order; empty: the last stage.</summary>
    public IReadOnlyList<string> ImageTargets { get; init; } = Array.Empty<string>();

    /// <summary>coverage_threshold is configured, so Invoke-X0Test needs no -CoverageThreshold.</summary>
    public bool CoverageConfigured { get; init; }

    public IEnumerable<string> Ecosystems =>
        new[] { (Python, "Python"), (DotNet, ".NET"), (PowerShell, "PowerShell") }.Where(e => e.Item1).Select(e => e.Item2);
}

/// <summary>Reads a project's facts for its workflows. Read-only.</summary>
public static partial class WorkflowProjectReader
{
    /// <summary>CPython versions a matrix may hold when the project names none (requires-python picks among them).</summary>
    public static readonly IReadOnlyList<string> KnownPythonVersions = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"];

    private static readonly string[] DevelopmentStages = ["dev", "development", "develop"];
    private static readonly string[] ProductionStages = ["prod", "production", "release", "runtime"];

    public static WorkflowProject Read(string root)
    {
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound, "a project directory", $"no directory {root}",
                "Pass -Path with the project root", root);
        }
        var atRoot = DetectAtRoot(root);
        var python = atRoot.Contains(ProjectKind.Python);
        var project = new WorkflowProject
        {
            Root = root,
            Python = python,
            DotNet = atRoot.Contains(ProjectKind.DotNet),
            PowerShell = atRoot.Contains(ProjectKind.PowerShell),
            GlobalJson = File.Exists(Path.Combine(root, "global.json")),
            DotNetChannel = DotNetChannel(root),
            CoverageConfigured = ConfigLoader.Load(root).Settings.ContainsKey(GateSettings.CoverageThresholdKey),
        };
        project = ReadDockerfile(project);
        return python ? ReadPython(project) : project;
    }

    private static HashSet<ProjectKind> DetectAtRoot(string root)
    {
        IReadOnlyList<DetectedProject> detected;
        try
        {
            detected = ProjectDetector.Detect(root);
        }
        catch (X0Exception ex) when (ex.ErrorId == ErrorIds.NotAProject)
        {
            detected = Array.Empty<DetectedProject>();
        }
        // Only the root's own projects: a sample or fixture below it has workflows of its own.
        var kinds = detected.Where(p => p.RelativePath == "." || (p.Kind == ProjectKind.DotNet && !p.RelativePath.Contains('/', StringComparison.Ordinal)))
            .Select(p => p.Kind).ToHashSet();
        if (kinds.Count == 0)
        {
            throw new X0Exception(ErrorIds.NotAProject, X0ErrorCategory.ObjectNotFound,
                "a Python project (pyproject.toml), a .NET solution or project, or a PowerShell module with Pester tests at the root",
                detected.Count == 0 ? $"none in {root}" : $"only projects below the root ({string.Join(", ", detected.Select(d => d.RelativePath))})",
                "Run New-X0Workflow in the repository root of the project, or pass -Path with it", root);
        }
        return kinds;
    }

    private static WorkflowProject ReadPython(WorkflowProject project)
    {
        var path = Path.Combine(project.Root, "pyproject.toml");
        // ConfigLoader's parser: the same TOML reading and the same error for a broken file.
        var table = File.Exists(path) ? ConfigLoader.ParseToml(path) : null;
        var meta = table is not null && table.TryGetValue("project", out var p) ? p as TomlTable : null;
        var requires = meta is not null && meta.TryGetValue("requires-python", out var r) ? r as string : null;
        var classifiers = meta is not null && meta.TryGetValue("classifiers", out var c) && c is TomlArray a
            ? a.OfType<string>().ToList() : new List<string>();
        var (versions, source) = PythonMatrix(requires, classifiers);
        return project with { PythonVersions = versions, PythonVersionsSource = source, PipInstall = PipInstall(meta) };
    }

    /// <summary>
    /// The versions to test: the classifiers' <c>Programming Language :: Python :: 3.X</c> that requires-python
    /// allows; without such classifiers the known versions requires-python allows; without either, the newest three.
    /// </summary>
    public static (IReadOnlyList<string> Versions, string Source) PythonMatrix(string? requiresPython, IReadOnlyList<string> classifiers)
    {
        var declared = classifiers.Select(c => ClassifierVersion().Match(c.Trim())).Where(m => m.Success).Select(m => m.Groups["v"].Value)
            .Distinct().OrderBy(MinorOf).ToList();
        var spec = requiresPython is null ? null : PythonSpecifier.Parse(requiresPython);
        if (declared.Count > 0)
        {
            var allowed = declared.Where(v => spec?.Allows(v) ?? true).ToList();
            if (allowed.Count > 0) return (allowed, requiresPython is null ? "classifiers" : $"classifiers within requires-python {requiresPython}");
        }
        if (spec is not null)
        {
            var allowed = KnownPythonVersions.Where(spec.Allows).ToList();
            if (allowed.Count > 0) return (allowed, $"requires-python {requiresPython}");
        }
        return (KnownPythonVersions.TakeLast(3).ToList(), "the newest CPython versions (no classifiers, no requires-python)");
    }

    private static int MinorOf(string v) => int.Parse(v.Split('.')[1], CultureInfo.InvariantCulture);

    private static string PipInstall(TomlTable? meta)
    {
        var extras = meta is not null && meta.TryGetValue("optional-dependencies", out var o) && o is TomlTable t ? t.Keys.ToList() : new List<string>();
        foreach (var name in new[] { "dev", "test", "tests" })
        {
            if (extras.Contains(name)) return $"-e '.[{name}]'";
        }
        // No extra names the tools: install the reference pipeline's.
        return "-e . pytest pytest-cov flake8 mypy black";
    }

    private static WorkflowProject ReadDockerfile(WorkflowProject project)
    {
        var path = Path.Combine(project.Root, "Dockerfile");
        if (!File.Exists(path)) return project;
        var stages = File.ReadLines(path).Select(l => FromLine().Match(l)).Where(m => m.Success && m.Groups["name"].Success)
            .Select(m => m.Groups["name"].Value).ToList();
        var targets = new List<string>();
        if (stages.FirstOrDefault(s => DevelopmentStages.Contains(s, StringComparer.OrdinalIgnoreCase)) is { } dev) targets.Add(dev);
        if (stages.FirstOrDefault(s => ProductionStages.Contains(s, StringComparer.OrdinalIgnoreCase)) is { } prod) targets.Add(prod);
        return project with { Dockerfile = true, ImageTargets = targets };
    }

    private static string DotNetChannel(string root)
    {
        var highest = new Version(8, 0);
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true };
            foreach (var file in Directory.EnumerateFiles(root, "*.*proj", options).Concat(Directory.EnumerateFiles(root, "Directory.Build.props", options)))
            {
                foreach (Match m in TargetFramework().Matches(File.ReadAllText(file)))
                {
                    var v = new Version(int.Parse(m.Groups["major"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["minor"].Value, CultureInfo.InvariantCulture));
                    if (v > highest) highest = v;
                }
            }
        }
        catch (IOException)
        {
            // An unreadable folder leaves the default channel.
        }
        return $"{highest.Major}.{highest.Minor}.x";
    }

    [GeneratedRegex(@"^Programming Language :: Python :: (?<v>3\.[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ClassifierVersion();

    [GeneratedRegex(@"^\s*FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(?<name>[A-Za-z0-9_.-]+))?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"net(?<major>[0-9]+)\.(?<minor>[0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex TargetFramework();
}

/// <summary>A requires-python specifier (PEP 440 clauses) judged per CPython minor version.</summary>
public sealed partial class PythonSpecifier
{
    private readonly List<(string Op, int[] Version, bool Wildcard)> _clauses;

    private PythonSpecifier(List<(string, int[], bool)> clauses) => _clauses = clauses;

    public static PythonSpecifier Parse(string text)
    {
        var clauses = new List<(string, int[], bool)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var m = Clause().Match(part);
            if (!m.Success) continue;
            var numbers = m.Groups["v"].Value.Split('.').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
            clauses.Add((m.Groups["op"].Value, numbers, m.Groups["star"].Success));
        }
        return new PythonSpecifier(clauses);
    }

    /// <summary>True when some release of the minor version <paramref name="minor"/> (3.11) satisfies every clause.</summary>
    public bool Allows(string minor)
    {
        var parts = minor.Split('.').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
        var v = (parts[0], parts[1]);
        foreach (var (op, version, wildcard) in _clauses)
        {
            var bound = (version[0], version.Length > 1 ? version[1] : 0);
            var patch = version.Length > 2 ? version[2] : 0;
            var c = v.CompareTo(bound);
            var ok = op switch
            {
                ">=" or ">" => c >= 0,
                "<" => c < 0 || (c == 0 && patch > 0),
                "<=" => c <= 0,
                "==" or "===" => wildcard || version.Length <= 2 ? c == 0 || (version.Length == 1 && v.Item1 == version[0]) : c == 0,
                "!=" => !(wildcard && c == 0 && version.Length <= 2),
                "~=" => version.Length > 2 ? c == 0 : c >= 0 && v.Item1 == bound.Item1,
                _ => true,
            };
            if (!ok) return false;
        }
        return true;
    }

    [GeneratedRegex(@"^(?<op>~=|===|==|!=|<=|>=|<|>)\s*(?<v>[0-9]+(?:\.[0-9]+)*)(?<star>\.\*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Clause();
}
