using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Operations;

/// <summary>Issue 16's version items, each on a real git repository (and a real remote where it matters).</summary>
public class StepVersionReliabilityTests
{
    private const string Pyproject = "[project]\nname = \"pkg\"\nversion = \"1.2.3\"\n";
    private const string InitPy = "__version__ = \"1.2.3\"\n";

    internal static GitRepoFixture PythonRepo(string name = "rel")
    {
        var repo = new GitRepoFixture(name);
        repo.Write("pyproject.toml", Pyproject).Write("src/pkg/__init__.py", InitPy).Commit("feat: initial");
        return repo;
    }

    internal static X0Context Context(RecordingLog? log = null) =>
        new(log ?? new RecordingLog(), cancellation: TestContext.Current.CancellationToken);

    internal static async Task<StepVersionResult> Bump(StepVersionRequest request)
    {
        var operation = new StepVersion();
        var plan = await operation.PlanAsync(request, Context());
        return await operation.ExecuteAsync(plan, request, Context());
    }

    [Fact]
    public async Task A_detected_file_whose_version_cannot_be_parsed_stops_the_run_naming_it()
    {
        using var repo = new GitRepoFixture("unparseable");
        repo.Write("pyproject.toml", "[project]\nname = \"pkg\"\nversion = \"not.a.version\"\n")
            .Write("src/pkg/__init__.py", "__version__ = \"1.2.0\"\n").Commit("feat: initial");
        var head = repo.Head;

        var ex = await Assert.ThrowsAsync<X0Exception>(() => Bump(new() { Path = repo.Root, Bump = BumpRequest.Minor() }));
        Assert.Equal(ErrorIds.InvalidVersion, ex.ErrorId);
        Assert.Contains("pyproject.toml", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not.a.version", ex.Message, StringComparison.Ordinal);
        Assert.Equal(head, repo.Head);
        Assert.Equal("", repo.Git("status", "--porcelain"));
        Assert.Equal("", repo.Git("tag"));
    }

    [Fact]
    public async Task A_detected_file_with_two_version_lines_stops_the_run_instead_of_being_dropped()
    {
        using var repo = new GitRepoFixture("ambiguous");
        repo.Write("pyproject.toml", Pyproject)
            .Write("src/pkg/__init__.py", "__version__ = \"1.2.3\"\n__version__ = \"1.2.3\"\n").Commit("feat: initial");
        var ex = await Assert.ThrowsAsync<X0Exception>(() => Bump(new() { Path = repo.Root, Bump = BumpRequest.Minor() }));
        Assert.Equal(ErrorIds.PatternAmbiguous, ex.ErrorId);
        Assert.Contains("src/pkg/__init__.py", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RC", "v1.3.0-rc.1", "1.3.0rc1")]
    [InlineData("Beta", "v1.3.0-beta.1", "1.3.0b1")]
    [InlineData("a", "v1.3.0-alpha.1", "1.3.0a1")]
    [InlineData("preview", "v1.3.0-rc.1", "1.3.0rc1")]
    public async Task A_pre_release_label_in_any_spelling_gives_one_version_in_tag_and_files(string label, string tag, string pep440)
    {
        using var repo = PythonRepo("label");
        var result = await Bump(new() { Path = repo.Root, Bump = new BumpRequest { Component = VersionComponent.Minor, PreReleaseLabel = label } });

        Assert.Equal(tag, result.Plan.Tag);
        Assert.Equal(tag + "\n", repo.Git("tag", "-l"));
        Assert.Contains($"version = \"{pep440}\"", repo.ReadText("pyproject.toml"), StringComparison.Ordinal);
        // Both ways: what the file says reads back as the tag's version.
        Assert.Equal(tag[1..], Pep440.ToSemVer(pep440).ToString());
    }

    [Fact]
    public async Task An_invalid_tag_format_is_refused_before_anything_is_planned_or_written()
    {
        using var repo = new GitRepoFixture("tagformat");
        repo.Write("pyproject.toml", Pyproject + "\n[tool.x0tta6bl4]\ntag_format = \"v{version}; touch /tmp/x\"\n")
            .Write("src/pkg/__init__.py", InitPy).Commit("feat: initial");
        var head = repo.Head;

        var ex = await Assert.ThrowsAsync<X0Exception>(() => new StepVersion().PlanAsync(new() { Path = repo.Root, Bump = BumpRequest.Minor() }, Context()));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
        Assert.Contains("tag_format", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid git ref name", ex.Message, StringComparison.Ordinal);
        Assert.Equal(head, repo.Head);
        Assert.Equal("", repo.Git("status", "--porcelain"));
    }

    private static string Clone(string source, string target)
    {
        GitRepoFixture.Run(Path.GetTempPath(), "clone", "-q", source, target);
        GitRepoFixture.Run(target, "config", "user.name", "Other");
        GitRepoFixture.Run(target, "config", "user.email", "other@example.com");
        return target;
    }

    [Fact]
    public async Task A_symlinked_version_file_inside_the_repository_is_written_through_and_stays_a_link()
    {
        using var repo = new GitRepoFixture("symlink");
        repo.Write("pyproject.toml", Pyproject).Write("shared/version.py", InitPy);
        Directory.CreateDirectory(repo.PathOf("src/pkg"));
        File.CreateSymbolicLink(repo.PathOf("src/pkg/__init__.py"), "../../shared/version.py");
        repo.Commit("feat: initial");

        var result = await Bump(new() { Path = repo.Root, Bump = BumpRequest.Minor() });

        Assert.Equal("1.3.0", result.Plan.NextVersion);
        Assert.NotNull(new FileInfo(repo.PathOf("src/pkg/__init__.py")).LinkTarget);
        Assert.Equal("__version__ = \"1.3.0\"\n", repo.ReadText("shared/version.py"));
        Assert.Equal("120000", repo.Git("ls-tree", "HEAD", "src/pkg/__init__.py").Split(' ')[0]);
        Assert.Equal("pyproject.toml\nshared/version.py\n", repo.Git("show", "--name-only", "--format=", "HEAD"));
        Assert.Equal("", repo.Git("status", "--porcelain"));
    }

    [Fact]
    public async Task A_symlinked_version_file_leaving_the_repository_is_refused_before_any_write()
    {
        using var outside = new TempDirectory("outside");
        outside.Write("version.py", InitPy);
        using var repo = new GitRepoFixture("symlink-out");
        repo.Write("pyproject.toml", Pyproject);
        Directory.CreateDirectory(repo.PathOf("src/pkg"));
        File.CreateSymbolicLink(repo.PathOf("src/pkg/__init__.py"), Path.Combine(outside.Root, "version.py"));
        repo.Commit("feat: initial");
        var head = repo.Head;

        var ex = await Assert.ThrowsAsync<X0Exception>(() => Bump(new() { Path = repo.Root, Bump = BumpRequest.Minor() }));
        Assert.Contains("outside", ex.Message, StringComparison.Ordinal);
        Assert.Contains("src/pkg/__init__.py", ex.Message, StringComparison.Ordinal);
        Assert.Equal(InitPy, File.ReadAllText(Path.Combine(outside.Root, "version.py")));
        Assert.Equal(Pyproject, repo.ReadText("pyproject.toml"));
        Assert.Equal(head, repo.Head);
    }

    [Fact]
    public async Task The_loser_of_two_concurrent_pushes_is_told_it_was_a_race_and_how_to_plan_again()
    {
        using var repo = PythonRepo("race");
        var bare = repo.AddBareRemote();
        using var dir = new TempDirectory("race-other");
        var other = Clone(bare, Path.Combine(dir.Root, "o"));
        var request = new StepVersionRequest { Path = repo.Root, Bump = BumpRequest.Minor(), Push = true };
        var otherRequest = request with { Path = other };

        // Both runs plan against the same remote state, as two jobs started together would.
        var mine = new StepVersion();
        var theirs = new StepVersion();
        var myPlan = await mine.PlanAsync(request, Context());
        var theirPlan = await theirs.PlanAsync(otherRequest, Context());
        await theirs.ExecuteAsync(theirPlan, otherRequest, Context());
        var head = repo.Head;

        var ex = await Assert.ThrowsAsync<X0Exception>(() => mine.ExecuteAsync(myPlan, request, Context()));
        Assert.Equal(ErrorIds.RemoteMovedOn, ex.ErrorId);
        Assert.Contains("race", ex.Message, StringComparison.Ordinal);
        Assert.Contains("git pull --rebase origin main", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-WhatIf", ex.Message, StringComparison.Ordinal);
        // The loser rolled back cleanly: HEAD, tags and files as before its run.
        Assert.Equal(head, repo.Head);
        Assert.Equal("", repo.Git("tag", "-l"));
        Assert.Equal("", repo.Git("status", "--porcelain"));
    }

    [Fact]
    public async Task A_release_tag_the_remote_lacks_is_found_before_a_second_bump_with_the_command_that_finishes_it()
    {
        using var repo = PythonRepo("unpushed");
        var bare = repo.AddBareRemote();
        // What a push killed half-way leaves: the release commit and tag, locally only.
        await Bump(new() { Path = repo.Root, Bump = BumpRequest.Minor() });
        Assert.Equal("", GitRepoFixture.Run(bare, "tag", "-l"));
        var head = repo.Head;

        var ex = await Assert.ThrowsAsync<X0Exception>(() => Bump(new() { Path = repo.Root, Bump = BumpRequest.Minor(), Push = true }));
        Assert.Equal(ErrorIds.ReleaseNotPushed, ex.ErrorId);
        Assert.Contains("v1.3.0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Publish-X0Release -Tag v1.3.0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("git push origin refs/heads/main refs/tags/v1.3.0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(head, repo.Head);
        Assert.Equal("v1.3.0\n", repo.Git("tag", "-l"));

        // The command it names finishes the release; then the next bump goes ahead.
        repo.Git("push", "-q", "origin", "refs/heads/main", "refs/tags/v1.3.0");
        var next = await Bump(new() { Path = repo.Root, Bump = BumpRequest.Minor(), Push = true });
        Assert.Equal("1.4.0", next.Plan.NextVersion);
    }
}
