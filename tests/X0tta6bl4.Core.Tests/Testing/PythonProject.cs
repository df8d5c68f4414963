// Tests pass their own tokens where cancellation is the subject; elsewhere the runner has nothing to cancel.
#pragma warning disable xUnit1051
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Processes;

namespace X0tta6bl4.Core.Tests.Testing;

/// <summary>A small, clean Python project in a temp folder (passes pytest, flake8, mypy --strict and black) that tests spoil on purpose.</summary>
public sealed class PythonProject : IDisposable
{
    public const string Module = "\"\"\"A tiny calculator.\"\"\"\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n\n\ndef sub(a: int, b: int) -> int:\n    return a - b\n";
    public const string Tests = "from calc import add, sub\n\n\ndef test_add() -> None:\n    assert add(1, 2) == 3\n\n\ndef test_sub() -> None:\n    assert sub(5, 2) == 3\n";

    public PythonProject(string name = "py")
    {
        Root = Path.Combine(Path.GetTempPath(), "x0-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        Write("pyproject.toml", """
            [project]
            name = "calc"
            version = "1.0.0"

            [tool.pytest.ini_options]
            testpaths = ["tests"]
            pythonpath = ["src"]

            [tool.coverage.run]
            source = ["calc"]

            [tool.mypy]
            files = ["src"]
            strict = true
            """ + "\n");
        Write("src/calc/__init__.py", Module);
        Write("tests/test_calc.py", Tests);
    }

    public string Root { get; }

    public PythonProject Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return this;
    }

    public PythonProject Append(string relative, string text)
    {
        File.AppendAllText(Path.Combine(Root, relative), text);
        return this;
    }

    public string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    /// <summary>1-based number of the first line containing <paramref name="text"/>.</summary>
    public int LineOf(string relative, string text) =>
        Array.FindIndex(File.ReadAllLines(Path.Combine(Root, relative)), l => l.Contains(text, StringComparison.Ordinal)) + 1;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>This process's environment without the CI markers (so NotAvailable is not an error unless a test says so).</summary>
    public static Dictionary<string, string?> LocalEnvironment()
    {
        var env = new Dictionary<string, string?>(ProcessEnvironment.Snapshot());
        foreach (var k in new[] { "CI", "GITHUB_ACTIONS", "TF_BUILD", "VIRTUAL_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY" }) env.Remove(k);
        return env;
    }

    /// <summary>Skips the test when no interpreter with the Debian tools exists (CI installs them, so there it fails instead).</summary>
    public static void RequireTools()
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : ProcessRunner.FindOnPath("python3");
        if (python is null)
        {
            Assert.Skip("python3 is not installed");
        }
        var r = ProcessRunner.RunAsync(new ProcessSpec(python, ["-c", "import pytest, pytest_cov, flake8, mypy, black"], Path.GetTempPath())).GetAwaiter().GetResult();
        if (!r.Succeeded)
        {
            Assert.Skip("pytest, pytest-cov, flake8, mypy and black are not installed (apt-get install python3-pytest python3-pytest-cov flake8 mypy black)");
        }
    }
}
