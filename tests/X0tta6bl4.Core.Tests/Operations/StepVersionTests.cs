using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Tests.VersionFiles;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Operations;

/// <summary>StepVersion end to end on real temporary git repositories (git CLI for setup, LibGit2Sharp inside).</summary>
public class StepVersionTests
{
    private const string Pyproject = "[project]\nname = \"pkg\"\nversion = \"1.2.3\"\ndependencies = [\"dep>=1.2.3\"]\n";
    private const string InitPy = "\"\"\"pkg.\"\"\"\n__version__ = \"1.2.3\"\n";

    private static GitRepoFixture PythonRepo(string name = "py")
    {
        var repo = new GitRepoFixture(name);
        repo.Write("pyproject.toml", Pyproject).Write("src/pkg/__init__.py", InitPy).Write("README.md", "# pkg\n");
        repo.Commit("feat: initial");
        return repo;
    }

    private static StepVersionRequest Request(string path, BumpRequest bump) => new() { Path = path, Bump = bump };

    private static async Task<StepVersionResult> Bump(StepVersionRequest request, IFileOperations? io = null, RecordingLog? log = null)
    {
        var operation = new StepVersion(fileOperations: io);
        var context = new X0Context(log ?? new RecordingLog(), cancellation: TestContext.Current.CancellationToken);
        var plan = await operation.PlanAsync(request, context);
        return await operation.ExecuteAsync(plan, request, context);
    }

    private static async Task<X0Exception> BumpFails(StepVersionRequest request, IFileOperations? io = null) =>
        await Assert.ThrowsAsync<X0Exception>(() => Bump(request, io));

    private static string[] CommittedPaths(GitRepoFixture repo, string rev = "HEAD") =>
        repo.Git("show", "--name-only", "--format=", rev).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();

    /// <summary>Installs a server-side hook in a bare remote (LF endings, executable; git runs it with GIT_DIR set).</summary>
    private static void InstallHook(string bare, string name, string script)
    {
        var path = Path.Combine(bare, "hooks", name);
        File.WriteAllText(path, "#!/bin/sh\n" + script.Replace("\r\n", "\n"));
        FileModes.Set(path, "755");
    }

    private static string RemoteTags(string bare) => GitRepoFixture.Run(bare, "tag", "-l").Trim();

    private static string Clone(string source, string target, params string[] options)
    {
        var args = new List<string> { "clone", "-q" };
        args.AddRange(options);
        args.Add(source);
        args.Add(target);
        GitRepoFixture.Run(Path.GetTempPath(), args.ToArray());
        GitRepoFixture.Run(target, "config", "user.name", "Other");
        GitRepoFixture.Run(target, "config", "user.email", "other@example.com");
        return target;
    }

    [Fact]
    public async Task Minor_bump_commits_exactly_the_version_files_and_tags()
    {
        using var repo = PythonRepo();
        var before = repo.Head;
        var result = await Bump(Request(repo.Root, BumpRequest.Minor()));

        Assert.Equal("1.3.0", result.Plan.NextVersion);
        Assert.Equal(result.CommitSha, repo.Head);
        Assert.Equal(before, repo.Git("rev-parse", "HEAD~1").Trim());
        Assert.Equal(new[] { "pyproject.toml", "src/pkg/__init__.py" }, CommittedPaths(repo));
        Assert.Equal("tag", repo.Git("cat-file", "-t", "v1.3.0").Trim());
        Assert.Contains("dep>=1.2.3", repo.ReadText("pyproject.toml"));
        Assert.Equal("", repo.Git("status", "--porcelain"));
    }

    [Fact]
    public async Task Shallow_clone_is_refused_with_the_fix()
    {
        using var repo = PythonRepo();
        repo.Write("CHANGELOG.md", "x\n").Commit("docs: more");
        using var dir = new TempDirectory("shallow");
        var clone = Clone("file://" + repo.Root, Path.Combine(dir.Root, "c"), "--depth", "1");

        var ex = await BumpFails(Request(clone, BumpRequest.Patch()));
        Assert.Equal(ErrorIds.ShallowClone, ex.ErrorId);
        Assert.Contains("fetch-depth: 0", ex.Message);
        Assert.Equal(InitPy, File.ReadAllText(Path.Combine(clone, "src/pkg/__init__.py")));
    }

