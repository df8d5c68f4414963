using System.Security.Cryptography;
using System.Text;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Releasing;

public sealed class AssetsStepTests : IDisposable
{
    private readonly GitRepoFixture _repo = new("assets");

    private ReleaseState NewState(LibGit2Repository git, params string[] assets)
    {
        var state = new ReleaseState(new ReleaseRequest { Path = _repo.Root, Assets = assets }, ConfigLoader.Load(_repo.Root), git)
        {
            Version = Semver.SemVersion.Parse("1.2.0"),
        };
        state.UseTag("v1.2.0");
        return state;
    }

    [Fact]
    public async Task Nothing_to_attach_is_skipped_and_no_empty_checksum_file_is_written()
    {
        _repo.Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.2.0\"\n")
             .Write("dist/demo-1.1.0.tar.gz", "the previous release")
             .Commit("feat: demo");
        using var git = LibGit2Repository.Open(_repo.Root);
        var state = NewState(git);

        var results = await ReleaseRunner.RunAsync(new ReleaseStep[] { new AssetsStep() }, state, X0Context.None, whatIf: false, (_, _) => Task.FromResult(true));

        Assert.Equal(StepStatus.Skipped, results[0].Status);
        Assert.Contains("no assets", results[0].Detail);
        Assert.Empty(state.Assets);
        Assert.False(File.Exists(Path.Combine(AssetsStep.AssetFolder(state), AssetsStep.ChecksumsName)));
    }

    [Fact]
    public async Task This_versions_dist_files_are_copied_with_a_sha256sum_readable_checksum_file_and_a_rerun_is_already_done()
    {
        _repo.Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.2.0\"\n")
             .Write("dist/demo-1.1.0.tar.gz", "the previous release")
             .Write("dist/demo-1.2.0.tar.gz", "this release")
             .Commit("feat: demo");
        using var git = LibGit2Repository.Open(_repo.Root);

        var first = await ReleaseRunner.RunAsync(new ReleaseStep[] { new AssetsStep() }, NewState(git), X0Context.None, whatIf: false, (_, _) => Task.FromResult(true));
        var state = NewState(git);
        var again = await ReleaseRunner.RunAsync(new ReleaseStep[] { new AssetsStep() }, state, X0Context.None, whatIf: false, (_, _) => Task.FromResult(true));

        Assert.Equal(StepStatus.Done, first[0].Status);
        Assert.Equal(StepStatus.AlreadyDone, again[0].Status);
        Assert.Equal(new[] { "demo-1.2.0.tar.gz", AssetsStep.ChecksumsName }, state.Assets.Select(a => a.Name));
        var folder = AssetsStep.AssetFolder(state);
        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("this release"))).ToLowerInvariant();
        Assert.Equal($"{digest}  demo-1.2.0.tar.gz\n", File.ReadAllText(Path.Combine(folder, AssetsStep.ChecksumsName)));
        Assert.False(File.Exists(Path.Combine(folder, "demo-1.1.0.tar.gz")));
    }

    [Fact]
    public async Task An_asset_pattern_matching_nothing_is_an_error_and_nothing_is_written()
    {
        _repo.Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.2.0\"\n").Commit("feat: demo");
        using var git = LibGit2Repository.Open(_repo.Root);
        var state = NewState(git, "build/*.zip");

        var results = await ReleaseRunner.RunAsync(new ReleaseStep[] { new AssetsStep() }, state, X0Context.None, whatIf: false, (_, _) => Task.FromResult(true));

        Assert.Equal(StepStatus.Failed, results[0].Status);
        Assert.Equal(ErrorIds.AssetNotFound, results[0].Error!.ErrorId);
        Assert.False(Directory.Exists(AssetsStep.AssetFolder(state)));
    }

    public void Dispose() => _repo.Dispose();
}
