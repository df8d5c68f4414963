using System.Security.Cryptography;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Releasing;

/// <summary>
/// The preflight: through the whole (local) release, and alone against a real repository (with a real bare
/// remote where the remote matters) for each refusal a release must stop on.
/// </summary>
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

    // ---------------------------------------------------------------------------------------------
    // The preflight's refusals, one by one: the step alone against a real repository (and a real bare
    // remote where the remote matters). Every run is checked to have written nothing: the tree, the
    // ignored files, the refs (local and remote) and the release folder are as they were before.
    // ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_correct_release_tagged_at_HEAD_pushed_with_agreeing_files_and_its_changelog_section_passes_the_preflight()
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");
        _repo.AddBareRemote();
        _repo.Git("push", "-q", "origin", "v1.3.0");
        var github = new InMemoryGitHub();

        var run = await Preflight(github: github, gitHubRepository: "octo/demo");

        Assert.Null(run.Result.Error);
        Assert.Equal(StepStatus.Done, run.Result.Status);
        Assert.Equal("v1.3.0", run.State.Tag);
        Assert.Equal(_repo.Head, run.State.Commit);
        Assert.Equal("1.3.0", run.State.VersionText);
        Assert.Equal(1, run.State.Notes?.EntryCount);
        Assert.Contains($"v1.3.0 at {_repo.Head[..12]}", run.Result.Detail);
        Assert.Contains("files hold 1.3.0, tree clean", run.Result.Detail);
        Assert.Contains("token may write octo/demo", run.Result.Detail);
    }

    [Fact]
    public async Task A_tag_only_local_passes_the_preflight_and_is_left_to_the_Push_step()
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");
        var bare = _repo.AddBareRemote(); // main is pushed, the tag is not

        var run = await Preflight(github: new InMemoryGitHub(), gitHubRepository: "octo/demo");

        Assert.Null(run.Result.Error);
        Assert.Equal(StepStatus.Done, run.Result.Status);
        Assert.Contains("not on 'origin' yet: pushed after the gates", run.Result.Detail);
        Assert.Equal("", GitRepoFixture.Run(bare, "tag", "-l"));
    }

    [Fact]
    public async Task Without_a_GitHub_release_an_unpushed_tag_is_no_refusal()
    {
        // A local release (no GitHub) needs no pushed tag either.
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");
        _repo.AddBareRemote();

        var run = await Preflight();

        Assert.Null(run.Result.Error);
        Assert.Equal(StepStatus.Done, run.Result.Status);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_tag_the_remote_holds_at_another_commit_stops_the_release_with_TagExistsOnRemote(bool annotated)
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0", annotated);
        _repo.AddBareRemote();
        _repo.Git("push", "-q", "origin", "v1.3.0");
        var published = _repo.Head;
        // The tag is then moved locally onto newer code: the version was already used for other code.
        _repo.Git("tag", "-d", "v1.3.0");
        _repo.Write("README.md", "# demo\n\nA late fix.\n").Commit("fix: a late fix");
        _repo.Tag("v1.3.0", annotated);
        var head = _repo.Head;

        var run = await Preflight();

        Refused(run, ErrorIds.TagExistsOnRemote, X0ErrorCategory.ResourceExists,
            expected: new[] { "tag v1.3.0 on 'origin'", $"at {head[..12]}" },
            found: new[] { $"it points at {published[..12]} there" },
            fix: "bump to the next version");
    }

    [Fact]
    public async Task Without_a_release_tag_at_HEAD_the_preflight_stops_with_ReleaseTagNotFound()
    {
        Project(pyproject: "1.3.0"); // v1.2.0 is on the parent; HEAD has only a tag outside the format
        _repo.Tag("nightly");

        var run = await Preflight();

        Refused(run, ErrorIds.ReleaseTagNotFound, X0ErrorCategory.ObjectNotFound,
            expected: new[] { "a release tag (v{version}) at HEAD", _repo.Head[..12] },
            found: new[] { "none" },
            fix: "Step-X0Version");
    }

    [Theory]
    [InlineData("v1.4.0", null)]
    [InlineData(null, "1.4.0")]
    public async Task A_requested_release_tag_that_does_not_exist_stops_the_preflight_with_ReleaseTagNotFound(string? tag, string? version)
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");

        var run = await Preflight(new ReleaseRequest { Path = _repo.Root, Tag = tag, Version = version });

        var error = Refused(run, ErrorIds.ReleaseTagNotFound, X0ErrorCategory.ObjectNotFound,
            expected: new[] { "the release tag v1.4.0 in this repository" },
            found: new[] { "no such tag" },
            fix: "git fetch --tags");
        Assert.Equal("v1.4.0", error.Target);
    }

    [Fact]
    public async Task A_requested_tag_outside_the_tag_format_is_no_release_tag()
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("nightly");

        var run = await Preflight(new ReleaseRequest { Path = _repo.Root, Tag = "nightly" });

        Refused(run, ErrorIds.ReleaseTagNotFound, X0ErrorCategory.InvalidArgument,
            expected: new[] { "a tag in the format v{version}" },
            found: new[] { "'nightly'" },
            fix: "-Tag");
    }

    [Fact]
    public async Task A_repository_without_commits_has_no_release_tag()
    {
        _repo.Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.3.0\"\n");

        var run = await Preflight();

        Refused(run, ErrorIds.ReleaseTagNotFound, X0ErrorCategory.ObjectNotFound,
            expected: new[] { "a repository with a tagged commit" },
            found: new[] { "no commits" },
            fix: "Commit");
    }

    [Theory]
    [InlineData("v1.3.0", null)]
    [InlineData(null, "1.3.0")]
    public async Task A_release_tag_behind_HEAD_stops_the_preflight_with_ReleaseNotAtHead(string? tag, string? version)
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");
        var tagged = _repo.Head;
        _repo.Write("README.md", "# demo\n\nAfter the release.\n").Commit("docs: after the release");
        var head = _repo.Head;

        var run = await Preflight(new ReleaseRequest { Path = _repo.Root, Tag = tag, Version = version });

        Refused(run, ErrorIds.ReleaseNotAtHead, X0ErrorCategory.InvalidOperation,
            expected: new[] { $"HEAD at the tagged commit {tagged[..12]}" },
            found: new[] { $"HEAD at {head[..12]}" },
            fix: "git switch --detach v1.3.0");
    }

    [Fact]
    public async Task A_changed_tracked_file_stops_the_preflight_with_DirtyWorkingTree_and_is_left_as_it_is()
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");
        _repo.Write("README.md", "# demo\n\nNot committed.\n");

        var run = await Preflight();

        var error = Refused(run, ErrorIds.DirtyWorkingTree, X0ErrorCategory.InvalidOperation,
            expected: new[] { "a clean working tree at the release tag" },
            found: new[] { "changes in README.md" },
            fix: "Commit or stash");
        Assert.Equal("# demo\n\nNot committed.\n", _repo.ReadText("README.md"));
        Assert.Equal(_repo.Root, error.Target);
    }

    [Fact]
    public async Task Version_files_still_at_the_previous_version_stop_the_preflight_with_VersionMismatch()
    {
        Project(pyproject: "1.2.0"); // tagged by hand without the bump
        _repo.Tag("v1.3.0");

        var run = await Preflight();

        Refused(run, ErrorIds.VersionMismatch, X0ErrorCategory.InvalidData,
            expected: new[] { "every version file to hold 1.3.0", "tag v1.3.0" },
            found: new[] { "pyproject.toml = 1.2.0", "src/demo/__init__.py = 1.2.0" },
            fix: "Step-X0Version");
    }

    [Fact]
    public async Task A_package_version_left_behind_in_src_init_stops_the_preflight_with_VersionMismatch()
    {
        Project(pyproject: "1.3.0", module: "1.2.0");
        _repo.Tag("v1.3.0");

        var run = await Preflight();

        Refused(run, ErrorIds.VersionMismatch, X0ErrorCategory.InvalidData,
            expected: new[] { "every version file to hold the same version" },
            found: new[] { "pyproject.toml", "= 1.3.0", "src/demo/__init__.py (__version__) = 1.2.0" },
            fix: "Make the files agree");
    }

    [Fact]
    public async Task A_pre_release_tag_matches_its_PEP_440_spelling_in_the_version_files()
    {
        Project(pyproject: "1.3.0rc1", changelogSection: null);
        _repo.Tag("v1.3.0-rc.1");

        var run = await Preflight();

        Assert.Null(run.Result.Error);
        Assert.Equal(StepStatus.Done, run.Result.Status);
        Assert.Equal("1.3.0-rc.1", run.State.VersionText);
        Assert.Contains("files hold 1.3.0-rc.1", run.Result.Detail);
    }

    [Theory]
    [InlineData("1.3.0")]
    [InlineData("1.3.0rc2")]
    [InlineData("1.3.0b1")]
    public async Task A_pre_release_tag_with_another_version_in_the_files_stops_the_preflight_with_VersionMismatch(string written)
    {
        Project(pyproject: written, changelogSection: null);
        _repo.Tag("v1.3.0-rc.1");

        var run = await Preflight();

        Refused(run, ErrorIds.VersionMismatch, X0ErrorCategory.InvalidData,
            expected: new[] { "every version file to hold 1.3.0-rc.1", "tag v1.3.0-rc.1" },
            found: new[] { $"pyproject.toml = {written}", $"src/demo/__init__.py = {written}" },
            fix: "Step-X0Version");
    }

    [Fact]
    public async Task A_release_without_releasable_commits_stops_the_preflight_with_NotesEmpty()
    {
        Project(pyproject: "1.3.0", message: "tidy up"); // not a Conventional Commit: no note entry
        _repo.Tag("v1.3.0");

        var run = await Preflight();

        Refused(run, ErrorIds.NotesEmpty, X0ErrorCategory.InvalidData,
            expected: new[] { "release notes for v1.3.0" },
            found: new[] { "no releasable Conventional Commits since v1.2.0" },
            fix: "-Notes");
    }

    [Fact]
    public async Task A_release_of_only_hidden_commit_types_stops_the_preflight_with_NotesEmpty()
    {
        Project(pyproject: "1.3.0", message: "chore: tidy up");
        _repo.Tag("v1.3.0");

        var run = await Preflight();

        Refused(run, ErrorIds.NotesEmpty, X0ErrorCategory.InvalidData,
            expected: new[] { "release notes for v1.3.0" },
            found: new[] { "no releasable Conventional Commits since v1.2.0" },
            fix: "-Notes");
    }

    [Fact]
    public async Task Blank_notes_given_by_hand_are_refused_as_blank_not_as_missing_commits()
    {
        Project(pyproject: "1.3.0", message: "feat: a thing");
        _repo.Tag("v1.3.0");

        var run = await Preflight(new ReleaseRequest { Path = _repo.Root, Notes = "  \n" });

        Refused(run, ErrorIds.NotesEmpty, X0ErrorCategory.InvalidArgument,
            expected: new[] { "release notes for v1.3.0" },
            found: new[] { "-Notes with only white space" },
            fix: "leave -Notes out");
    }

    [Fact]
    public async Task Notes_given_by_hand_release_a_version_without_releasable_commits()
    {
        // The other side of NotesEmpty: -Notes is the way out the refusal names.
        Project(pyproject: "1.3.0", message: "tidy up");
        _repo.Tag("v1.3.0");

        var run = await Preflight(new ReleaseRequest { Path = _repo.Root, Notes = "Housekeeping only." });

        Assert.Null(run.Result.Error);
        Assert.Equal(StepStatus.Done, run.Result.Status);
        Assert.Equal("Housekeeping only.", run.State.Notes?.Markdown);
    }

    [Fact]
    public async Task A_token_that_may_not_write_stops_the_preflight_with_PermissionMissing()
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");
        _repo.AddBareRemote();
        _repo.Git("push", "-q", "origin", "v1.3.0");

        var run = await Preflight(github: new InMemoryGitHub { CanWrite = false }, gitHubRepository: "octo/demo");

        Refused(run, ErrorIds.PermissionMissing, X0ErrorCategory.PermissionDenied,
            expected: new[] { "contents: write on octo/demo" },
            found: new[] { "permissions.push is false" },
            fix: "permissions: contents: write");
    }

    private Task<PublishReleaseResult> PublishToGitHub(InMemoryGitHub github, IQualityGates? gates = null) =>
        new PublishRelease(new ReleaseCollaborators
        {
            Notes = new FixedNotes(),
            Gates = gates ?? new NoGates(),
            GitHub = (_, _) => github,
        }).RunAsync(new ReleaseRequest { Path = _repo.Root, SkipTests = gates is null, Repository = "octo/demo", Token = "t0ken" },
            X0Context.None, whatIf: false, (_, _) => Task.FromResult(true));

    [Fact]
    public async Task Through_Publish_X0Release_a_local_tag_is_pushed_with_its_branch_after_the_gates_and_before_the_GitHub_release()
    {
        Project(pyproject: "1.3.0");
        var bare = _repo.AddBareRemote();
        // The remote has main up to the release commit's parent: the release commit goes out with the tag.
        GitRepoFixture.Run(bare, "update-ref", "refs/heads/main", _repo.Git("rev-parse", "HEAD~1").Trim());
        _repo.Tag("v1.3.0");
        var github = new InMemoryGitHub();

        var result = await PublishToGitHub(github);

        Assert.True(result.Succeeded, result.FirstFailure?.Detail);
        var names = result.Steps.Select(s => s.Name).ToList();
        Assert.True(names.IndexOf("Push") > names.IndexOf("Gates") && names.IndexOf("Push") < names.IndexOf("GitHub Release"));
        var push = result.Steps.Single(s => s.Name == "Push");
        Assert.Equal(StepStatus.Done, push.Status);
        Assert.Contains("pushed main and v1.3.0 to 'origin'", push.Detail);
        Assert.Equal(_repo.Head, GitRepoFixture.Run(bare, "rev-parse", "main").Trim());
        Assert.Equal(_repo.Head, GitRepoFixture.Run(bare, "rev-parse", "v1.3.0^{commit}").Trim());
        Assert.Single(github.Releases);

        // A re-run finds the tag there.
        var again = await PublishToGitHub(github);
        Assert.Equal(StepStatus.AlreadyDone, again.Steps.Single(s => s.Name == "Push").Status);
    }

    [Fact]
    public async Task A_remote_branch_that_already_holds_the_release_commit_and_more_gets_only_the_tag()
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");
        var bare = _repo.AddBareRemote(); // main with the release commit, no tag
        var release = _repo.Head;
        // A later commit reached the remote (and this clone fetched it), while HEAD stays at the release.
        _repo.Write("later.txt", "later\n").Commit("fix: later");
        _repo.Git("push", "-q", "origin", "main");
        var later = _repo.Head;
        _repo.Git("switch", "-q", "--detach", "v1.3.0");
        _repo.Git("branch", "-q", "-f", "main", release);
        _repo.Git("switch", "-q", "main");
        var github = new InMemoryGitHub();

        var result = await PublishToGitHub(github);

        Assert.True(result.Succeeded, result.FirstFailure?.Detail);
        Assert.Contains("pushed v1.3.0 to 'origin'", result.Steps.Single(s => s.Name == "Push").Detail);
        Assert.Equal(later, GitRepoFixture.Run(bare, "rev-parse", "main").Trim());
        Assert.Equal(release, GitRepoFixture.Run(bare, "rev-parse", "v1.3.0^{commit}").Trim());
    }

    [Fact]
    public async Task A_push_the_remote_refuses_stops_before_GitHub_is_touched_and_keeps_the_local_tag()
    {
        Project(pyproject: "1.3.0");
        _repo.Tag("v1.3.0");
        var bare = _repo.AddBareRemote();
        var hook = Path.Combine(bare, "hooks", "pre-receive");
        File.WriteAllText(hook, "#!/bin/sh\necho 'tags are protected here' >&2\nexit 1\n");
        FileModes.Set(hook, "755");
        var github = new InMemoryGitHub();

        var result = await PublishToGitHub(github);

        var push = result.Steps.Single(s => s.Name == "Push");
        Assert.Equal(StepStatus.Failed, push.Status);
        Assert.Equal(ErrorIds.PushRejected, push.Error!.ErrorId);
        Assert.Contains("tags are protected here", push.Error.Found);
        Assert.Contains("again: it resumes here", push.Error.Fix);
        Assert.Equal(0, github.Mutations);
        Assert.Empty(github.Releases);
        Assert.Contains("v1.3.0", _repo.Git("tag", "-l"));
        Assert.Equal("", GitRepoFixture.Run(bare, "tag", "-l"));
    }

    [Fact]
    public async Task A_remote_branch_that_moved_on_refuses_the_push_and_the_fix_says_to_bump_again_on_top()
    {
        Project(pyproject: "1.3.0");
        var bare = _repo.AddBareRemote();
        GitRepoFixture.Run(bare, "update-ref", "refs/heads/main", _repo.Git("rev-parse", "HEAD~1").Trim());
        _repo.Tag("v1.3.0");
        // Someone else pushed to main meanwhile.
        var other = Path.Combine(Path.GetTempPath(), "x0-other-" + Guid.NewGuid().ToString("N")[..8]);
        GitRepoFixture.Run(Path.GetTempPath(), "clone", "-q", bare, other);
        File.WriteAllText(Path.Combine(other, "other.txt"), "theirs\n");
        GitRepoFixture.Run(other, "add", "-A");
        GitRepoFixture.Run(other, "-c", "user.name=o", "-c", "user.email=o@example.invalid", "commit", "-q", "-m", "fix: theirs");
        GitRepoFixture.Run(other, "push", "-q", "origin", "main");
        var github = new InMemoryGitHub();

        var result = await PublishToGitHub(github);

        var push = result.Steps.Single(s => s.Name == "Push");
        Assert.Equal(StepStatus.Failed, push.Status);
        Assert.Equal(ErrorIds.PushRejected, push.Error!.ErrorId);
        Assert.Contains("git tag -d v1.3.0", push.Error.Fix);
        Assert.Equal("", GitRepoFixture.Run(bare, "tag", "-l")); // atomic: neither the branch nor the tag
        Assert.Equal(0, github.Mutations);
        Directory.Delete(other, recursive: true);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private sealed record PreflightRun(StepResult Result, ReleaseState State);

    /// <summary>
    /// The project released at v1.2.0 (tagged), then one more commit (<paramref name="message"/>) that
    /// sets pyproject.toml and src/demo/__init__.py to the given versions and, unless null, adds the
    /// CHANGELOG.md section <paramref name="changelogSection"/>. Not tagged: each test tags as it needs.
    /// </summary>
    private void Project(string pyproject, string? module = null, string? changelogSection = "1.3.0", string message = "feat: another thing")
    {
        _repo.Write(".gitignore", "out/\n")
            .Write("README.md", "# demo\n")
            .Write("CHANGELOG.md", Changelog("1.2.0"))
            .Write("pyproject.toml", Pyproject("1.2.0"))
            .Write("src/demo/__init__.py", Module("1.2.0"))
            .Commit("feat: a thing");
        _repo.Tag("v1.2.0");
        _repo.Write("CHANGELOG.md", changelogSection is null ? Changelog("1.2.0") : Changelog(changelogSection, "1.2.0"))
            .Write("pyproject.toml", Pyproject(pyproject))
            .Write("src/demo/__init__.py", Module(module ?? pyproject))
            .Commit(message);
    }

    private static string Pyproject(string version) => $"[project]\nname = \"demo\"\nversion = \"{version}\"\n";

    private static string Module(string version) => $"\"\"\"demo\"\"\"\n\n__version__ = \"{version}\"\n";

    private static string Changelog(params string[] versions) =>
        "# Changelog\n\n" + string.Concat(versions.Select(v => $"## [{v}] - 2026-01-01\n\n- a thing\n\n"));

    /// <summary>
    /// Runs the preflight step alone (through the runner, as Publish-X0Release does) with the real
    /// Conventional Commits notes engine, and proves it wrote nothing: files (ignored ones included),
    /// git status, local and remote refs are unchanged, and no release folder exists.
    /// </summary>
    private async Task<PreflightRun> Preflight(ReleaseRequest? request = null, IGitHubReleaseGateway? github = null, string? gitHubRepository = null)
    {
        var before = Snapshot();
        var config = ConfigLoader.Load(_repo.Root);
        using var git = LibGit2Repository.Open(_repo.Root);
        var state = new ReleaseState(request ?? new ReleaseRequest { Path = _repo.Root }, config, git) { GitHubRepository = gitHubRepository };
        var notes = ReleaseCollaboratorsFactory.Create(X0Context.None, TimeSpan.FromMinutes(1)).Notes;

        var results = await ReleaseRunner.RunAsync(new ReleaseStep[] { new PreflightStep(notes, github) }, state, X0Context.None, whatIf: false,
            (target, action) => throw new InvalidOperationException($"a read-only preflight asked to {action} {target}"));

        Assert.Equal(before, Snapshot());
        Assert.False(Directory.Exists(_repo.PathOf("out")), "the preflight created out/");
        if (state.OutputDirectory.Length > 0)
        {
            Assert.False(Directory.Exists(state.OutputDirectory), $"the preflight created {state.OutputDirectory}");
        }
        if (github is InMemoryGitHub fake)
        {
            Assert.Equal(0, fake.Mutations);
        }
        return new PreflightRun(Assert.Single(results), state);
    }

    /// <summary>Asserts a refusal: its id and category, and that its message says what was expected, what was found and what to do.</summary>
    private static X0Exception Refused(PreflightRun run, string errorId, X0ErrorCategory category, string[] expected, string[] found, string fix)
    {
        Assert.Equal(StepStatus.Failed, run.Result.Status);
        Assert.Equal("Preflight", run.Result.Name);
        var error = Assert.IsAssignableFrom<X0Exception>(run.Result.Error);
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(category, error.Category);
        foreach (var e in expected) Assert.Contains(e, error.Expected);
        foreach (var f in found) Assert.Contains(f, error.Found);
        Assert.Contains(fix, error.Fix);
        // The record the user sees carries all three.
        Assert.StartsWith($"Expected {error.Expected.TrimEnd('.')}, but found {error.Found.TrimEnd('.')}.", error.Message);
        Assert.Contains(fix, error.Message);
        Assert.Equal(error.Message, run.Result.Detail);
        return error;
    }

    /// <summary>Everything a write could change: every file outside .git (ignored ones too) with its hash, git status, and the refs here and on origin.</summary>
    private string Snapshot()
    {
        var files = Directory.EnumerateFiles(_repo.Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_repo.Root, f).Replace('\\', '/'))
            .Where(p => p != ".git" && !p.StartsWith(".git/", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => $"{p} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(_repo.PathOf(p))))}");
        var bare = _repo.Root + "-origin.git";
        return string.Join("\n", files)
               + "\n--- status\n" + _repo.Git("status", "--porcelain=v1", "--ignored", "--untracked-files=all")
               + "--- refs\n" + _repo.Git("for-each-ref", "--format=%(refname) %(objectname)")
               + "--- origin\n" + (Directory.Exists(bare) ? GitRepoFixture.Run(bare, "for-each-ref", "--format=%(refname) %(objectname)") : "none");
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
