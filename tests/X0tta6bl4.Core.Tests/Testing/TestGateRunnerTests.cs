// Tests pass their own tokens where cancellation is the subject; elsewhere the runner has nothing to cancel.
#pragma warning disable xUnit1051
using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing;
using Tools = X0tta6bl4.Core.Testing.Tools;

namespace X0tta6bl4.Core.Tests.Testing;

/// <summary>The gate runner against the real tools (pytest, pytest-cov, flake8, mypy, black, dotnet).</summary>
public sealed class TestGateRunnerTests
{
    private static Task<TestRunResult> Run(string path, Action<Dictionary<string, string?>>? env = null, IReadOnlyCollection<GateKind>? gates = null,
        double? threshold = null, bool sequential = false, IReadOnlyList<string>? versions = null, bool? strict = null, CancellationToken cancel = default)
    {
        var e = PythonProject.LocalEnvironment();
        env?.Invoke(e);
        return new TestGateRunner().RunAsync(new TestGateRequest
        {
            Path = path,
            Environment = e,
            Gates = gates,
            CoverageThreshold = threshold,
            Sequential = sequential,
            PythonVersions = versions,
            Strict = strict,
        }, new X0Context(cancellation: cancel));
    }

    private static GateResult Gate(TestRunResult r, GateKind kind) => Assert.Single(r.Gates, g => g.Gate == kind);

    [Fact]
    public async Task A_clean_project_passes_every_gate_and_writes_the_artifacts()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("pass");
        var r = await Run(p.Root, threshold: 75);

        Assert.True(r.Succeeded, string.Join("\n", r.Gates.Select(g => $"{g.Gate} {g.Status}: {g.Message}")));
        Assert.Equal(new[] { GateKind.Test, GateKind.Lint, GateKind.Type, GateKind.Format, GateKind.Coverage }, r.Gates.Select(g => g.Gate));
        Assert.All(r.Gates, g => Assert.Equal(GateStatus.Passed, g.Status));
        Assert.Equal(new[] { "pytest", "flake8", "mypy", "black", "coverage.py" }, r.Gates.Select(g => g.Tool));
        Assert.Equal(new TestCounts(2, 0, 0, 0), r.Tests);
        Assert.Equal(100, r.Coverage!.LinePercent);
        Assert.Empty(r.Failures);
        Assert.Empty(r.Diagnostics);
        Assert.Empty(r.Problems);

