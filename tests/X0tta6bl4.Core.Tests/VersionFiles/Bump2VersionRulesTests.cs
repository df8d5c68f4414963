using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Tests.Operations;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.VersionFiles;

/// <summary>bump2version / bump-my-version keys bumpversion 1.0.1 cannot show side by side: refusals and bump-my-version's own keys.</summary>
public class Bump2VersionRulesTests
{
    private static GitRepoFixture Repo(string name, params (string Path, string Text)[] files)
    {
        var repo = new GitRepoFixture(name);
        foreach (var (p, t) in files) repo.Write(p, t);
        repo.Commit("chore: initial");
        return repo;
    }

    [Theory]
    [InlineData("sign_tags = True\n", "sign_tags")]
    [InlineData("commit_args = --no-verify\n", "commit_args")]
    [InlineData("comit = True\n", "comit")]
    public async Task A_key_that_cannot_be_honoured_stops_the_bump_before_anything_is_written(string line, string key)
    {
        using var repo = Repo("refuse", (".bumpversion.cfg", "[bumpversion]\ncurrent_version = 1.2.3\ncommit = True\ntag = True\n" + line + "\n[bumpversion:file:VERSION]\n"), ("VERSION", "1.2.3\n"));
        var head = repo.Head;
        var ex = await Assert.ThrowsAsync<X0Exception>(() => StepVersionReliabilityTests.Bump(new() { Path = repo.Root, Bump = BumpRequest.Patch() }));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        Assert.Equal("1.2.3\n", repo.ReadText("VERSION"));
        Assert.Equal(head, repo.Head);
    }

    [Theory]
    [InlineData("setup_hooks = [\"make lint\"]\n")]
    [InlineData("moveable_tags = [\"v{new_major}\"]\n")]
    public async Task Bump_my_version_hooks_and_moveable_tags_are_refused_naming_the_key(string line)
    {
        using var repo = Repo("refuse-toml", (".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.2.3\"\n" + line + "\n[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n"), ("VERSION", "1.2.3\n"));
        var ex = await Assert.ThrowsAsync<X0Exception>(() => StepVersionReliabilityTests.Bump(new() { Path = repo.Root, Bump = BumpRequest.Patch() }));
        Assert.Contains(line.Split(' ')[0], ex.Message, StringComparison.Ordinal);
        Assert.Equal("1.2.3\n", repo.ReadText("VERSION"));
    }

    [Fact]
    public async Task Bump_my_version_parts_with_independent_and_ignore_missing_version()
    {
        // build is independent: a minor bump keeps it; the docs file lacks the version and is allowed to.
        using var repo = Repo("bmv",
            (".bumpversion.toml", "[tool.bumpversion]\ncurrent_version = \"1.4.0+7\"\nparse = \"(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)\\\\.(?P<patch>\\\\d+)\\\\+(?P<build>\\\\d+)\"\n" +
                "serialize = [\"{major}.{minor}.{patch}+{build}\"]\ncommit = true\ntag = true\n\n[tool.bumpversion.parts.build]\nindependent = true\n\n" +
                "[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n\n[[tool.bumpversion.files]]\nfilename = \"docs/index.md\"\nignore_missing_version = true\n"),
            ("VERSION", "1.4.0+7\n"), ("docs/index.md", "# Docs\n"));
        var result = await StepVersionReliabilityTests.Bump(new() { Path = repo.Root, Bump = BumpRequest.Minor() });
        Assert.Equal("1.5.0+7", result.Plan.NextVersion);
        Assert.Equal("1.5.0+7\n", repo.ReadText("VERSION"));
        Assert.Contains("current_version = \"1.5.0+7\"", repo.ReadText(".bumpversion.toml"), StringComparison.Ordinal);
        Assert.Equal("v1.5.0+7", repo.Git("tag", "-l").Trim());
    }

    [Fact]
    public async Task A_glob_that_matches_nothing_is_refused_instead_of_leaving_files_unbumped()
    {
        using var repo = Repo("glob-none", (".bumpversion.cfg", "[bumpversion]\ncurrent_version = 1.2.3\ncommit = True\n\n[bumpversion:glob:src/*/__init__.py]\n\n[bumpversion:file:VERSION]\n"), ("VERSION", "1.2.3\n"));
        var ex = await Assert.ThrowsAsync<X0Exception>(() => StepVersionReliabilityTests.Bump(new() { Path = repo.Root, Bump = BumpRequest.Patch() }));
        Assert.Contains("src/*/__init__.py", ex.Message, StringComparison.Ordinal);
        Assert.Equal("1.2.3\n", repo.ReadText("VERSION"));
    }

    [Fact]
    public async Task Pre_release_switches_are_refused_with_the_part_to_use_instead()
    {
        using var repo = Repo("b2v-pre", (".bumpversion.cfg", "[bumpversion]\ncurrent_version = 1.2.3\n\n[bumpversion:file:VERSION]\n"), ("VERSION", "1.2.3\n"));
        var ex = await Assert.ThrowsAsync<X0Exception>(() => StepVersionReliabilityTests.Bump(new() { Path = repo.Root, Bump = new BumpRequest { Component = VersionComponent.Minor, PreReleaseLabel = "rc" } }));
        Assert.Equal(ErrorIds.InvalidBump, ex.ErrorId);
        Assert.Contains("-Part", ex.Message, StringComparison.Ordinal);
    }
}
