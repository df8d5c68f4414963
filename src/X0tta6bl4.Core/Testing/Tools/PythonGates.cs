using System.Text.RegularExpressions;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Processes;

namespace X0tta6bl4.Core.Testing.Tools;

/// <summary>Python gates run each tool as "python -m tool" with the first of the project's interpreters that has it.</summary>
internal abstract class PythonGateJob : GateJob
{
    protected PythonGateJob(GateResult result, GateToolSetting setting) : base(result, setting) { }

    /// <summary>The interpreter chosen (null when a console script on PATH was used instead).</summary>
    protected PythonInterpreter? Interpreter { get; private set; }

    protected static string Hint(string module) => module switch
    {
        "pytest" => "pip install pytest pytest-cov (Debian/Ubuntu: apt-get install python3-pytest python3-pytest-cov)",
        "flake8" => "pip install flake8 (Debian/Ubuntu: apt-get install flake8)",
        "mypy" => "pip install mypy (Debian/Ubuntu: apt-get install mypy)",
        "black" => "pip install black (Debian/Ubuntu: apt-get install black)",
        "ruff" => "pip install ruff",
        _ => $"pip install {module}",
    };

    /// <summary>Finds the tool in the project's environment, or marks the gate NotAvailable and returns null.</summary>
    protected async Task<ToolCommand?> ResolveAsync(GateRunContext ctx, string module, string script)
    {
        var (match, probed) = await ctx.Locator.FindPythonWith(Project.Root, module, ctx.Cancellation).ConfigureAwait(false);
        if (match is not null)
        {
            Interpreter = match;
            if (probed.Count > 1 && probed[0].Origin is "active virtual environment" or ".venv/" or "venv/")
            {
                ctx.X0.Log.Warning($"{module} is not installed in the project's environment ({probed[0].Path}); using {match.Path} ({match.Origin}).");
            }
            return new ToolCommand(match.Path, ["-m", module]);
        }
        if (ctx.Locator.FindOnPath(script) is { } exe)
        {
            return new ToolCommand(exe);
        }
        var first = probed.FirstOrDefault();
        var where = probed.Count == 0
            ? "no Python interpreter was found (active virtual environment, .venv/, venv/, python3 or python on PATH)"
            : $"{module} is not installed in {string.Join(", ", probed.Select(p => $"{p.Path} ({p.Version}, {p.Origin})"))} and {script} is not on PATH";
        NotAvailable(where, first is null ? $"Install Python 3, then: {Hint(module)}" : $"{ToolCommand.Quote(first.Path)} -m {Hint(module)}");
        return null;
    }
}

/// <summary>Test gate: pytest with JUnit XML and (with pytest-cov) Cobertura coverage; one run per Python version of a matrix.</summary>
internal sealed class PytestJob : PythonGateJob
{
    public PytestJob(GateResult result, GateToolSetting setting) : base(result, setting) { }

