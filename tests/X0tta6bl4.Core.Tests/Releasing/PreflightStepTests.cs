using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Releasing;

/// <summary>The preflight through the whole (local) release: a real repository, no remote, no GitHub.</summary>
public sealed class PreflightStepTests : IDisposable
{
    private readonly GitRepoFixture _repo = new("preflight");

    private static Task<PublishReleaseResult> Publish(string root) =>
        new PublishRelease(new ReleaseCollaborators
        {
            Notes = new FixedNotes(),
            Gates = new NoGates(),
            GitHub = (_, _) => throw new InvalidOperationException("no GitHub without a GitHub remote"),
        }).RunAsync(new ReleaseRequest { Path = root, SkipTests = true }, X0Context.None, whatIf: false, (_, _) => Task.FromResult(true));

    [Fact]
    public async Task A_pre_release_needs_no_changelog_section_because_Step_X0Version_writes_none_for_it()
    {
        _repo.Write(".gitignore", "out/\n")
            .Write("CHANGELOG.md", "# Changelog\n\n## [1.2.0] - 2026-01-01\n\n- a thing\n")
            .Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.3.0rc1\"\n")
            .Commit("feat: another thing");
        _repo.Tag("v1.3.0-rc.1");

        var result = await Publish(_repo.Root);
        Assert.True(result.Succeeded, result.FirstFailure?.Detail);
        Assert.True(result.Prerelease);
        Assert.Equal(StepStatus.Skipped, result.Steps.Single(s => s.Name == "GitHub Release").Status);
    }

    [Fact]
    public async Task A_final_release_without_its_changelog_section_stops_in_the_preflight()
    {
        _repo.Write(".gitignore", "out/\n")
            .Write("CHANGELOG.md", "# Changelog\n\n## [1.2.0] - 2026-01-01\n\n- a thing\n")
            .Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.3.0\"\n")
            .Commit("feat: another thing");
        _repo.Tag("v1.3.0");

        var result = await Publish(_repo.Root);
        Assert.Equal(ErrorIds.ChangelogMissingVersion, result.FirstFailure?.Error?.ErrorId);
        Assert.Equal("Preflight", result.FirstFailure!.Name);
    }

    public void Dispose() => _repo.Dispose();

    private sealed class FixedNotes : IReleaseNotesSource
    {
        public Task<ReleaseNotes> GetNotesAsync(string repositoryRoot, string tag, CancellationToken cancellation) =>
            Task.FromResult(new ReleaseNotes("### Features\n- another thing\n", "v1.2.0", 1));
    }

    private sealed class NoGates : IQualityGates
    {
        public Task<GateSummary> RunAsync(string projectRoot, string outputDirectory, X0Context context) =>
            throw new InvalidOperationException("-SkipTests: the gates must not run");
    }
}
