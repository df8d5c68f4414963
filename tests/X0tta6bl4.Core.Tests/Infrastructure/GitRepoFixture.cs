using System.Diagnostics;
using System.Text;

namespace X0tta6bl4.Core.Tests.Infrastructure;

/// <summary>
/// A real git repository in a temp folder, driven by the git CLI (the same git users have), with
/// helpers to write files, commit and tag quickly. Deleted on dispose.
/// </summary>
public sealed class GitRepoFixture : IDisposable
{
    public GitRepoFixture(string? name = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "x0-tests", (name ?? "repo") + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        Git("init", "-q", "-b", "main");
        Git("config", "user.name", "X0 Test");
        Git("config", "user.email", "x0@example.com");
        Git("config", "commit.gpgsign", "false");
        Git("config", "tag.gpgsign", "false");
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public GitRepoFixture Write(string relative, string text) => WriteBytes(relative, new UTF8Encoding(false).GetBytes(text));

    public GitRepoFixture WriteBytes(string relative, byte[] bytes)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return this;
    }

    public byte[] ReadBytes(string relative) => File.ReadAllBytes(PathOf(relative));
    public string ReadText(string relative) => File.ReadAllText(PathOf(relative));

    public string Commit(string message = "chore: fixture")
    {
        Git("add", "-A");
        Git("commit", "-q", "--allow-empty", "-m", message);
        return Head;
    }

    public GitRepoFixture Tag(string name, bool annotated = true)
    {
        if (annotated) Git("tag", "-a", name, "-m", name);
        else Git("tag", name);
        return this;
    }

    public string Head => Git("rev-parse", "HEAD").Trim();

    /// <summary>Creates a bare repository, adds it as origin and pushes main.</summary>
    public string AddBareRemote(string name = "origin")
    {
        var bare = Root + "-" + name + ".git";
        Run(Path.GetTempPath(), "init", "-q", "--bare", "-b", "main", bare);
        Git("remote", "add", name, bare);
        Git("push", "-q", name, "main");
        return bare;
    }

    public string Git(params string[] args) => Run(Root, args);

    public static string Run(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}");
        }
        return stdout.Result;
    }

    public void Dispose()
    {
        foreach (var dir in new[] { Root, Root + "-origin.git" })
        {
            try
            {
                if (Directory.Exists(dir))
                {
                    foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
                    {
                        File.SetAttributes(f, FileAttributes.Normal);
                    }
                    Directory.Delete(dir, recursive: true);
                }
            }
            catch (IOException)
            {
                // Temp leftovers are harmless; never fail a test on cleanup.
            }
        }
    }
}
