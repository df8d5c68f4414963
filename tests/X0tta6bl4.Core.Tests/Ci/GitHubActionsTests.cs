using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Ci;

public class GitHubActionsTests
{
    private sealed class Runner : IDisposable
    {
        private readonly TempDirectory _dir = new("gha");

        public Runner(bool active = true, bool withFiles = true)
        {
            Environment = new Dictionary<string, string?>
            {
                ["GITHUB_WORKSPACE"] = Workspace,
            };
            if (active) Environment["GITHUB_ACTIONS"] = "true";
            if (withFiles)
            {
                Environment["GITHUB_OUTPUT"] = OutputFile;
                Environment["GITHUB_STEP_SUMMARY"] = SummaryFile;
            }
            Actions = new GitHubActions(Environment, Commands);
        }

        public Dictionary<string, string?> Environment { get; }
        public StringWriter Commands { get; } = new() { NewLine = "\n" };
        public GitHubActions Actions { get; }
        public string Workspace => Path.Combine(_dir.Root, "ws");
        public string OutputFile => Path.Combine(_dir.Root, "output.txt");
        public string SummaryFile => Path.Combine(_dir.Root, "summary.md");
        public string[] CommandLines => Commands.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public void Dispose() => _dir.Dispose();
    }

    /// <summary>Reads $GITHUB_OUTPUT the way the runner does: name=value lines and name&lt;&lt;DELIM blocks.</summary>
    private static Dictionary<string, string> ParseOutputs(string text)
    {
        var result = new Dictionary<string, string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0) continue;
            var heredoc = line.IndexOf("<<", StringComparison.Ordinal);
            var eq = line.IndexOf('=');
            if (heredoc > 0 && (eq < 0 || heredoc < eq))
            {
                var name = line[..heredoc];
                var delimiter = line[(heredoc + 2)..];
                var value = new List<string>();
                for (i++; lines[i] != delimiter; i++) value.Add(lines[i]);
                result[name] = string.Join("\n", value);
            }
            else
            {
                result[line[..eq]] = line[(eq + 1)..];
            }
        }
        return result;
    }

    [Fact]
    public void Inactive_outside_actions_writes_nothing()
    {
        using var runner = new Runner(active: false);
        var a = runner.Actions;
        Assert.False(a.IsActive);
        a.SetOutput("version", "1.2.3");
        a.AppendSummary("# hi");
        a.Annotate(AnnotationLevel.Error, "boom", "x.py", 1);
        using (a.Group("group")) { }
        a.AddMask("some-secret-value");
        Assert.False(File.Exists(runner.OutputFile));
        Assert.False(File.Exists(runner.SummaryFile));
        Assert.Equal("", runner.Commands.ToString());
    }

    [Fact]
    public void Single_and_multi_line_outputs_round_trip_through_the_runner_format()
    {
        using var runner = new Runner();
        runner.Actions.SetOutput("version", "1.3.0");
        var notes = "## 1.3.0\n\n- feat: x=y\r\n- EOF <<not a delimiter\n";
        runner.Actions.SetOutput("notes", notes);
        runner.Actions.SetOutput("empty", null);

        var text = File.ReadAllText(runner.OutputFile);
        Assert.StartsWith("version=1.3.0\n", text);
        Assert.Matches(@"notes<<(x0_[0-9a-f]{32})\n", text);
        var outputs = ParseOutputs(text);
        Assert.Equal("1.3.0", outputs["version"]);
        Assert.Equal(notes, outputs["notes"]);
        Assert.Equal("", outputs["empty"]);
    }

    [Fact]
    public void Without_an_output_file_the_legacy_command_is_used()
    {
        using var runner = new Runner(withFiles: false);
        runner.Actions.SetOutput("tag", "v1.0.0");
        Assert.Equal(new[] { "::set-output name=tag::v1.0.0" }, runner.CommandLines);
    }

    [Fact]
    public void Summary_appends_with_a_final_newline()
    {
        using var runner = new Runner();
        runner.Actions.AppendSummary("### One");
        runner.Actions.AppendSummary("two\n");
        Assert.Equal("### One\ntwo\n", File.ReadAllText(runner.SummaryFile));
    }

    [Fact]
    public void Annotation_escapes_data_and_properties()
    {
        using var runner = new Runner();
        runner.Actions.Annotate(AnnotationLevel.Error, "100% broken\r\nsee: a, b", Path.Combine(runner.Workspace, "src", "a,b:c.py"), 3, 7, "Gate: lint, types");
        runner.Actions.Annotate(AnnotationLevel.Warning, "w", "/elsewhere/x.py");
        runner.Actions.Annotate(AnnotationLevel.Notice, "n");
        Assert.Equal(new[]
        {
            "::error title=Gate%3A lint%2C types,file=src/a%2Cb%3Ac.py,line=3,col=7::100%25 broken%0D%0Asee: a, b",
            "::warning file=/elsewhere/x.py::w",
            "::notice::n",
        }, runner.CommandLines);
    }

    [Fact]
    public void Groups_open_and_close_once()
    {
        using var runner = new Runner();
        var group = runner.Actions.Group("Step-X0Version: 50%\nplan");
        group.Dispose();
        group.Dispose();
        Assert.Equal(new[] { "::group::Step-X0Version: 50%25%0Aplan", "::endgroup::" }, runner.CommandLines);
    }

    [Fact]
    public void Masks_are_emitted_and_registered_secrets_never_reach_outputs_summary_or_annotations()
    {
        using var runner = new Runner();
        var secret = "ghp_" + Guid.NewGuid().ToString("N");
        runner.Actions.AddMask(secret);
        SecretRedactor.Register(secret);
        runner.Actions.SetOutput("url", $"https://x-access-token:{secret}@github.com/o/r");
        runner.Actions.AppendSummary($"token {secret}");
        runner.Actions.Annotate(AnnotationLevel.Error, $"401 for {secret}", title: secret);

        Assert.Equal($"::add-mask::{secret}", runner.CommandLines[0]);
        Assert.DoesNotContain(secret, string.Join("\n", runner.CommandLines.Skip(1)));
        Assert.DoesNotContain(secret, File.ReadAllText(runner.OutputFile));
        Assert.DoesNotContain(secret, File.ReadAllText(runner.SummaryFile));
        Assert.Contains("x-access-token:***@", File.ReadAllText(runner.OutputFile));
    }

    [Fact]
    public void Standard_variables_are_exposed_with_defaults()
    {
        var env = new Dictionary<string, string?> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_REPOSITORY"] = "o/r", ["GITHUB_API_URL"] = "" };
        var actions = new GitHubActions(env, TextWriter.Null);
        Assert.Equal("o/r", actions.Repository);
        Assert.Equal("https://api.github.com", actions.ApiUrl);
        Assert.Null(actions.Sha);
    }
}
