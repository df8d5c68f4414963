using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Testing;

/// <summary>
/// Finds the projects under a path: Python (pyproject.toml, setup.cfg, setup.py), .NET (*.sln, *.slnx, else
/// each *.csproj/*.fsproj/*.vbproj) and PowerShell modules (a *.psd1 manifest with *.Tests.ps1 below it).
/// Looks at the path and three levels below, skipping virtual environments, build output and hidden folders;
/// a project's own subfolders are not searched for more projects of the same kind.
/// </summary>
public static class ProjectDetector
{
    public const int MaxDepth = 3;

    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "node_modules", "bin", "obj", "venv", "env", "__pycache__", "artifacts", "out", "dist", "build",
        "TestResults", "site-packages", "packages",
    };

    private static readonly string[] DotNetProjectPatterns = ["*.csproj", "*.fsproj", "*.vbproj"];

    public static IReadOnlyList<DetectedProject> Detect(string path)
    {
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound, "an existing project folder",
                $"no folder at {root}", "Pass -Path with the folder of the project or repository", root);
        }
        var found = new List<DetectedProject>();
        Walk(root, root, 0, python: false, dotnet: false, powershell: false, found);
        if (found.Count == 0)
        {
            throw new X0Exception(ErrorIds.NotAProject, X0ErrorCategory.ObjectNotFound,
                "a Python project (pyproject.toml, setup.cfg or setup.py), a .NET solution or project (*.sln, *.slnx, *.csproj, *.fsproj) or a PowerShell module (*.psd1 with *.Tests.ps1 files)",
                $"none of them in {root} or its subfolders ({MaxDepth} levels deep)",
                "Run Invoke-X0Test in the project's folder, or pass -Path with it", root);
        }
        return found;
    }

    private static void Walk(string dir, string root, int depth, bool python, bool dotnet, bool powershell, List<DetectedProject> found)
    {
        var rel = Relative(root, dir);
        if (!python && (File.Exists(Path.Combine(dir, "pyproject.toml")) || File.Exists(Path.Combine(dir, "setup.py")) || IsPythonSetupCfg(dir)))
        {
            var marker = new[] { "pyproject.toml", "setup.py", "setup.cfg" }.Select(f => Path.Combine(dir, f)).First(File.Exists);
            found.Add(new DetectedProject(ProjectKind.Python, dir, marker, rel));
            python = true;
        }
        if (!dotnet)
        {
            var solutions = SafeFiles(dir, "*.sln").Concat(SafeFiles(dir, "*.slnx")).OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (solutions.Count > 0)
            {
                found.Add(new DetectedProject(ProjectKind.DotNet, dir, solutions[0], rel));
                dotnet = true;
            }
            else
            {
                var projects = DotNetProjectPatterns.SelectMany(p => SafeFiles(dir, p)).OrderBy(f => f, StringComparer.Ordinal).ToList();
                foreach (var p in projects)
                {
                    found.Add(new DetectedProject(ProjectKind.DotNet, dir, p, projects.Count == 1 ? rel : Relative(root, p)));
                }
            }
        }
        if (!powershell)
        {
            var manifest = SafeFiles(dir, "*.psd1").Where(IsModuleManifest).OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault();
            if (manifest is not null && HasPesterTests(dir))
            {
                found.Add(new DetectedProject(ProjectKind.PowerShell, dir, manifest, rel));
                powershell = true;
            }
        }
        if (depth >= MaxDepth) return;
        IEnumerable<string> children;
        try
        {
            children = Directory.EnumerateDirectories(dir).OrderBy(d => d, StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return;
        }
        foreach (var child in children)
        {
            var name = Path.GetFileName(child);
            if (name.StartsWith('.') || Skipped.Contains(name)) continue;
            if (new DirectoryInfo(child).Attributes.HasFlag(FileAttributes.ReparsePoint)) continue;
            Walk(child, root, depth + 1, python, dotnet, powershell, found);
        }
    }

    private static bool IsPythonSetupCfg(string dir)
    {
        var path = Path.Combine(dir, "setup.cfg");
        if (!File.Exists(path)) return false;
        // A setup.cfg that only configures flake8 does not make a Python package.
        var text = File.ReadAllText(path);
        return text.Contains("[metadata]", StringComparison.Ordinal) || text.Contains("[options]", StringComparison.Ordinal);
    }

    private static bool IsModuleManifest(string psd1)
    {
        try
        {
            var text = File.ReadAllText(psd1);
            return text.Contains("ModuleVersion", StringComparison.OrdinalIgnoreCase);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool HasPesterTests(string dir)
    {
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 4, IgnoreInaccessible = true };
            return Directory.EnumerateFiles(dir, "*.Tests.ps1", options).Any();
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static IEnumerable<string> SafeFiles(string dir, string pattern)
    {
        try
        {
            return Directory.EnumerateFiles(dir, pattern, new EnumerationOptions { IgnoreInaccessible = true, MatchCasing = MatchCasing.CaseInsensitive })
                .Where(f => string.Equals(Path.GetExtension(f), pattern[1..], StringComparison.OrdinalIgnoreCase))
                .ToList();
        }
        catch (IOException)
        {
            return Array.Empty<string>();
        }
    }

    private static string Relative(string root, string path)
    {
        var rel = Path.GetRelativePath(root, path).Replace('\\', '/');
        return rel.Length == 0 ? "." : rel;
    }
}
