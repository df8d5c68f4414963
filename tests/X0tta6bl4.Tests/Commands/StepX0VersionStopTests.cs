using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Tests.Infrastructure;

namespace X0tta6bl4.Tests.Commands;

/// <summary>
/// Ctrl+C is PowerShell.Stop() on the running pipeline: Step-X0Version must stop within seconds, kill the
/// git child processes it started, undo the local commit and tag, and leave every file whole.
/// </summary>
public class StepX0VersionStopTests
{
    private const string Pyproject = "[project]\r\nname = \"pkg\"\r\nversion = \"1.2.3\"\r\n";
    private const string InitPy = "__version__ = \"1.2.3\"\n";

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the remote hook is a shell script
    public void Stop_while_the_remote_hook_runs_rolls_back_commit_and_tag_and_leaves_files_whole()
    {
        using var repo = new GitRepoFixture("stop");
        repo.Write("pyproject.toml", Pyproject).Write("src/pkg/__init__.py", InitPy).Commit("feat: initial");
        var bare = repo.AddBareRemote();
        var head = repo.Head;
        var before = new[] { "pyproject.toml", "src/pkg/__init__.py" }.ToDictionary(p => p, repo.ReadBytes);

        // The hook records its pid and then waits: a push that is deterministically "in flight".
        var marker = Path.Combine(bare, "hook.pid");
        var hook = Path.Combine(bare, "hooks", "pre-receive");
        File.WriteAllText(hook, $"#!/bin/sh\necho $$ > '{marker}.tmp' && mv '{marker}.tmp' '{marker}'\nexec sleep 120\n");
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using var ps = StagedModule.CreateShell(out var runspace);
        using var _ = runspace;
        ps.AddCommand("Step-X0Version").AddParameter("Path", repo.Root).AddParameter("Minor").AddParameter("Push");
        var invocation = ps.BeginInvoke();

        var waited = Stopwatch.StartNew();
        while (!File.Exists(marker))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the push never reached the remote's pre-receive hook");
            if (invocation.IsCompleted) Assert.Fail("Step-X0Version ended before the push: " + Describe(ps.Streams.Error));
            Thread.Sleep(50);
        }
        var hookPid = int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // Mid-push, the release commit and tag exist locally: that is what must be undone.
        Assert.NotEqual(head, repo.Head);
        Assert.Equal("v1.3.0", repo.Git("tag").Trim());

        var stopping = Stopwatch.StartNew();
        ps.Stop();
        stopping.Stop();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"Stop took {stopping.Elapsed}");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(invocation));

        // Local state: as before the command, byte for byte, with no temporaries left.
        Assert.Equal(head, repo.Head);
        Assert.Equal("", repo.Git("tag"));
        Assert.Equal("", repo.Git("status", "--porcelain", "--untracked-files=all"));
        foreach (var (path, bytes) in before) Assert.Equal(bytes, repo.ReadBytes(path));

        // Remote: nothing arrived, and the hook (a grandchild of our git push) was killed with its tree.
        Assert.Equal(head, GitRepoFixture.Run(bare, "rev-parse", "main").Trim());
        Assert.Equal("", GitRepoFixture.Run(bare, "tag"));
        var gone = Stopwatch.StartNew();
        while (ProcessExists(hookPid) && gone.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
        Assert.False(ProcessExists(hookPid), $"the remote hook (pid {hookPid}) outlived the stopped command");

        // The next run starts clean and succeeds once the remote lets it through.
        File.WriteAllText(hook, "#!/bin/sh\nexit 0\n");
        ps.Commands.Clear();
        ps.AddCommand("Step-X0Version").AddParameter("Path", repo.Root).AddParameter("Minor").AddParameter("Push");
        var change = ps.Invoke().Single();
        Assert.Equal("1.3.0", change.Properties["Version"].Value);
        Assert.True((bool)change.Properties["Pushed"].Value);
        Assert.Equal(repo.Head, GitRepoFixture.Run(bare, "rev-parse", "main").Trim());
    }

    // PSDataCollection enumerates blocking until the pipeline closes it: index it instead.
    private static string Describe<T>(PSDataCollection<T> items) =>
        string.Join("; ", Enumerable.Range(0, items.Count).Select(i => items[i]));

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