    public override async Task RunAsync(GateRunContext ctx)
    {
        ToolCommand? command;
        PythonInterpreter? interpreter;
        if (Result.Variant is null)
        {
            command = await ResolveAsync(ctx, "pytest", "pytest").ConfigureAwait(false);
            interpreter = Interpreter;
        }
        else
        {
            (command, interpreter) = await ResolveVersionAsync(ctx, Result.Variant).ConfigureAwait(false);
        }
        if (command is null) return;

        var junit = Path.Combine(ctx.WorkDirectory, $"pytest-{Slug}.xml");
        var coverage = Path.Combine(ctx.WorkDirectory, $"coverage-{Slug}.xml");
        var args = new List<string> { $"--junitxml={junit}", "-o", "junit_family=xunit2", "-o", "junit_logging=out-err" };
        var withCoverage = interpreter?.Has("pytest_cov") == true;
        if (withCoverage && Setting.Arguments.Any(a => a == "--cov" || a.StartsWith("--cov=", StringComparison.Ordinal)))
        {
            // The gate's own arguments say what to measure.
            args.AddRange([$"--cov-report=xml:{coverage}", "--cov-report="]);
        }
        else if (withCoverage)
        {
            var scope = PythonCoverageScope.For(Project.Root, Path.Combine(ctx.WorkDirectory, $"coveragerc-{Slug}"));
            if (scope.RcFile is { } rc) await File.WriteAllTextAsync(rc.Path, rc.Content, ctx.Cancellation).ConfigureAwait(false);
            ctx.X0.Log.Verbose($"Coverage of {Project.RelativePath}: {scope.Describe()}");
            args.AddRange(scope.Arguments);
            args.AddRange([$"--cov-report=xml:{coverage}", "--cov-report="]);
        }
        else
        {
            ctx.X0.Log.Verbose($"pytest-cov is not installed{(interpreter is null ? string.Empty : $" in {interpreter.Path}")}: no coverage for {Project.RelativePath}.");
        }
        if (Result.Variant is not null)
        {
            // Matrix entries run side by side: keep their caches apart.
            args.AddRange(["-p", "no:cacheprovider"]);
        }
        var env = new Dictionary<string, string?> { ["COVERAGE_FILE"] = Path.Combine(ctx.WorkDirectory, $".coverage-{Slug}") };
        var r = await RunToolAsync(ctx, command, args, env).ConfigureAwait(false);
        if (r is null) return;
        if (r.ExitCode == 5)
        {
            Fail("pytest collected no tests (exit code 5)");
            return;
        }
        FinishTestGate(r, [junit], withCoverage ? [coverage] : [], ctx, Result.Variant is null ? null : $"py{Result.Variant}");
    }

    private async Task<(ToolCommand?, PythonInterpreter?)> ResolveVersionAsync(GateRunContext ctx, string version)
    {
        var candidates = await ctx.Locator.PythonVersionCandidates(Project.Root, version, ctx.Cancellation).ConfigureAwait(false);
        var matching = new List<PythonInterpreter>();
        foreach (var (path, origin) in candidates)
        {
            var p = await ctx.Locator.ProbeAsync(path, origin, ctx.Cancellation).ConfigureAwait(false);
            if (p is null || p.MinorVersion != version) continue;
            if (p.Has("pytest")) return (new ToolCommand(p.Path, ["-m", "pytest"]), p);
            matching.Add(p);
        }
        if (matching.Count == 0)
        {
            NotAvailable($"no Python {version} interpreter was found (python{version} on PATH, pyenv, uv, the project's environment)",
                $"Install Python {version} (pyenv install {version}, uv python install {version}, or your package manager)");
        }
        else
        {
            NotAvailable($"Python {version} has no pytest: {string.Join(", ", matching.Select(m => $"{m.Path} ({m.Version}, {m.Origin})"))}",
                $"{ToolCommand.Quote(matching[0].Path)} -m {Hint("pytest")}");
        }
        return (null, null);
    }
}

/// <summary>Lint gate: flake8 with a fixed output format.</summary>
internal sealed class Flake8Job : PythonGateJob
{
    public Flake8Job(GateResult result, GateToolSetting setting) : base(result, setting) { }

    public override async Task RunAsync(GateRunContext ctx)
    {
        var command = await ResolveAsync(ctx, "flake8", "flake8").ConfigureAwait(false);
        if (command is null) return;
        var r = await RunToolAsync(ctx, command, ["--format=%(path)s:%(row)d:%(col)d: %(code)s %(text)s"]).ConfigureAwait(false);
        if (r is null) return;
        FinishDiagnosticGate(r, DiagnosticParsers.Flake8(r.StandardOutput, Project.Root, ctx.RunRoot), new HashSet<int> { 1 });
    }
}

/// <summary>Type gate: mypy on its configured files, else src/ (or the project).</summary>
internal sealed partial class MypyJob : PythonGateJob
{
    public MypyJob(GateResult result, GateToolSetting setting) : base(result, setting) { }