        var junit = XDocument.Load(Path.Combine(p.Root, "artifacts", "junit.xml"));
        Assert.Equal("2", junit.Root!.Attribute("tests")!.Value);
        Assert.Equal(2, junit.Descendants("testcase").Count());
        var coverage = XDocument.Load(Path.Combine(p.Root, "artifacts", "coverage.xml"));
        Assert.Equal("1", coverage.Root!.Attribute("line-rate")!.Value);
        Assert.Contains("Quality gates: passed", File.ReadAllText(Path.Combine(p.Root, "artifacts", "test-report.md")));
        Assert.Equal(3, r.Artifacts.Count);
    }

    [Fact]
    public async Task A_failing_test_is_reported_with_the_counts_file_and_line_pytest_gave()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("failing");
        p.Append("tests/test_calc.py", "\n\ndef test_add_negative() -> None:\n    print(\"adding negatives\")\n    assert add(-1, -1) == -3\n");
        var line = p.LineOf("tests/test_calc.py", "assert add(-1, -1) == -3");

        var r = await Run(p.Root, gates: [GateKind.Test]);

        Assert.False(r.Succeeded);
        var test = Gate(r, GateKind.Test);
        Assert.Equal(GateStatus.Failed, test.Status);
        Assert.Equal(1, test.ExitCode);
        Assert.Equal(new TestCounts(2, 1, 0, 0), r.Tests);
        var f = Assert.Single(r.Failures);
        Assert.Equal(("pytest", "tests.test_calc"), (f.Suite, f.ClassName));
        Assert.Equal("test_add_negative", f.Test);
        Assert.Equal("tests/test_calc.py", f.File);
        Assert.Equal(line, f.Line);
        Assert.Contains("assert -2 == -3", f.Message);
        Assert.Contains("adding negatives", f.Output);
        Assert.False(f.IsError);

        // The same numbers pytest itself wrote.
        var raw = XDocument.Load(test.TestReports[0]).Descendants("testsuite").Single();
        Assert.Equal(raw.Attribute("tests")!.Value, r.Tests.Total.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(raw.Attribute("failures")!.Value, r.Tests.Failed.ToString(CultureInfo.InvariantCulture));
        var problem = Assert.Single(r.Problems);
        Assert.Equal(ErrorIds.GatesFailed, problem.ErrorId);
    }

    [Fact]
    public async Task A_fixture_error_is_an_error_not_a_failure()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("error");
        p.Append("tests/test_calc.py", "\n\nimport pytest  # noqa: E402\n\n\n@pytest.fixture\ndef broken() -> int:\n    raise RuntimeError(\"no database\")\n\n\ndef test_uses_broken(broken: int) -> None:\n    assert broken\n");
        var r = await Run(p.Root, gates: [GateKind.Test]);
        Assert.Equal(new TestCounts(2, 0, 1, 0), r.Tests);
        var f = Assert.Single(r.Failures);
        Assert.True(f.IsError);
        Assert.Equal("test_uses_broken", f.Test);
    }

    [Fact]
    public async Task Flake8_mypy_and_black_findings_become_diagnostics_at_the_lines_the_tools_named()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("lint");
        p.Write("src/calc/__init__.py", PythonProject.Module.Replace("\"\"\"A tiny calculator.\"\"\"\n\n", "\"\"\"A tiny calculator.\"\"\"\n\nimport os\n\n", StringComparison.Ordinal)
            + "\n\ndef half(a: int) -> int:\n    return a / 2\n\n\ndef mul(a: int, b: int) -> int:\n    return a*b\n");
        p.Append("tests/test_calc.py", "\n\ndef test_more() -> None:\n    from calc import half, mul\n\n    assert half(4) == 2\n    assert mul(2, 3) == 6\n");
        var file = "src/calc/__init__.py";

        var r = await Run(p.Root, gates: [GateKind.Lint, GateKind.Type, GateKind.Format]);

        Assert.False(r.Succeeded);
        Assert.All(r.Gates, g => Assert.Equal(GateStatus.Failed, g.Status));

        var flake8 = Assert.Single(Gate(r, GateKind.Lint).Diagnostics);
        Assert.Equal((file, p.LineOf(file, "import os"), 1, "F401"), (flake8.File, flake8.Line!.Value, flake8.Column!.Value, flake8.Code));
        Assert.Equal("'os' imported but unused", flake8.Message);
        Assert.Equal("flake8", flake8.Tool);

        var mypy = Assert.Single(Gate(r, GateKind.Type).Diagnostics);
        Assert.Equal((file, p.LineOf(file, "return a / 2"), 12, "return-value"), (mypy.File, mypy.Line!.Value, mypy.Column!.Value, mypy.Code));
        Assert.Contains("Incompatible return value type", mypy.Message);

        var black = Assert.Single(Gate(r, GateKind.Format).Diagnostics);
        Assert.Equal((file, p.LineOf(file, "return a*b")), (black.File, black.Line!.Value));
        Assert.Equal("black", black.Tool);

        Assert.Equal(3, r.Diagnostics.Count);
        Assert.DoesNotContain(r.Gates, g => g.Gate == GateKind.Test);
    }

    [Fact]
    public async Task Coverage_below_the_threshold_fails_the_Coverage_gate_only()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("coverage");
        p.Append("src/calc/__init__.py", "\n\ndef never(a: int) -> int:\n    if a > 0:\n        return a\n    return -a\n");

        var low = await Run(p.Root, gates: [GateKind.Test], threshold: 90);
        var cov = Gate(low, GateKind.Coverage);
        Assert.Equal(GateStatus.Failed, cov.Status);
        Assert.Equal(GateStatus.Passed, Gate(low, GateKind.Test).Status);
        // coverage.py's own figure: line-rate of the Cobertura file it wrote.
        var rate = double.Parse(XDocument.Load(Path.Combine(p.Root, "artifacts", "coverage.xml")).Root!.Attribute("line-rate")!.Value, CultureInfo.InvariantCulture);
        Assert.Equal(Math.Round(rate * 100, 2), low.Coverage!.LinePercent!.Value, 1);
        Assert.True(low.Coverage.LinePercent < 90);
        Assert.Contains("below the threshold 90%", cov.Message);
        Assert.False(low.Succeeded);

        var ok = await Run(p.Root, gates: [GateKind.Test], threshold: 50);
        Assert.Equal(GateStatus.Passed, Gate(ok, GateKind.Coverage).Status);
        Assert.True(ok.Succeeded);
    }

    [Fact]
    public async Task The_threshold_comes_from_the_configuration_when_not_passed()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("config");
        p.Append("pyproject.toml", "\n[tool.x0tta6bl4]\ncoverage_threshold = 99.5\n\n[tool.x0tta6bl4.gates]\nlint = \"none\"\ntype = { tool = \"mypy\", args = [\"--no-strict-optional\"] }\n");
        var r = await Run(p.Root);
        Assert.Equal(99.5, r.CoverageThreshold);
        Assert.Equal(GateStatus.Passed, Gate(r, GateKind.Coverage).Status);
        Assert.DoesNotContain(r.Gates, g => g.Gate == GateKind.Lint);
        Assert.Contains("--no-strict-optional", Gate(r, GateKind.Type).Command);
    }

    [Fact]
    public async Task Ruff_configured_instead_of_flake8_and_black_is_used_or_reported_NotAvailable()
    {
        using var p = new PythonProject("ruff");
        p.Append("pyproject.toml", "\n[tool.x0tta6bl4.gates]\nlint = \"ruff\"\nformat = \"ruff\"\n");
        var r = await Run(p.Root, gates: [GateKind.Lint, GateKind.Format]);
        Assert.Equal(new[] { "ruff", "ruff format" }, r.Gates.Select(g => g.Tool));
        if (Processes.ProcessRunner.FindOnPath("ruff") is null)
        {
            Assert.All(r.Gates, g => Assert.Equal(GateStatus.NotAvailable, g.Status));
            Assert.All(r.Gates, g => Assert.Contains("pip install ruff", g.InstallHint));
        }
    }

    [Fact]
    public async Task Progress_reports_each_gate_and_completes_every_activity()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("progress");
        var reports = new List<X0Progress>();
        var progress = new SyncProgress(reports);
        var e = PythonProject.LocalEnvironment();
        await new TestGateRunner().RunAsync(new TestGateRequest { Path = p.Root, Environment = e, Gates = [GateKind.Lint, GateKind.Format] }, new X0Context(progress: progress));
        lock (reports)
        {
            Assert.Contains(reports, x => x.Activity.StartsWith("Lint: flake8", StringComparison.Ordinal) && !x.Completed);
            Assert.Contains(reports, x => x.Activity.StartsWith("Format: black", StringComparison.Ordinal) && x.Completed);
            Assert.Contains(reports, x => x.Status.Contains("2/2 gates done", StringComparison.Ordinal));
            var opened = reports.Where(x => !x.Completed).Select(x => x.Id).ToHashSet();
            var closed = reports.Where(x => x.Completed).Select(x => x.Id).ToHashSet();
            Assert.Subset(closed, opened);
            Assert.True(reports[^1].Completed);
        }
    }

    private sealed class SyncProgress(List<X0Progress> sink) : IProgress<X0Progress>
    {
        public void Report(X0Progress value)
        {
            lock (sink) sink.Add(value);
        }
    }

    [Fact]
    public async Task Every_project_of_a_repository_is_gated_and_paths_are_relative_to_the_repository()
    {
        PythonProject.RequireTools();
        using var api = new PythonProject("repo");
        var root = api.Root;
        // Move the project one level down and add a second one beside it.
        var first = Path.Combine(root, "services", "api");
        Directory.CreateDirectory(first);
        foreach (var entry in new[] { "pyproject.toml", "src", "tests" }) MoveEntry(Path.Combine(root, entry), Path.Combine(first, entry));
        var second = Path.Combine(root, "services", "worker");
        CopyTree(first, second);
        File.AppendAllText(Path.Combine(second, "src", "calc", "__init__.py"), "\n\ndef unused(x: int) -> int:\n    y = 1\n    return x\n");

        var r = await Run(root, gates: [GateKind.Lint]);
        Assert.Equal(new[] { "services/api", "services/worker" }, r.Projects.Select(x => x.RelativePath));
        Assert.Equal(new[] { GateStatus.Passed, GateStatus.Failed }, r.Gates.Select(g => g.Status));
        var d = Assert.Single(r.Diagnostics);
        Assert.Equal(("services/worker/src/calc/__init__.py", "F841"), (d.File, d.Code));
        Assert.Contains("services/worker", Assert.Single(r.Problems).Message);
    }

    [Fact]
    public async Task A_registered_secret_printed_by_a_test_never_reaches_the_artifacts()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("secret");
        var canary = "x0canary_" + Guid.NewGuid().ToString("N");
        SecretRedactor.Register(canary);
        p.Append("tests/test_calc.py", $"\n\ndef test_leaks() -> None:\n    token = \"{canary}\"\n    print(token)\n    assert token == \"\"\n");
        var r = await Run(p.Root, gates: [GateKind.Test]);
        Assert.Equal(1, r.Tests.Failed);
        foreach (var artifact in r.Artifacts)
        {
            Assert.DoesNotContain(canary, File.ReadAllText(artifact));
        }
        Assert.Contains(SecretRedactor.Mask, File.ReadAllText(Path.Combine(p.Root, "artifacts", TestGateRunner.JUnitFileName)));
    }

    [Fact]
    public async Task Parallel_and_sequential_runs_agree()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("order");
        p.Append("tests/test_calc.py", "\n\ndef test_wrong() -> None:\n    assert add(2, 2) == 5\n");
        var parallel = await Run(p.Root);
        var sequential = await Run(p.Root, sequential: true);
        Assert.Equal(parallel.Gates.Select(g => (g.Gate, g.Status)), sequential.Gates.Select(g => (g.Gate, g.Status)));
        Assert.Equal(parallel.Tests, sequential.Tests);
        Assert.Equal(parallel.Failures.Select(f => (f.Test, f.Line)), sequential.Failures.Select(f => (f.Test, f.Line)));
    }

    [Fact]
    public async Task A_tool_that_crashes_without_a_report_fails_its_gate_with_the_tail_of_its_output()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("crash");
        p.Write("conftest.py", "raise RuntimeError(\"cannot reach the license server\")\n");
        var r = await Run(p.Root, gates: [GateKind.Test]);
        var test = Gate(r, GateKind.Test);
        Assert.Equal(GateStatus.Failed, test.Status);
        Assert.Equal(4, test.ExitCode);
        Assert.Contains("wrote no test report", test.Message);
        Assert.Contains("cannot reach the license server", test.Message);
        Assert.False(r.Succeeded);
    }

    [Fact]
    public async Task A_truncated_report_names_file_and_position_and_the_other_gates_still_report()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("truncated");
        // A plugin that cuts pytest's JUnit file in half after pytest wrote it: a real tool, a real broken report.
        p.Write("conftest.py", "import os\n\n\ndef pytest_unconfigure(config):  # type: ignore[no-untyped-def]\n    path = config.option.xmlpath\n    if path and os.path.exists(path):\n        data = open(path, 'rb').read()\n        open(path, 'wb').write(data[: len(data) // 2])\n");
        var r = await Run(p.Root, gates: [GateKind.Test, GateKind.Lint]);
        var test = Gate(r, GateKind.Test);
        Assert.Equal(GateStatus.Failed, test.Status);
        var problem = Assert.Single(r.Problems, x => x.ErrorId == ErrorIds.ReportMalformed);
        Assert.Contains(test.TestReports[0], problem.Message);
        Assert.Matches(@"line \d+, position \d+", problem.Message);
        Assert.Equal(GateStatus.Passed, Gate(r, GateKind.Lint).Status);
        Assert.Contains(r.Problems, x => x.ErrorId == ErrorIds.GatesFailed);
    }

    [Fact]
    public async Task The_project_venv_comes_before_PATH()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("venv");
        var venv = await Processes.ProcessRunner.RunAsync(new Processes.ProcessSpec("/usr/bin/python3",
            ["-m", "venv", "--without-pip", "--system-site-packages", Path.Combine(p.Root, ".venv")], p.Root));
        Assert.True(venv.Succeeded, venv.StandardError);
        var r = await Run(p.Root, gates: [GateKind.Test, GateKind.Type]);
        Assert.StartsWith(Path.Combine(p.Root, ".venv", "bin", "python") + " -m pytest", Gate(r, GateKind.Test).Command);
        Assert.Equal(GateStatus.Passed, Gate(r, GateKind.Test).Status);
        Assert.True(r.Succeeded);
    }

    [Fact]
    public async Task A_venv_without_the_tool_falls_back_to_an_interpreter_that_has_it_and_says_so()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("venv-bare");
        var venv = await Processes.ProcessRunner.RunAsync(new Processes.ProcessSpec("/usr/bin/python3",
            ["-m", "venv", "--without-pip", Path.Combine(p.Root, ".venv")], p.Root));
        Assert.True(venv.Succeeded, venv.StandardError);
        var warnings = new List<string>();
        var r = await new TestGateRunner().RunAsync(new TestGateRequest { Path = p.Root, Environment = PythonProject.LocalEnvironment(), Gates = [GateKind.Lint] },
            new X0Context(new ListLog(warnings)));
        Assert.Equal(GateStatus.Passed, Gate(r, GateKind.Lint).Status);
        Assert.DoesNotContain(".venv", Gate(r, GateKind.Lint).Command);
        Assert.Contains(warnings, w => w.Contains("flake8 is not installed in the project's environment", StringComparison.Ordinal) && w.Contains(".venv", StringComparison.Ordinal));
    }

    private sealed class ListLog(List<string> warnings) : IX0Log
    {
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { lock (warnings) warnings.Add(message); }
        public void Information(string message) { }
    }

    [Fact]
    public async Task A_tool_that_is_not_installed_is_NotAvailable_with_a_hint_and_an_error_in_CI()
    {
        using var p = new PythonProject("missing");
        void NoPython(Dictionary<string, string?> e) => e["PATH"] = Path.Combine(p.Root, "no-such-bin");

        // Nothing else selected: nothing ran, which is never a success, even outside CI.
        var local = await Run(p.Root, NoPython, gates: [GateKind.Lint]);
        var lint = Gate(local, GateKind.Lint);
        Assert.Equal(GateStatus.NotAvailable, lint.Status);
        Assert.Contains("flake8", lint.InstallHint);
        Assert.False(local.Succeeded);
        Assert.True(local.NothingRan);
        var none = Assert.Single(local.Problems);
        Assert.Equal(ErrorIds.NoGateRan, none.ErrorId);
        Assert.Contains("flake8", none.Message);
        Assert.Contains("Quality gates: none ran", File.ReadAllText(Path.Combine(p.Root, "artifacts", TestGateRunner.ReportFileName)));

        var ci = await Run(p.Root, e => { NoPython(e); e["CI"] = "true"; }, gates: [GateKind.Lint]);
        Assert.False(ci.Succeeded);
        var problem = Assert.Single(ci.Problems);
        Assert.Equal(ErrorIds.ToolNotAvailable, problem.ErrorId);
        Assert.Equal(X0ErrorCategory.NotInstalled, problem.Category);

        var strict = await Run(p.Root, NoPython, gates: [GateKind.Lint], strict: true);
        Assert.False(strict.Succeeded);
    }

    [Fact]
    public async Task A_missing_tool_beside_gates_that_ran_is_a_warning_locally_and_a_failure_in_CI_unless_optional()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("missing-some");
        p.Append("pyproject.toml", "\n[tool.x0tta6bl4.gates]\nlint = \"ruff\"\n");
        void NoRuff(Dictionary<string, string?> e) => e["PATH"] = "/usr/bin:/bin";
        Assert.Null(Processes.ProcessRunner.FindOnPath("ruff"));

        var local = await Run(p.Root, NoRuff, gates: [GateKind.Test, GateKind.Lint]);
        Assert.Equal((GateStatus.Passed, GateStatus.NotAvailable), (Gate(local, GateKind.Test).Status, Gate(local, GateKind.Lint).Status));
        Assert.True(local.Succeeded);
        Assert.False(local.NothingRan);
        Assert.Empty(local.Problems);

        var ci = await Run(p.Root, e => { NoRuff(e); e["CI"] = "true"; }, gates: [GateKind.Test, GateKind.Lint]);
        Assert.False(ci.Succeeded);
        Assert.Contains("optional_gates", Assert.Single(ci.Problems).Message);

        p.Append("pyproject.toml", "\n[tool.x0tta6bl4]\noptional_gates = [\"lint\"]\n");
        var optional = await Run(p.Root, e => { NoRuff(e); e["CI"] = "true"; }, gates: [GateKind.Test, GateKind.Lint]);
        Assert.True(optional.Succeeded);
        Assert.Empty(optional.Problems);
    }

    [Fact]
    public async Task The_python_matrix_runs_once_per_version_and_reports_a_missing_interpreter_per_entry()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("matrix");
        var r = await Run(p.Root, gates: [GateKind.Test], versions: ["3.11", "3.99"]);
        var tests = r.Gates.Where(g => g.Gate == GateKind.Test).ToList();
        Assert.Equal(new[] { "3.11", "3.99" }, tests.Select(g => g.Variant));
        Assert.Equal(GateStatus.Passed, tests[0].Status);
        Assert.Matches("python3(\\.11)? -m pytest", tests[0].Command);
        Assert.Equal(GateStatus.NotAvailable, tests[1].Status);
        Assert.Contains("no Python 3.99 interpreter", tests[1].Message);
        Assert.Equal(2, r.Tests.Passed);
    }

    [Fact]
    public async Task A_folder_without_a_project_is_a_clear_error()
    {
        var dir = Directory.CreateTempSubdirectory("x0-empty-");
        File.WriteAllText(Path.Combine(dir.FullName, "notes.txt"), "nothing to test");
        var ex = await Assert.ThrowsAsync<X0Exception>(() => Run(dir.FullName));
        Assert.Equal(ErrorIds.NotAProject, ex.ErrorId);
        Assert.Contains("pyproject.toml", ex.Message);
        Assert.Contains("*.csproj", ex.Message);
        Assert.Contains("*.Tests.ps1", ex.Message);
        dir.Delete(true);
    }

    [Fact]
    public async Task Cancelling_kills_the_whole_process_tree_of_every_tool()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("cancel");
        var pidFile = Path.Combine(p.Root, "grandchild.pid");
        p.Append("tests/test_calc.py", $"\n\ndef test_slow() -> None:\n    import subprocess\n    import time\n\n    child = subprocess.Popen([\"sleep\", \"300\"])\n    with open({Quote(pidFile)}, \"w\") as f:\n        f.write(str(child.pid))\n    time.sleep(300)\n");
        using var cts = new CancellationTokenSource();
        var run = Run(p.Root, gates: [GateKind.Test], cancel: cts.Token);
        var watch = Stopwatch.StartNew();
        while (!File.Exists(pidFile) || new FileInfo(pidFile).Length == 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "the test never started its child");
            await Task.Delay(100);
        }
        var pid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var gone = Stopwatch.StartNew();
        while (IsAlive(pid) && gone.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100);
        Assert.False(IsAlive(pid), $"the grandchild sleep ({pid}) survived the cancellation");
    }

    [Fact]
    public async Task In_GitHub_Actions_it_annotates_capped_writes_the_summary_and_the_outputs()
    {
        PythonProject.RequireTools();
        using var p = new PythonProject("actions");
        var many = string.Concat(Enumerable.Range(0, 12).Select(i => $"\n\ndef test_bad_{i}() -> None:\n    assert add({i}, 1) == 0\n"));
        p.Append("tests/test_calc.py", many);
        var r = await Run(p.Root, gates: [GateKind.Test], threshold: 10);

        var output = Path.Combine(p.Root, "gh-output");
        var summary = Path.Combine(p.Root, "gh-summary");
        var env = new Dictionary<string, string?> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_OUTPUT"] = output, ["GITHUB_STEP_SUMMARY"] = summary, ["GITHUB_WORKSPACE"] = p.Root };
        var commands = new StringWriter();
        TestRunReport.PublishToActions(r, new GitHubActions(env, commands));

        var lines = commands.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var errors = lines.Where(l => l.StartsWith("::error ", StringComparison.Ordinal)).ToList();
        Assert.Equal(TestRunReport.AnnotationLimit, errors.Count);
        Assert.StartsWith($"::error title=Test failed,file=tests/test_calc.py,line={p.LineOf("tests/test_calc.py", "assert add(0, 1) == 0")}::", errors[0]);
        Assert.Contains(lines, l => l.StartsWith("::notice ", StringComparison.Ordinal) && l.Contains("2 more errors", StringComparison.Ordinal));
        var outputs = File.ReadAllText(output);
        Assert.Contains("passed=2\n", outputs);
        Assert.Contains("failed=12\n", outputs);
        Assert.Matches(@"coverage=\d+(\.\d+)?\n", outputs);
        var md = File.ReadAllText(summary);
        Assert.Contains("| . | Test | pytest |", md);
        Assert.Contains("Slowest tests", md);
    }

    [Fact]
    public async Task A_dotnet_solution_reports_its_failing_xunit_test_and_coverlet_coverage()
    {
        var dir = CopyDotNetFixture();
        // Spoil the formatting of one line, as dotnet format will see it.
        var calculator = Path.Combine(dir, "src", "Calc", "Calculator.cs");
        File.WriteAllText(calculator, File.ReadAllText(calculator).Replace("public static int Add(int a, int b) => a + b;", "public static int Add(int a,int b)   =>  a + b;", StringComparison.Ordinal));
        try
        {
            var r = await Run(dir, threshold: 50);
            Assert.Equal(new[] { ProjectKind.DotNet }, r.Projects.Select(x => x.Kind));
            var test = Gate(r, GateKind.Test);
            Assert.Equal("dotnet test", test.Tool);
            Assert.Equal(GateStatus.Failed, test.Status);
            Assert.Equal(new TestCounts(2, 1, 0, 1), r.Tests);
            var f = Assert.Single(r.Failures);
            Assert.Equal("Calc.Checks.CalculatorTests", f.Suite);
            Assert.Equal("DividesRoundingUp", f.Test);
            Assert.Equal("tests/Calc.Checks/CalculatorTests.cs", f.File);
            Assert.Equal(13, f.Line);
            Assert.Contains("Assert.Equal() Failure", f.Message);
            var format = Gate(r, GateKind.Format);
            Assert.Equal(GateStatus.Failed, format.Status);
            Assert.Equal(2, format.ExitCode);
            Assert.NotEmpty(format.Diagnostics);
            Assert.All(format.Diagnostics, d => Assert.Equal(("src/Calc/Calculator.cs", 5, "WHITESPACE", "dotnet-format"), (d.File, d.Line!.Value, d.Code, d.Tool)));
            Assert.Equal(format.Diagnostics.Select(d => d.Column), format.Diagnostics.Select(d => d.Column).Order());
            // Calculator.cs: 8 coverable lines, 7 hit (Unused is never called), as coverlet reports.
            Assert.Equal(87.5, r.Coverage!.LinePercent);
            Assert.Equal(GateStatus.Passed, Gate(r, GateKind.Coverage).Status);
            var junit = XDocument.Load(Path.Combine(dir, "artifacts", "junit.xml"));
            Assert.Equal("4", junit.Root!.Attribute("tests")!.Value);
            Assert.Single(junit.Descendants("failure"));
            Assert.Single(junit.Descendants("skipped"));
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Coverlet_measures_the_library_not_a_test_helper_project_under_tests()
    {
        var dir = CopyDotNetFixture();
        // A helper library next to the test project, referenced by it: coverlet measures it unless told not to.
        var helper = Path.Combine(dir, "tests", "Calc.Testing");
        Directory.CreateDirectory(helper);
        File.WriteAllText(Path.Combine(helper, "Calc.Testing.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n    <IsPackable>false</IsPackable>\n  </PropertyGroup>\n</Project>\n");
        File.WriteAllText(Path.Combine(helper, "Numbers.cs"), "namespace Calc.Testing;\n\npublic static class Numbers\n{\n    public static int Two() => 2;\n\n    public static int Never()\n    {\n        var x = 1;\n        return x + 41;\n    }\n}\n");
        var checks = Path.Combine(dir, "tests", "Calc.Checks", "Calc.Checks.csproj");
        File.WriteAllText(checks, File.ReadAllText(checks).Replace("<ProjectReference Include=\"..\\..\\src\\Calc\\Calc.csproj\" />",
            "<ProjectReference Include=\"..\\..\\src\\Calc\\Calc.csproj\" />\n    <ProjectReference Include=\"..\\Calc.Testing\\Calc.Testing.csproj\" />", StringComparison.Ordinal));
        var tests = Path.Combine(dir, "tests", "Calc.Checks", "CalculatorTests.cs");
        File.WriteAllText(tests, File.ReadAllText(tests).Replace("namespace Calc.Checks;", "namespace Calc.Checks;\n\npublic class HelperTests\n{\n    [Xunit.Fact]\n    public void UsesTheHelper() => Xunit.Assert.Equal(2, Calc.Testing.Numbers.Two());\n}", StringComparison.Ordinal));
        try
        {
            var r = await Run(dir, gates: [GateKind.Test], threshold: 50);
            var test = Gate(r, GateKind.Test);
            Assert.Contains("Exclude=[Calc.Checks]*,[Calc.Testing]*", test.Command);
            var classes = XDocument.Load(Assert.Single(test.CoverageReports)).Descendants("class").Select(c => c.Attribute("filename")!.Value.Replace('\\', '/')).ToList();
            Assert.NotEmpty(classes);
            Assert.All(classes, c => Assert.EndsWith("src/Calc/Calculator.cs", c));
            Assert.Equal(87.5, r.Coverage!.LinePercent);
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [Fact]
    public void Pester_measures_the_module_not_its_test_helpers_or_build_script_and_honours_pester_coverage()
    {
        var dir = Directory.CreateTempSubdirectory("x0-psmod-").FullName;
        foreach (var f in new[] { "Greeter.psm1", "Public/Get-Greeting.ps1", "Private/Format.ps1", "build.ps1", "tests/Greeter.Tests.ps1", "tests/TestHelpers.psm1", "test/Fixture.ps1", "Greeter.build.ps1" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, f))!);
            File.WriteAllText(Path.Combine(dir, f), "# " + f + "\n");
        }
        var scripts = Tools.PesterJob.CoveredScripts(dir).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'));
        Assert.Equal(new[] { "Greeter.psm1", "Private/Format.ps1", "Public/Get-Greeting.ps1" }, scripts.Order(StringComparer.Ordinal));
        var configured = Tools.PesterJob.ConfiguredScripts(dir, ["Public/*.ps1"]).Select(f => Path.GetRelativePath(dir, f));
        Assert.Equal(new[] { "Public/Get-Greeting.ps1" }, configured);
        Directory.Delete(dir, true);
    }

    private static void MoveEntry(string from, string to)
    {
        if (Directory.Exists(from)) Directory.Move(from, to);
        else File.Move(from, to);
    }

    [Fact]
    public async Task A_dotnet_build_error_fails_the_Test_gate_with_the_compiler_diagnostic()
    {
        var dir = CopyDotNetFixture();
        var calculator = Path.Combine(dir, "src", "Calc", "Calculator.cs");
        File.WriteAllText(calculator, File.ReadAllText(calculator).Replace("return a / b;", "return a / b", StringComparison.Ordinal));
        var line = Array.FindIndex(File.ReadAllLines(calculator), l => l.Contains("return a / b", StringComparison.Ordinal)) + 1;
        try
        {
            var r = await Run(dir, gates: [GateKind.Test]);
            var test = Gate(r, GateKind.Test);
            Assert.Equal(GateStatus.Failed, test.Status);
            Assert.StartsWith("the build failed with 1 error(s)", test.Message);
            var d = Assert.Single(test.Diagnostics, x => x.Severity == DiagnosticSeverity.Error);
            Assert.Equal(("src/Calc/Calculator.cs", line, "CS1002", "dotnet build"), (d.File, d.Line!.Value, d.Code, d.Tool));
            Assert.Null(test.Tests);
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static string CopyDotNetFixture()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "dotnet-failing");
        if (!Directory.Exists(fixture)) fixture = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../Fixtures/dotnet-failing"));
        var dir = Path.Combine(Path.GetTempPath(), "x0-tests", "dotnet-" + Guid.NewGuid().ToString("N")[..8]);
        CopyTree(fixture, dir);
        return dir;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal) + "\"";

    private static void CopyTree(string from, string to)
    {
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, d);
            if (rel.Split(Path.DirectorySeparatorChar).Any(x => x is "bin" or "obj" or "artifacts")) continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, f);
            if (rel.Split(Path.DirectorySeparatorChar).Any(x => x is "bin" or "obj" or "artifacts")) continue;
            File.Copy(f, Path.Combine(to, rel));
        }
    }
}
