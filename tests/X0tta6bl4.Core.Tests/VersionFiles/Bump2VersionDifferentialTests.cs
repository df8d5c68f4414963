using System.Diagnostics;
using System.Text;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.VersionFiles;

/// <summary>
/// Debian's bumpversion (bump2version 1.0.1) and Step-X0Version side by side on the same configurations
/// (Fixtures/bumpversion/*.case, modelled on real projects' configs): every file byte for byte, the commit
/// message, the tags and their messages; a configuration one refuses the other refuses too, with nothing
/// changed. Runs where bumpversion is installed (apt-get install bumpversion; CI installs it).
/// </summary>
public class Bump2VersionDifferentialTests
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "Fixtures", "bumpversion");

    public static TheoryData<string> Cases() => new(Directory.GetFiles(FixtureRoot, "*.case").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Step_X0Version_does_what_bumpversion_does(string name)
    {
        var bumpversion = Which("bumpversion") ?? Which("bump2version");
        if (bumpversion is null) Assert.Skip("bumpversion is not installed (apt-get install bumpversion)");
        var (bump, files) = Load(Path.Combine(FixtureRoot, name + ".case"));

        using var theirs = Repo(name + "-bv", files);
        using var ours = Repo(name + "-x0", files);
        var before = Snapshot(ours.Root);

        var args = bump.StartsWith('=') ? new[] { "--new-version", bump[1..], "patch" } : new[] { bump };
        var (code, output) = Run(bumpversion, theirs.Root, args);

        var request = new StepVersionRequest
        {
            Path = ours.Root,
            Bump = bump switch
            {
                "major" => BumpRequest.Major(),
                "minor" => BumpRequest.Minor(),
                "patch" => BumpRequest.Patch(),
                _ when bump.StartsWith('=') => new BumpRequest { Explicit = bump[1..] },
                _ => new BumpRequest { Part = bump },
            },
        };
        X0Exception? refused = null;
        try
        {
            var operation = new StepVersion();
            var context = new X0Context(new RecordingLog(), cancellation: TestContext.Current.CancellationToken);
            var plan = await operation.PlanAsync(request, context);
            await operation.ExecuteAsync(plan, request, context);
        }
        catch (X0Exception ex)
        {
            refused = ex;
        }

        if (code != 0)
        {
            Assert.True(refused is not null, $"bumpversion refused ({output.Trim()}) but Step-X0Version bumped");
            Assert.Equal(before, Snapshot(ours.Root));
            return;
        }
        Assert.True(refused is null, $"bumpversion bumped but Step-X0Version refused: {refused?.Message}");
        Assert.Equal(Snapshot(theirs.Root), Snapshot(ours.Root));
        Assert.Equal(theirs.Git("rev-list", "--count", "HEAD"), ours.Git("rev-list", "--count", "HEAD"));
        Assert.Equal(theirs.Git("log", "-1", "--format=%B").TrimEnd(), ours.Git("log", "-1", "--format=%B").TrimEnd());
        Assert.Equal(theirs.Git("show", "--name-only", "--format=", "HEAD").Split('\n').Order(), ours.Git("show", "--name-only", "--format=", "HEAD").Split('\n').Order());
        Assert.Equal(theirs.Git("tag", "-l"), ours.Git("tag", "-l"));
        Assert.Equal(theirs.Git("tag", "-l", "--format=%(contents)").TrimEnd(), ours.Git("tag", "-l", "--format=%(contents)").TrimEnd());
    }

    /// <summary>A .case file: "# bump: part" (or "=version"), then "=== path" sections; "[crlf]" converts line endings.</summary>
    internal static (string Bump, List<(string Path, string Text)> Files) Load(string path)
    {
        var lines = File.ReadAllText(path, Encoding.UTF8).Split('\n');
        var bump = lines[0]["# bump:".Length..].Trim();
        var files = new List<(string Path, string Text)>();
        string? current = null;
        var crlf = false;
        var body = new StringBuilder();
        void Flush()
        {
            if (current is null) return;
            var text = body.ToString();
            files.Add((current, crlf ? text.Replace("\n", "\r\n", StringComparison.Ordinal) : text));
            body.Clear();
        }
        foreach (var line in lines.Skip(1).Take(lines.Length - 2))
        {
            if (line == "=== [no final newline]")
            {
                var (p, t) = files[^1];
                files[^1] = (p, t.EndsWith("\r\n", StringComparison.Ordinal) ? t[..^2] : t[..^1]);
                continue;
            }
            if (line.StartsWith("=== ", StringComparison.Ordinal))
            {
                Flush();
                crlf = line.EndsWith(" [crlf]", StringComparison.Ordinal);
                current = crlf ? line[4..^7] : line[4..];
                continue;
            }
            body.Append(line).Append('\n');
        }
        Flush();
        return (bump, files);
    }

    private static GitRepoFixture Repo(string name, List<(string Path, string Text)> files)
    {
        var repo = new GitRepoFixture(name);
        foreach (var (path, text) in files) repo.Write(path, text);
        repo.Commit("chore: initial");
        return repo;
    }

    private static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Replace('\\', '/').StartsWith(".git/", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), f => Convert.ToHexString(File.ReadAllBytes(f)));

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    private static (int Code, string Output) Run(string exe, string cwd, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["GIT_AUTHOR_NAME"] = psi.Environment["GIT_COMMITTER_NAME"] = "X0 Test";
        psi.Environment["GIT_AUTHOR_EMAIL"] = psi.Environment["GIT_COMMITTER_EMAIL"] = "x0@example.com";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}