    [Fact]
    public async Task Release_tags_on_the_remote_missing_locally_are_refused()
    {
        using var repo = PythonRepo();
        var bare = repo.AddBareRemote();
        using var dir = new TempDirectory("other");
        var other = Clone(bare, Path.Combine(dir.Root, "o"));
        GitRepoFixture.Run(other, "tag", "-a", "v1.2.4", "-m", "elsewhere");
        GitRepoFixture.Run(other, "push", "-q", "origin", "v1.2.4");

        var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()));
        Assert.Equal(ErrorIds.TagsMissing, ex.ErrorId);
        Assert.Contains("v1.2.4", ex.Message);
        Assert.Contains("git fetch --tags", ex.Message);
        Assert.Equal("", repo.Git("status", "--porcelain"));
    }

    [Fact]
    public async Task Tag_that_exists_locally_is_refused()
    {
        using var repo = PythonRepo();
        repo.Tag("v1.3.0");
        var head = repo.Head;
        var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()));
        Assert.Equal(ErrorIds.TagExists, ex.ErrorId);
        Assert.Equal(X0ErrorCategory.ResourceExists, ex.Category);
        Assert.Equal(head, repo.Head);
        Assert.Equal("", repo.Git("status", "--porcelain"));
    }

    [Fact]
    public async Task Branch_behind_its_remote_is_refused_when_pushing_only()
    {
        using var repo = PythonRepo();
        var bare = repo.AddBareRemote();
        using var dir = new TempDirectory("other");
        var other = Clone(bare, Path.Combine(dir.Root, "o"));
        File.WriteAllText(Path.Combine(other, "README.md"), "# changed elsewhere\n");
        GitRepoFixture.Run(other, "commit", "-qam", "docs: elsewhere");
        GitRepoFixture.Run(other, "push", "-q", "origin", "main");
        var head = repo.Head;

        var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()) with { Push = true });
        Assert.Equal(ErrorIds.BranchBehindRemote, ex.ErrorId);
        Assert.Equal(X0ErrorCategory.InvalidOperation, ex.Category);
        Assert.Contains("git pull --rebase origin main", ex.Message);
        Assert.Equal(head, repo.Head);
        Assert.Equal("", repo.Git("tag"));
        Assert.Equal(Pyproject, repo.ReadText("pyproject.toml"));

        // Without -Push there is no network: a remote commit this clone has not fetched cannot be seen.
        var local = await Bump(Request(repo.Root, BumpRequest.Minor()));
        Assert.False(local.Pushed);
        Assert.Equal("1.3.0", local.Plan.NextVersion);
    }

    [Fact]
    public async Task Without_Push_a_branch_behind_what_the_last_fetch_saw_is_refused_before_tagging()
    {
        using var repo = PythonRepo();
        var bare = repo.AddBareRemote();
        using var dir = new TempDirectory("other");
        var other = Clone(bare, Path.Combine(dir.Root, "o"));
        File.WriteAllText(Path.Combine(other, "README.md"), "# changed elsewhere\n");
        GitRepoFixture.Run(other, "commit", "-qam", "docs: elsewhere");
        GitRepoFixture.Run(other, "push", "-q", "origin", "main");
        repo.Git("fetch", "-q", "origin");
        var head = repo.Head;

        var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()));

        Assert.Equal(ErrorIds.BranchBehindRemote, ex.ErrorId);
        Assert.Contains("as of the last fetch", ex.Found);
        Assert.Contains("git pull --rebase origin main", ex.Message);
        Assert.Equal(head, repo.Head);
        Assert.Equal("", repo.Git("tag"));
        Assert.Equal(Pyproject, repo.ReadText("pyproject.toml"));

        // Ahead of the remote (the usual case before a push) is fine.
        repo.Git("pull", "-q", "--rebase", "origin", "main");
        var bumped = await Bump(Request(repo.Root, BumpRequest.Minor()));
        Assert.Equal("1.3.0", bumped.Plan.NextVersion);
    }

    [Fact]
    public async Task A_detached_HEAD_is_refused_naming_the_branch_whose_tip_it_is()
    {
        using var repo = PythonRepo();
        repo.Git("branch", "-q", "release/1.x");
        repo.Git("switch", "-q", "--detach", "HEAD~0");
        repo.Git("branch", "-q", "-D", "main");

        var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()));

        Assert.Equal(ErrorIds.DetachedHead, ex.ErrorId);
        Assert.Contains("(the tip of release/1.x)", ex.Found);
        Assert.Contains("git switch release/1.x", ex.Message);
        Assert.Equal(Pyproject, repo.ReadText("pyproject.toml"));
    }

    [Fact]
    public async Task Push_updates_and_verifies_the_remote()
    {
        using var repo = PythonRepo();
        var bare = repo.AddBareRemote();
        var result = await Bump(Request(repo.Root, BumpRequest.Patch()) with { Push = true });
        Assert.True(result.Pushed);
        Assert.Equal(result.CommitSha, GitRepoFixture.Run(bare, "rev-parse", "main").Trim());
        Assert.Equal(result.CommitSha, GitRepoFixture.Run(bare, "rev-parse", "v1.2.4^{commit}").Trim());
    }

    [Fact]
    public async Task Push_accepted_but_tag_dropped_by_the_remote_keeps_the_local_release_and_says_how_to_finish()
    {
        // git push exits 0, but a post-receive hook deletes the tag it just accepted: only the refs tell.
        using var repo = PythonRepo();
        var bare = repo.AddBareRemote();
        InstallHook(bare, "post-receive", """
            while read old new ref; do
              case "$ref" in refs/tags/*) git update-ref -d "$ref" ;; esac
            done
            """);
        var before = repo.Head;
        var log = new RecordingLog();

        var ex = await Assert.ThrowsAsync<X0Exception>(() => Bump(Request(repo.Root, BumpRequest.Patch()) with { Push = true }, log: log));

        var release = repo.Head;
        Assert.Equal(ErrorIds.PushRejected, ex.ErrorId);
        Assert.Equal(X0ErrorCategory.InvalidResult, ex.Category);
        Assert.Equal($"origin to hold tag v1.2.4 at {release[..12]}", ex.Expected);
        Assert.Equal("the branch was pushed but the tag was not", ex.Found);
        Assert.Contains("git push origin refs/tags/v1.2.4", ex.Message);
        Assert.Contains("the local commit and tag were kept", ex.Message);

        // The remote holds the release commit, so it is kept locally (undoing it would fork history).
        Assert.Equal(release, GitRepoFixture.Run(bare, "rev-parse", "main").Trim());
        Assert.Equal("", RemoteTags(bare));
        Assert.NotEqual(before, release);
        Assert.Equal(before, repo.Git("rev-parse", "HEAD~1").Trim());
        Assert.Equal(release, repo.Git("rev-parse", "v1.2.4^{commit}").Trim());
        Assert.Contains("version = \"1.2.4\"", repo.ReadText("pyproject.toml"));
        Assert.Equal("", repo.Git("status", "--porcelain"));
        Assert.DoesNotContain(log.Warnings, w => w.Contains("Rolling back"));

        // The advice works once the remote lets the tag stay.
        File.Delete(Path.Combine(bare, "hooks", "post-receive"));
        repo.Git("push", "-q", "origin", "refs/tags/v1.2.4");
        Assert.Equal(release, GitRepoFixture.Run(bare, "rev-parse", "v1.2.4^{commit}").Trim());
    }

    [Fact]
    public async Task Push_with_the_tag_rejected_lands_nothing_and_rolls_back_the_local_release()
    {
        // An update hook that refuses tags only: the push is --atomic, so the branch must not land either.
        using var repo = PythonRepo();
        var bare = repo.AddBareRemote();
        InstallHook(bare, "update", """
            case "$1" in refs/tags/*) echo "tags are protected here" >&2; exit 1 ;; esac
            exit 0
            """);
        // The hook on its own would let a branch through and stop a tag.
        repo.Git("push", "-q", "origin", "HEAD:refs/heads/probe");
        Assert.Throws<InvalidOperationException>(() => repo.Git("push", "-q", "origin", "HEAD:refs/tags/probe"));
        var before = repo.Head;
        var log = new RecordingLog();

        var ex = await Assert.ThrowsAsync<X0Exception>(() => Bump(Request(repo.Root, BumpRequest.Patch()) with { Push = true }, log: log));

        Assert.Equal(ErrorIds.PushRejected, ex.ErrorId);
        Assert.Equal(X0ErrorCategory.PermissionDenied, ex.Category);
        Assert.Contains("refs/heads/main", ex.Expected);
        Assert.Contains("refs/tags/v1.2.4", ex.Expected);
        Assert.Contains("tags are protected here", ex.Found);
        Assert.Contains("the local commit and tag were rolled back", ex.Message);

        // Nothing landed on the remote ...
        Assert.Equal(before, GitRepoFixture.Run(bare, "rev-parse", "main").Trim());
        Assert.Equal("", RemoteTags(bare));
        // ... and nothing is left locally: same HEAD, no tag, the files as they were.
        Assert.Equal(before, repo.Head);
        Assert.Equal("", repo.Git("tag", "-l"));
        Assert.Equal(Pyproject, repo.ReadText("pyproject.toml"));
        Assert.Equal(InitPy, repo.ReadText("src/pkg/__init__.py"));
        Assert.Equal("", repo.Git("status", "--porcelain"));
        Assert.Contains(log.Warnings, w => w.Contains("Rolling back the local commit and tag"));
    }

    [Fact]
    public async Task Push_reported_as_success_but_undone_by_the_remote_rolls_back_the_local_release()
    {
        // git push exits 0, but a post-receive hook puts the branch back and drops the tag.
        using var repo = PythonRepo();
        var bare = repo.AddBareRemote();
        InstallHook(bare, "post-receive", """
            while read old new ref; do
              case "$ref" in
                refs/heads/*) git update-ref "$ref" "$old" ;;
                refs/tags/*) git update-ref -d "$ref" ;;
              esac
            done
            """);
        var before = repo.Head;
        var log = new RecordingLog();

        var ex = await Assert.ThrowsAsync<X0Exception>(() => Bump(Request(repo.Root, BumpRequest.Patch()) with { Push = true }, log: log));

        Assert.Equal(ErrorIds.PushRejected, ex.ErrorId);
        Assert.Equal(X0ErrorCategory.InvalidResult, ex.Category);
        Assert.Matches(@"^origin to hold main and v1\.2\.4 at [0-9a-f]{12} after the push$", ex.Expected);
        Assert.Equal("branch not updated, tag missing (the push reported success)", ex.Found);
        Assert.Contains("Check the remote's branch protection and hooks", ex.Message);
        Assert.Contains("the local commit and tag were rolled back", ex.Message);

        Assert.Equal(before, GitRepoFixture.Run(bare, "rev-parse", "main").Trim());
        Assert.Equal("", RemoteTags(bare));
        Assert.Equal(before, repo.Head);
        Assert.Equal("", repo.Git("tag", "-l"));
        Assert.Equal(Pyproject, repo.ReadText("pyproject.toml"));
        Assert.Equal(InitPy, repo.ReadText("src/pkg/__init__.py"));
        Assert.Equal("", repo.Git("status", "--porcelain"));
        Assert.Contains(log.Warnings, w => w.Contains("Rolling back the local commit and tag"));
    }

    [Fact]
    public async Task A_tag_the_remote_kept_without_its_branch_is_named_with_the_command_that_deletes_it()
    {
        // git push exits 0; a post-receive hook puts the branch back but leaves the tag on a commit no branch holds.
        using var repo = PythonRepo();
        var bare = repo.AddBareRemote();
        InstallHook(bare, "post-receive", """
            while read old new ref; do
              case "$ref" in
                refs/heads/*) git update-ref "$ref" "$old" ;;
              esac
            done
            """);

        var ex = await Assert.ThrowsAsync<X0Exception>(() => Bump(Request(repo.Root, BumpRequest.Patch()) with { Push = true }));

        Assert.Equal("branch not updated, tag present (the push reported success)", ex.Found);
        Assert.Contains("git push origin :refs/tags/v1.2.4", ex.Message);
        // The advice works: after it, the remote has no tag and a bump can run again.
        GitRepoFixture.Run(repo.Root, "push", "-q", "origin", ":refs/tags/v1.2.4");
        Assert.Equal("", RemoteTags(bare));
    }

    [Fact]
    public async Task AllowDirty_keeps_other_staged_and_unstaged_changes_out_of_the_release_commit()
    {
        using var repo = PythonRepo();
        repo.Write("staged.txt", "new file\n");
        repo.Git("add", "staged.txt");
        repo.Write("README.md", "# pkg\nunstaged edit\n");

        var refused = await BumpFails(Request(repo.Root, BumpRequest.Minor()));
        Assert.Equal(ErrorIds.DirtyWorkingTree, refused.ErrorId);
        Assert.Contains("README.md", refused.Message);
        Assert.Contains("staged.txt", refused.Message);

        await Bump(Request(repo.Root, BumpRequest.Minor()) with { AllowDirty = true });
        Assert.Equal(new[] { "pyproject.toml", "src/pkg/__init__.py" }, CommittedPaths(repo));
        Assert.Equal("staged.txt", repo.Git("diff", "--cached", "--name-only").Trim());
        Assert.Equal("README.md", repo.Git("diff", "--name-only").Trim());
        Assert.Equal("# pkg\nunstaged edit\n", repo.ReadText("README.md"));
    }

    [Fact]
    public async Task AllowDirty_still_refuses_uncommitted_changes_in_a_version_file()
    {
        using var repo = PythonRepo();
        repo.Write("pyproject.toml", Pyproject + "# local\n");
        var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()) with { AllowDirty = true });
        Assert.Equal(ErrorIds.DirtyWorkingTree, ex.ErrorId);
        Assert.Contains("pyproject.toml", ex.Message);
    }

    [Fact]
    public async Task An_untracked_version_file_is_refused_not_slipped_into_the_release_commit()
    {
        using var repo = PythonRepo();
        repo.Write("package.json", "{ \"version\": \"1.2.3\" }\n");
        var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()) with { AllowDirty = true });
        Assert.Equal(ErrorIds.DirtyWorkingTree, ex.ErrorId);
        Assert.Contains("package.json", ex.Message);
        Assert.Contains("git add", ex.Message);
        Assert.Equal("", repo.Git("tag"));
        Assert.Equal("?? package.json", repo.Git("status", "--porcelain").Trim());

        // Without a commit, writing it is fine: nothing is committed behind the user's back.
        var files = await Bump(Request(repo.Root, BumpRequest.Minor()) with { NoCommit = true });
        Assert.Contains("1.3.0", repo.ReadText("package.json"));
    }

    [Fact]
    public async Task NoCommit_writes_the_files_only()
    {
        using var repo = PythonRepo();
        var head = repo.Head;
        var result = await Bump(Request(repo.Root, BumpRequest.Patch()) with { NoCommit = true });
        Assert.Null(result.CommitSha);
        Assert.False(result.Tagged);
        Assert.Equal(head, repo.Head);
        Assert.Equal("", repo.Git("tag"));
        Assert.Contains("version = \"1.2.4\"", repo.ReadText("pyproject.toml"));
        Assert.Equal(new[] { "pyproject.toml", "src/pkg/__init__.py" },
            repo.Git("diff", "--name-only").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public async Task Push_without_a_release_commit_is_refused_before_anything_changes()
    {
        using var repo = PythonRepo();
        repo.AddBareRemote();
        var ex = await BumpFails(Request(repo.Root, BumpRequest.Patch()) with { NoCommit = true, Push = true });
        Assert.Equal(ErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Contains("-NoCommit", ex.Message);
        Assert.Equal(Pyproject, repo.ReadText("pyproject.toml"));

        repo.Write("x0tta6bl4.toml", "commit = false\n").Commit();
        ex = await BumpFails(Request(repo.Root, BumpRequest.Patch()) with { Push = true });
        Assert.Contains("commit = false in x0tta6bl4.toml", ex.Message);
        Assert.Equal("", repo.Git("status", "--porcelain"));
    }

    [Fact]
    public async Task A_commit_made_between_plan_and_execute_is_never_lost()
    {
        using var repo = PythonRepo();
        var operation = new StepVersion();
        var request = Request(repo.Root, BumpRequest.Minor());
        var context = new X0Context(new RecordingLog(), cancellation: TestContext.Current.CancellationToken);
        var plan = await operation.PlanAsync(request, context);

        // Someone commits while the plan waits for -Confirm.
        var theirs = repo.Write("NOTES.md", "theirs\n").Commit("docs: theirs");

        var ex = await Assert.ThrowsAsync<X0Exception>(() => operation.ExecuteAsync(plan, request, context));
        Assert.Equal(ErrorIds.HeadMoved, ex.ErrorId);
        Assert.Equal(theirs, repo.Head);
        Assert.Equal(Pyproject, repo.ReadText("pyproject.toml"));
        Assert.Equal("", repo.Git("tag"));
        Assert.Equal("", repo.Git("status", "--porcelain"));
    }

    [Fact]
    public async Task Dotnet_powershell_and_npm_files_move_together_through_a_prerelease()
    {
        using var repo = new GitRepoFixture("multi");
        repo.Write("Directory.Build.props", "<Project>\r\n  <PropertyGroup>\r\n    <VersionPrefix>2.4.1</VersionPrefix>\r\n    <VersionSuffix></VersionSuffix>\r\n  </PropertyGroup>\r\n</Project>\r\n")
            .Write("src/Mod/Mod.psd1", "@{\n    ModuleVersion = '2.4.1'\n    RequiredModules = @(@{ ModuleName = 'Dep'; ModuleVersion = '1.0.0' })\n    PrivateData = @{\n        PSData = @{\n            Prerelease = ''\n        }\n    }\n}\n")
            .Write("package.json", "{\n  \"name\": \"mod\",\n  \"version\": \"2.4.1\",\n  \"devDependencies\": { \"x\": \"2.4.1\" }\n}\n")
            .Commit();

        var rc = await Bump(Request(repo.Root, new BumpRequest { Component = VersionComponent.Minor, PreReleaseLabel = "rc" }));
        Assert.Equal("2.5.0-rc.1", rc.Plan.NextVersion);
        Assert.Contains("<VersionPrefix>2.5.0</VersionPrefix>", repo.ReadText("Directory.Build.props"));
        Assert.Contains("<VersionSuffix>rc.1</VersionSuffix>", repo.ReadText("Directory.Build.props"));
        Assert.Contains("ModuleVersion = '2.5.0'", repo.ReadText("src/Mod/Mod.psd1"));
        Assert.Contains("ModuleVersion = '1.0.0'", repo.ReadText("src/Mod/Mod.psd1"));
        Assert.Contains("Prerelease = 'rc1'", repo.ReadText("src/Mod/Mod.psd1"));
        Assert.Contains("\"version\": \"2.5.0-rc.1\"", repo.ReadText("package.json"));
        Assert.Equal(new[] { "Directory.Build.props", "package.json", "src/Mod/Mod.psd1" }, CommittedPaths(repo));

        var release = await Bump(Request(repo.Root, new BumpRequest { Release = true }));
        Assert.Equal("2.5.0-rc.1", release.Plan.PreviousVersion);
        Assert.Equal("2.5.0", release.Plan.NextVersion);
        Assert.Contains("<VersionSuffix></VersionSuffix>", repo.ReadText("Directory.Build.props"));
        Assert.Contains("Prerelease = ''", repo.ReadText("src/Mod/Mod.psd1"));
        Assert.Contains("\"x\": \"2.4.1\"", repo.ReadText("package.json"));
        Assert.Equal("v2.5.0", repo.Git("describe", "--tags", "--exact-match").Trim());
    }

    [Fact]
    public async Task Files_that_disagree_are_listed_each_with_its_value()
    {
        using var repo = PythonRepo();
        repo.Write("package.json", "{ \"version\": \"1.2.2\" }\n").Commit();
        var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()));
        Assert.Equal(ErrorIds.VersionMismatch, ex.ErrorId);
        Assert.Contains("pyproject.toml ([project].version) = 1.2.3", ex.Message);
        Assert.Contains("src/pkg/__init__.py (__version__) = 1.2.3", ex.Message);
        Assert.Contains("package.json (top-level \"version\") = 1.2.2", ex.Message);
    }

    [Fact]
    public async Task No_version_file_is_a_clear_error()
    {
        using var repo = new GitRepoFixture("none");
        repo.Write("README.md", "# nothing\n").Write("tests/pyproject.toml", Pyproject).Commit();
        var ex = await BumpFails(Request(repo.Root, BumpRequest.Patch()));
        Assert.Equal(ErrorIds.NoVersionFiles, ex.ErrorId);
        Assert.Contains("version_files", ex.Message);
    }

    [Fact]
    public async Task Prerelease_counter_stays_above_tags_already_on_the_remote()
    {
        using var repo = PythonRepo();
        repo.Write("pyproject.toml", Pyproject.Replace("1.2.3", "1.3.0rc1")).Write("src/pkg/__init__.py", InitPy.Replace("1.2.3", "1.3.0rc1")).Commit();
        var bare = repo.AddBareRemote();
        using var dir = new TempDirectory("other");
        var other = Clone(bare, Path.Combine(dir.Root, "o"));
        foreach (var t in new[] { "v1.3.0-rc.1", "v1.3.0-rc.2", "v1.3.0-rc.3", "v1.3.0-beta.9" })
        {
            GitRepoFixture.Run(other, "tag", "-a", t, "-m", t);
        }
        GitRepoFixture.Run(other, "push", "-q", "origin", "--tags");
        repo.Git("fetch", "-q", "--tags", "origin");

        var result = await Bump(Request(repo.Root, new BumpRequest { PreReleaseLabel = "" }) with { Push = true });
        Assert.Equal("1.3.0-rc.4", result.Plan.NextVersion);
        Assert.Contains("version = \"1.3.0rc4\"", repo.ReadText("pyproject.toml"));
        Assert.Equal(result.CommitSha, GitRepoFixture.Run(bare, "rev-parse", "v1.3.0-rc.4^{commit}").Trim());
    }

    [Fact]
    public async Task Parameters_win_over_the_configuration()
    {
        using var repo = PythonRepo();
        repo.Write("x0tta6bl4.toml", "tag = true\nremote = \"nowhere\"\nallow_dirty = false\n").Commit();
        repo.AddBareRemote();
        repo.Write("README.md", "dirty\n");
        var result = await Bump(Request(repo.Root, BumpRequest.Patch()) with { NoTag = true, Remote = "origin", Push = true, AllowDirty = true });
        Assert.False(result.Tagged);
        Assert.True(result.Pushed);
        Assert.Equal("origin", result.Plan.Remote);
        Assert.Equal("", repo.Git("tag"));
    }

    [Fact]
    public async Task Legacy_pyproject_current_version_moves_along_in_the_same_file()
    {
        // [project].version and [tool.bumpversion] current_version are two anchors in ONE file:
        // both must change in the one write.
        using var repo = new GitRepoFixture("legacy-py");
        repo.Write("pyproject.toml", Pyproject + "\n[tool.bumpversion]\ncurrent_version = \"1.2.3\"\ncommit = true\ntag = true\n")
            .Write("src/pkg/__init__.py", InitPy).Commit();
        var result = await Bump(Request(repo.Root, BumpRequest.Minor()));
        var text = repo.ReadText("pyproject.toml");
        Assert.Contains("version = \"1.3.0\"", text);
        Assert.Contains("current_version = \"1.3.0\"", text);
        Assert.Contains("dep>=1.2.3", text);
        Assert.Equal(Pyproject.Replace("\"1.2.3\"", "\"1.3.0\"") + "\n[tool.bumpversion]\ncurrent_version = \"1.3.0\"\ncommit = true\ntag = true\n", text);
        Assert.Equal(2, result.Plan.Files.Count);
        Assert.Equal(3, result.Plan.Lines.Count());
    }

    [Fact]
    public async Task Bump_my_version_search_on_its_own_config_file_ignores_the_config_section()
    {
        // The usual bump-my-version setup: 'version = "{current_version}"' also occurs inside
        // 'current_version = "…"' in the same file; that line belongs to the config's own anchor.
        using var repo = new GitRepoFixture("bmv");
        repo.Write("pyproject.toml", Pyproject +
                "\n[tool.bumpversion]\ncurrent_version = \"1.2.3\"\ncommit = true\ntag = true\n\n" +
                "[[tool.bumpversion.files]]\nfilename = \"pyproject.toml\"\nsearch = 'version = \"{current_version}\"'\nreplace = 'version = \"{new_version}\"'\n\n" +
                "[[tool.bumpversion.files]]\nfilename = \"src/pkg/__init__.py\"\n")
            .Write("src/pkg/__init__.py", InitPy).Commit();
        await Bump(Request(repo.Root, BumpRequest.Patch()));
        var text = repo.ReadText("pyproject.toml");
        Assert.Contains("\nversion = \"1.2.4\"", text);
        Assert.Contains("current_version = \"1.2.4\"", text);
        Assert.Contains("dep>=1.2.3", text);
        Assert.Contains("__version__ = \"1.2.4\"", repo.ReadText("src/pkg/__init__.py"));
    }

    [Fact]
    public async Task Setup_cfg_listed_as_a_file_of_its_own_bumpversion_section()
    {
        using var repo = new GitRepoFixture("setupcfg");
        repo.Write("setup.cfg", "[metadata]\nname = pkg\nversion = 1.2.3\n\n[bumpversion]\ncurrent_version = 1.2.3\n\n[bumpversion:file:setup.cfg]\n").Commit();
        await Bump(Request(repo.Root, BumpRequest.Minor()));
        Assert.Equal("[metadata]\nname = pkg\nversion = 1.3.0\n\n[bumpversion]\ncurrent_version = 1.3.0\n\n[bumpversion:file:setup.cfg]\n", repo.ReadText("setup.cfg"));
    }

    [Fact]
    public async Task Hatch_about_module_is_detected_when_the_pyproject_version_is_dynamic()
    {
        using var repo = new GitRepoFixture("hatch");
        repo.Write("pyproject.toml", "[project]\nname = \"pkg\"\ndynamic = [\"version\"]\n\n[tool.hatch.version]\npath = \"src/pkg/__about__.py\"\n")
            .Write("src/pkg/__init__.py", "from .__about__ import __version__\n")
            .Write("src/pkg/__about__.py", "__version__ = \"0.4.1\"\n").Commit();
        var result = await Bump(Request(repo.Root, BumpRequest.Patch()));
        Assert.Equal("0.4.2", result.Plan.NextVersion);
        Assert.Equal("__version__ = \"0.4.2\"\n", repo.ReadText("src/pkg/__about__.py"));
    }

    [Fact]
    public async Task Legacy_bumpversion_cfg_is_honoured_and_its_current_version_moves_along()
    {
        using var repo = new GitRepoFixture("legacy-cfg");
        repo.Write("setup.py", "from setuptools import setup\r\nsetup(\r\n    name='pkg',\r\n    version='1.2.3',\r\n    install_requires=['dep>=1.0'],\r\n)\r\n")
            .Write("docs/conf.py", "project = \"pkg\"\r\nrelease = \"1.2.3\"\r\n")
            .Write(".bumpversion.cfg",
                "[bumpversion]\ncurrent_version = 1.2.3\ncommit = True\ntag = True\ntag_name = release-{new_version}\nmessage = Bump version: {current_version} → {new_version}\n\n" +
                "[bumpversion:file:setup.py]\n\n[bumpversion:file:docs/conf.py]\nsearch = project = \"pkg\"\n\trelease = \"{current_version}\"\nreplace = project = \"pkg\"\n\trelease = \"{new_version}\"\n")
            .Commit();

        var result = await Bump(Request(repo.Root, BumpRequest.Patch()));

        Assert.Contains("version='1.2.4',", repo.ReadText("setup.py"));
        Assert.Equal("project = \"pkg\"\r\nrelease = \"1.2.4\"\r\n", repo.ReadText("docs/conf.py"));
        Assert.Contains("current_version = 1.2.4\n", repo.ReadText(".bumpversion.cfg"));
        Assert.Equal(new[] { ".bumpversion.cfg", "docs/conf.py", "setup.py" }, CommittedPaths(repo));
        Assert.Equal("Bump version: 1.2.3 → 1.2.4", repo.Git("log", "-1", "--format=%s").Trim());
        Assert.Equal("release-1.2.4", result.Plan.Tag);
        Assert.Equal(result.CommitSha, repo.Git("rev-parse", "release-1.2.4^{commit}").Trim());
    }

    [Fact]
    public async Task Legacy_commit_false_writes_files_only()
    {
        using var repo = new GitRepoFixture("legacy-nocommit");
        repo.Write("VERSION", "1.2.3\n").Write("setup.cfg", "[bumpversion]\ncurrent_version = 1.2.3\ncommit = False\n\n[bumpversion:file:VERSION]\n").Commit();
        var head = repo.Head;
        var result = await Bump(Request(repo.Root, BumpRequest.Major()));
        Assert.Null(result.CommitSha);
        Assert.Equal(head, repo.Head);
        Assert.Equal("2.0.0\n", repo.ReadText("VERSION"));
        Assert.Contains("current_version = 2.0.0", repo.ReadText("setup.cfg"));
    }

    [Fact]
    public async Task Failing_write_of_the_third_of_four_files_leaves_no_commit_no_tag_and_identical_files()
    {
        using var repo = PythonRepo("rollback");
        repo.Write("Directory.Build.props", "<Project><PropertyGroup><Version>1.2.3</Version></PropertyGroup></Project>\r\n")
            .Write("package.json", "{\r\n  \"version\": \"1.2.3\"\r\n}\r\n")
            .Commit();
        var paths = new[] { "Directory.Build.props", "package.json", "pyproject.toml", "src/pkg/__init__.py" };
        var before = paths.ToDictionary(p => p, repo.ReadBytes);
        var head = repo.Head;

        foreach (var io in new[] { new FailingFileOperations { FailReplaceNumber = 3 }, new FailingFileOperations { FailWriteNumber = 3 } })
        {
            var ex = await BumpFails(Request(repo.Root, BumpRequest.Minor()), io);
            Assert.Equal(ErrorIds.FileWriteFailed, ex.ErrorId);
            Assert.Equal(4, io.FailReplaceNumber > 0 ? io.Writes : 4);
            Assert.Equal(head, repo.Head);
            Assert.Equal("", repo.Git("tag"));
            Assert.Equal("", repo.Git("status", "--porcelain", "--untracked-files=all"));
            foreach (var p in paths) Assert.Equal(before[p], repo.ReadBytes(p));
        }
    }
}
