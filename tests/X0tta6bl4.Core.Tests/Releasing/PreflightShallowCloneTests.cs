using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Releasing;

/// <summary>
/// A release job with actions/checkout's defaults works in a clone of depth 1 without tags: the notes
/// engine would stop at the cut and describe one commit as the whole release.
/// </summary>
public sealed class PreflightShallowCloneTests : IDisposable
{
    private readonly GitRepoFixture _repo = new("shallow-src");
    private readonly string _clone = Path.Combine(Path.GetTempPath(), "x0-shallow-" + Guid.NewGuid().ToString("N")[..8]);

    private string Source()
    {
        _repo.Write(".gitignore", "out/\n")
            .Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.0.0\"\n")
            .Commit("feat: first");
        _repo.Tag("v1.0.0");
        _repo.Write("a.txt", "a\n").Commit("feat: the feature the notes must list");
        _repo.Write("b.txt", "b\n").Commit("fix: the fix the notes must list");
        _repo.Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.1.0\"\n").Commit("chore(release): 1.1.0");
        _repo.Tag("v1.1.0");
        return new Uri(_repo.Root).AbsoluteUri; // file:// so that --depth is honoured
    }

    private static Task<PublishReleaseResult> Publish(string root, string? notes = null) =>
        new PublishRelease(new ReleaseCollaborators
        {
            Notes = ReleaseCollaboratorsFactory.Create(X0Context.None, TimeSpan.FromSeconds(5)).Notes,
            Gates = new NoGates(),
            GitHub = (_, _) => throw new InvalidOperationException("no GitHub in these tests"),
        }).RunAsync(new ReleaseRequest { Path = root, SkipTests = true, Tag = "v1.1.0", Notes = notes }, X0Context.None, whatIf: false, (_, _) => Task.FromResult(true));

    [Fact]
    public async Task A_depth_one_clone_without_the_previous_tag_stops_in_the_preflight_and_names_the_fix()
    {
        GitRepoFixture.Run(Path.GetTempPath(), "clone", "-q", "--depth", "1", "--branch", "v1.1.0", Source(), _clone);

        var result = await Publish(_clone);

        Assert.False(result.Succeeded);
        Assert.Equal("Preflight", result.FirstFailure!.Name);
        var error = result.FirstFailure.Error!;
        Assert.Equal(ErrorIds.ShallowClone, error.ErrorId);
        Assert.Contains("fetch-depth: 0", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_clone, "out")), "the preflight wrote nothing");
    }

    [Fact]
    public async Task A_shallow_clone_that_reaches_the_previous_release_is_fine_and_its_notes_are_the_whole_release()
    {
        GitRepoFixture.Run(Path.GetTempPath(), "clone", "-q", "--depth", "5", "--branch", "v1.1.0", Source(), _clone);
        GitRepoFixture.Run(_clone, "fetch", "-q", "--tags");

        var result = await Publish(_clone);

        Assert.True(result.Succeeded, result.FirstFailure?.Detail);
        var notes = File.ReadAllText(Path.Combine(_clone, "out", "releases", "v1.1.0", "NOTES.md"));
        Assert.Contains("the feature the notes must list", notes);
        Assert.Contains("the fix the notes must list", notes);
    }

    [Fact]
    public async Task Notes_given_by_the_caller_need_no_history()
    {
        GitRepoFixture.Run(Path.GetTempPath(), "clone", "-q", "--depth", "1", "--branch", "v1.1.0", Source(), _clone);

        var result = await Publish(_clone, notes: "Hand-written notes.");

        Assert.True(result.Succeeded, result.FirstFailure?.Detail);
    }

    public void Dispose()
    {
        _repo.Dispose();
        try
        {
            if (Directory.Exists(_clone)) Directory.Delete(_clone, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class NoGates : IQualityGates
    {
        public Task<GateSummary> RunAsync(string projectRoot, string outputDirectory, X0Context context) =>
            throw new InvalidOperationException("-SkipTests: the gates must not run");
    }
}