    [GeneratedRegex(@"^\s*files\s*=", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex FilesSetting();

    public override async Task RunAsync(GateRunContext ctx)
    {
        var command = await ResolveAsync(ctx, "mypy", "mypy").ConfigureAwait(false);
        if (command is null) return;
        var args = new List<string> { "--show-column-numbers", "--show-error-codes", "--no-color-output", "--no-error-summary", "--no-pretty" };
        // Analyse against the project's own packages when mypy comes from another interpreter.
        var projectPython = ctx.Locator.PythonCandidates(Project.Root).FirstOrDefault(c => c.Origin != "PATH");
        if (projectPython.Path is not null && Interpreter is not null && projectPython.Path != Interpreter.Path)
        {
            args.AddRange(["--python-executable", projectPython.Path]);
        }
        if (Setting.Arguments.Count == 0 && !HasConfiguredFiles(Project.Root))
        {
            args.Add(Directory.Exists(Path.Combine(Project.Root, "src")) ? "src" : ".");
        }
        var r = await RunToolAsync(ctx, command, args).ConfigureAwait(false);
        if (r is null) return;
        FinishDiagnosticGate(r, DiagnosticParsers.Mypy(r.StandardOutput, Project.Root, ctx.RunRoot), new HashSet<int> { 1 }, "type error");
    }

    private static bool HasConfiguredFiles(string root)
    {
        var pyproject = Path.Combine(root, "pyproject.toml");
        if (File.Exists(pyproject))
        {
            try
            {
                var doc = ConfigLoader.ParseToml(pyproject);
                if (ConfigLoader.Table(doc, "tool", "mypy") is { } mypy && mypy.ContainsKey("files")) return true;
            }
            catch (Diagnostics.X0Exception)
            {
                // A broken pyproject is the Test gate's problem to report; mypy will say so too.
            }
        }
        foreach (var ini in new[] { "mypy.ini", ".mypy.ini", "setup.cfg" })
        {
            var path = Path.Combine(root, ini);
            if (!File.Exists(path)) continue;
            var text = File.ReadAllText(path);
            var start = text.IndexOf("[mypy]", StringComparison.Ordinal);
            if (start < 0) continue;
            var next = text.IndexOf("\n[", start + 6, StringComparison.Ordinal);
            var section = next < 0 ? text[start..] : text[start..next];
            if (FilesSetting().IsMatch(section)) return true;
        }
        return false;
    }
}

/// <summary>Format gate: black --check --diff (one diagnostic per changed hunk).</summary>
internal sealed class BlackJob : PythonGateJob
{
    public BlackJob(GateResult result, GateToolSetting setting) : base(result, setting) { }

    public override async Task RunAsync(GateRunContext ctx)
    {
        var command = await ResolveAsync(ctx, "black", "black").ConfigureAwait(false);
        if (command is null) return;
        var r = await RunToolAsync(ctx, command, ["--check", "--diff", "--no-color", "."]).ConfigureAwait(false);
        if (r is null) return;
        FinishDiagnosticGate(r, DiagnosticParsers.Black(r.StandardOutput, r.StandardError, Project.Root, ctx.RunRoot), new HashSet<int> { 1 }, "formatting change");
    }
}

/// <summary>Lint gate with ruff check (JSON output), or Format gate with ruff format --check.</summary>
internal sealed class RuffJob : PythonGateJob
{
    public RuffJob(GateResult result, GateToolSetting setting) : base(result, setting) { }

    public override async Task RunAsync(GateRunContext ctx)
    {
        var command = await ResolveAsync(ctx, "ruff", "ruff").ConfigureAwait(false);
        if (command is null) return;
        ProcessResult? r;
        if (Result.Gate == GateKind.Format)
        {
            r = await RunToolAsync(ctx, command, ["format", "--check", "."]).ConfigureAwait(false);
            if (r is null) return;
            FinishDiagnosticGate(r, DiagnosticParsers.RuffFormat(r.StandardOutput + "\n" + r.StandardError, Project.Root, ctx.RunRoot), new HashSet<int> { 1 }, "formatting change");
        }
        else
        {
            r = await RunToolAsync(ctx, command, ["check", "--output-format=json", "."]).ConfigureAwait(false);
            if (r is null) return;
            FinishDiagnosticGate(r, DiagnosticParsers.Ruff(r.StandardOutput, Project.Root, ctx.RunRoot), new HashSet<int> { 1 });
        }
    }
}
