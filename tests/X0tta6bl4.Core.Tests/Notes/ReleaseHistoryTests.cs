using System.Text.RegularExpressions;
using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Notes;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Notes;

/// <summary>Ranges, reverts, merges and tag precedence on real repositories.</summary>
public class ReleaseHistoryTests
{
    private static ReleaseHistory History(GitRepoFixture repo, out LibGit2Repository git, CommitConventions? conventions = null)
    {
        git = LibGit2Repository.Open(repo.Root);
        return new ReleaseHistory(git, new TagFormat("v{version}"), conventions ?? CommitConventions.Default, null);
    }

    private static string[] Headers(ReleaseNoteBuilder b) => b.Group().Sections.SelectMany(s => s.Entries).Select(e => e.Header).OrderBy(h => h, StringComparer.Ordinal).ToArray();

    public class TagPrecedence
    {
        [Fact]
        public void Previous_release_is_by_semver_precedence_within_the_prefix_and_reachable()
        {
            using var repo = new GitRepoFixture("precedence");
            repo.Commit("feat: one");
            repo.Tag("v1.10.0");
            repo.Tag("legacy-2019");
            repo.Tag("pkg@2.0.0");
            // v1.9.0 on an older commit would win lexicographically; it must not.
            repo.Git("tag", "-a", "v1.9.0", "-m", "old", "HEAD");
            repo.Commit("fix: two");
            repo.Tag("v2.0.0-rc.1");
            repo.Commit("fix: three");
            // A higher tag on a line HEAD does not contain is not a previous release.
            repo.Git("checkout", "-q", "-b", "other", "HEAD~2");
            repo.Commit("feat: elsewhere");
            repo.Tag("v9.9.9");
            repo.Git("checkout", "-q", "main");

            var history = History(repo, out var git);
            using (git)
            {
                Assert.Equal(new[] { "v9.9.9", "v2.0.0-rc.1", "v1.10.0", "v1.9.0" }, history.Tags.Select(t => t.Name));
                var head = git.Head.Sha!;
                Assert.Equal("v1.10.0", history.FindPrevious(head, null, null)!.Name);
                Assert.Equal("v2.0.0-rc.1", history.FindPrevious(head, null, "rc")!.Name);
                Assert.Null(history.FindPrevious(head, null, "beta")?.Channel);
                var scan = history.Scan(head, history.FindPrevious(head, null, null), TestContext.Current.CancellationToken);
                Assert.Equal(new[] { "fix: three", "fix: two" }, Headers(scan));
            }
        }

        [Fact]
        public void Pre_release_ranges_stay_in_their_channel()
        {
            using var repo = new GitRepoFixture("channels");
            repo.Commit("feat: base");
            repo.Tag("v1.0.0");
            repo.Commit("feat: a");
            repo.Tag("v1.1.0-beta.1");
            repo.Commit("fix: b");
            repo.Tag("v1.1.0-rc.1");
            repo.Commit("fix: c");
            repo.Tag("v1.1.0-rc.2");
            repo.Commit("fix: d");
            repo.Tag("v1.1.0");
            var history = History(repo, out var git);
            using (git)
            {
                ReleaseTag T(string n) => history.FindTag(n)!;
                Assert.Equal("v1.1.0-rc.1", history.FindPrevious(T("v1.1.0-rc.2").Sha, T("v1.1.0-rc.2").Version, "rc")!.Name);
                Assert.Equal("v1.0.0", history.FindPrevious(T("v1.1.0-rc.1").Sha, T("v1.1.0-rc.1").Version, "rc")!.Name);
                Assert.Equal("v1.0.0", history.FindPrevious(T("v1.1.0").Sha, T("v1.1.0").Version, null)!.Name);
                var final = history.Scan(T("v1.1.0").Sha, T("v1.0.0"), TestContext.Current.CancellationToken);
                Assert.Equal(new[] { "feat: a", "fix: b", "fix: c", "fix: d" }, Headers(final));
            }
        }
    }

    public class MaintenanceBranches
    {
        [Fact]
        public void On_a_maintenance_branch_behind_many_newer_tags_the_previous_release_is_the_branchs_own()
        {
            using var repo = new GitRepoFixture("maint-head");
            repo.Commit("feat: base");
            repo.Tag("v1.0.0");
            for (var m = 1; m <= 6; m++)
            {
                repo.Commit($"feat: mainline {m}");
                repo.Tag($"v1.{m}.0");
            }
            repo.Git("checkout", "-q", "-b", "maint", "v1.0.0");
            repo.Commit("fix: backport");
            repo.Tag("v1.0.1");
            repo.Commit("fix: another backport");
            var history = History(repo, out var git);
            using (git)
            {
                var previous = history.FindPrevious(git.Head.Sha!, null, null);
                Assert.Equal("v1.0.1", previous!.Name);
                Assert.Equal(new[] { "fix: another backport" }, Headers(history.Scan(git.Head.Sha!, previous, TestContext.Current.CancellationToken)));
            }
        }
    }

    public class Reverts
    {
        [Fact]
        public void A_revert_inside_the_range_cancels_the_commit_and_its_effect_on_the_bump()
        {
            using var repo = new GitRepoFixture("revert-in");
            repo.Commit("fix: base");
            repo.Tag("v1.0.0");
            repo.Write("a.txt", "a");
            repo.Commit("feat: risky");
            repo.Git("revert", "--no-edit", "HEAD");
            repo.Commit("docs: words");
            var history = History(repo, out var git);
            using (git)
            {
                var scan = history.Scan(git.Head.Sha!, history.FindTag("v1.0.0"), TestContext.Current.CancellationToken);
                Assert.Equal(new[] { "docs: words" }, Headers(scan));
                Assert.Equal(ReleaseLevel.None, scan.Level);
                Assert.Equal(2, scan.CancelledCount);
            }
        }

        [Fact]
        public void A_revert_of_a_revert_brings_the_commit_back()
        {
            using var repo = new GitRepoFixture("revert-revert");
            repo.Commit("fix: base");
            repo.Tag("v1.0.0");
            repo.Write("a.txt", "a");
            repo.Commit("feat: risky");
            repo.Git("revert", "--no-edit", "HEAD");
            repo.Git("revert", "--no-edit", "HEAD");
            var history = History(repo, out var git);
            using (git)
            {
                var scan = history.Scan(git.Head.Sha!, history.FindTag("v1.0.0"), TestContext.Current.CancellationToken);
                Assert.Equal(new[] { "feat: risky" }, Headers(scan));
                Assert.Equal(ReleaseLevel.Minor, scan.Level);
            }
        }

        [Fact]
        public void A_revert_across_ranges_is_an_entry_and_a_patch()
        {
            using var repo = new GitRepoFixture("revert-across");
            repo.Write("a.txt", "a");
            repo.Commit("feat: risky");
            repo.Tag("v1.0.0");
            repo.Git("revert", "--no-edit", "HEAD");
            var history = History(repo, out var git);
            using (git)
            {
                var scan = history.Scan(git.Head.Sha!, history.FindTag("v1.0.0"), TestContext.Current.CancellationToken);
                var (_, sections) = scan.Group();
                var reverts = Assert.Single(sections);
                Assert.Equal("Reverts", reverts.Title);
                Assert.Equal("feat: risky", Assert.Single(reverts.Entries).Description);
                Assert.Equal(ReleaseLevel.Patch, scan.Level);
                // The release that shipped the feature still lists it.
                Assert.Equal(new[] { "feat: risky" }, Headers(history.Scan(history.FindTag("v1.0.0")!.Sha, null, TestContext.Current.CancellationToken)));
            }
        }

        [Fact]
        public void A_conventional_revert_with_an_abbreviated_sha_cancels_too()
        {
            using var repo = new GitRepoFixture("revert-short");
            repo.Commit("fix: base");
            repo.Tag("v1.0.0");
            var feat = repo.Commit("feat(api): paginate");
            repo.Commit($"revert: feat(api): paginate\n\nRefs: {feat[..9]}");
            var history = History(repo, out var git);
            using (git)
            {
                var scan = history.Scan(git.Head.Sha!, history.FindTag("v1.0.0"), TestContext.Current.CancellationToken);
                Assert.Empty(Headers(scan));
                Assert.Equal(ReleaseLevel.None, scan.Level);
            }
        }
    }

    public class Merges
    {
        private static GitRepoFixture MergedRepository()
        {
            var repo = new GitRepoFixture("merges");
            repo.Commit("chore: init");
            repo.Tag("v1.0.0");
            repo.Git("checkout", "-q", "-b", "feature");
            repo.Write("f.txt", "1");
            repo.Commit("wip on the feature");
            repo.Write("f.txt", "2");
            repo.Commit("fix(api): handle empty pages");
            repo.Git("checkout", "-q", "main");
            repo.Write("m.txt", "1");
            repo.Commit("docs: mainline work");
            repo.Git("merge", "--no-ff", "-q", "feature", "-m", "Merge pull request #5 from acme/feature\n\nfeat(api): paginate results");
            repo.Commit("feat(ui): squashed feature (#6)\n\nCo-authored-by: B <b@example.com>");
            return repo;
        }

        [Fact]
        public void Merge_commits_are_not_entries_the_merged_commits_are()
        {
            using var repo = MergedRepository();
            var history = History(repo, out var git);
            using (git)
            {
                var scan = history.Scan(git.Head.Sha!, history.FindTag("v1.0.0"), TestContext.Current.CancellationToken);
                Assert.Equal(new[] { "docs: mainline work", "feat(ui): squashed feature (#6)", "fix(api): handle empty pages" }, Headers(scan));
                Assert.Equal("wip on the feature", Assert.Single(scan.NonConventional).Header);
                Assert.Equal(5, scan.CommitCount);
                var squash = scan.Group().Sections.SelectMany(s => s.Entries).Single(e => e.Type == "feat");
                Assert.Equal(6, squash.PullRequest);
                Assert.Equal("squashed feature", squash.Description);
            }
        }

        [Fact]
        public void First_parent_mode_takes_the_pull_request_title_of_a_merge()
        {
            using var repo = MergedRepository();
            var history = History(repo, out var git, new CommitConventions { FirstParent = true });
            using (git)
            {
                var scan = history.Scan(git.Head.Sha!, history.FindTag("v1.0.0"), TestContext.Current.CancellationToken);
                Assert.Equal(new[] { "docs: mainline work", "feat(api): paginate results", "feat(ui): squashed feature (#6)" }, Headers(scan));
                Assert.Empty(scan.NonConventional);
                Assert.Equal(5, scan.Group().Sections.SelectMany(s => s.Entries).Single(e => e.Scope == "api").PullRequest);
            }
        }
    }

    public class AllReleases
    {
        [Fact]
        public void Every_release_newest_first_each_with_its_own_range()
        {
            using var repo = new GitRepoFixture("all");
            for (var r = 1; r <= 7; r++)
            {
                for (var c = 0; c < 3; c++) repo.Commit($"feat(r{r}): change {c}");
                repo.Tag($"v1.{r}.0");
            }
            repo.Commit("fix: unreleased");
            var history = History(repo, out var git);
            using (git)
            {
                var newest = history.FindPrevious(git.Head.Sha!, null, null);
                foreach (var parallelism in new[] { 1, 2 })
                {
                    var all = history.AllReleases(git.Head.Sha!, newest, parallelism, TestContext.Current.CancellationToken).ToList();
                    Assert.Equal(Enumerable.Range(1, 7).Reverse().Select(r => $"v1.{r}.0"), all.Select(a => a.Release.Name));
                    for (var i = 0; i < all.Count; i++)
                    {
                        var r = 7 - i;
                        Assert.Equal(r == 1 ? null : $"v1.{r - 1}.0", all[i].Previous?.Name);
                        Assert.Equal(Enumerable.Range(0, 3).Select(c => $"feat(r{r}): change {c}"), Headers(all[i].Builder));
                    }
                }
            }
        }

        [Fact]
        public void A_maintenance_tag_off_the_mainline_is_skipped_and_the_real_previous_found()
        {
            using var repo = new GitRepoFixture("maintenance");
            repo.Commit("feat: a");
            repo.Tag("v1.0.0");
            repo.Commit("feat: b");
            repo.Tag("v1.1.0");
            repo.Git("checkout", "-q", "-b", "maint", "v1.0.0");
            repo.Commit("fix: backport");
            repo.Tag("v1.0.1");
            repo.Git("checkout", "-q", "main");
            repo.Commit("feat: c");
            repo.Tag("v1.2.0");
            repo.Git("checkout", "-q", "maint");
            repo.Commit("fix: another backport");
            repo.Tag("v1.1.1");
            repo.Git("checkout", "-q", "main");
            var history = History(repo, out var git);
            using (git)
            {
                var all = history.AllReleases(git.Head.Sha!, history.FindTag("v1.2.0"), 2, TestContext.Current.CancellationToken).ToList();
                Assert.Equal(new[] { "v1.2.0", "v1.1.0", "v1.0.0" }, all.Select(a => a.Release.Name));
                Assert.Equal("v1.1.0", all[0].Previous!.Name);
                Assert.Equal(new[] { "feat: b" }, Headers(all[1].Builder));
            }
        }
    }

    public class RealHistories
    {
        private static readonly Regex IndependentHeader = new(@"^[A-Za-z][A-Za-z0-9_-]*(\([^()\r\n]+\))?!?: \S", RegexOptions.CultureInvariant);

        [Fact]
        public void This_repositorys_own_history_every_non_merge_commit_is_read_and_classified_like_an_independent_reading()
        {
            var root = FindRepositoryRoot();
            if (root is null)
            {
                Assert.Skip("Not running from a git clone of x0tta6bl4 (no .git above the test binaries).");
                return;
            }
            // The oracle: git's own log with a plain regular expression over each subject.
            var log = GitRepoFixture.Run(root, "log", "--no-merges", "--format=%H%x00%s%x1e", "HEAD");
            var expected = log.Split('\x1e', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(r => r.Split('\0'))
                .ToDictionary(p => p[0], p => IndependentHeader.IsMatch(p[1]));
            Assert.NotEmpty(expected);

            using var git = LibGit2Repository.Open(root);
            var history = new ReleaseHistory(git, new TagFormat("v{version}"), CommitConventions.Default, null);
            var builder = new ReleaseNoteBuilder(CommitConventions.Default);
            var seen = new HashSet<string>();
            foreach (var c in git.WalkCommits(new GitWalk("HEAD"), TestContext.Current.CancellationToken))
            {
                if (!c.IsMerge) seen.Add(c.Sha);
                builder.Add(c);
            }
            Assert.Equal(expected.Keys.OrderBy(k => k), seen.OrderBy(k => k));
            var entries = builder.Group().Sections.SelectMany(s => s.Entries).Select(e => e.Sha).ToHashSet();
            var other = builder.NonConventional.Select(e => e.Sha).ToHashSet();
            // Reverts cancel pairs; everything else lands exactly where the independent reading says.
            var cancelled = seen.Except(entries).Except(other).ToList();
            Assert.Equal(builder.CancelledCount, cancelled.Count);
            foreach (var (sha, conventional) in expected)
            {
                if (cancelled.Contains(sha)) continue;
                Assert.True(conventional ? entries.Contains(sha) : other.Contains(sha), $"{sha[..12]} conventional={conventional}");
            }
            // The project's own rule: its commits are Conventional Commits.
            Assert.True(entries.Count > 0);
            _ = history;
        }

        private static string? FindRepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "x0tta6bl4.psd1")) && (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git"))))
                {
                    return dir.FullName;
                }
            }
            return null;
        }
    }
}

public class ClockSkewTests
{
    [Fact]
    public void A_future_dated_commit_behind_the_previous_release_does_not_drag_old_history_into_the_range()
    {
        using var repo = new GitRepoFixture("skew");
        // Dates go to the git child process only: the environment of this (parallel) test process stays untouched.
        void GitAt(string date, params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = repo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["GIT_COMMITTER_DATE"] = date;
            psi.Environment["GIT_AUTHOR_DATE"] = date;
            using var p = System.Diagnostics.Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
        }
        void CommitAt(string message, string date) => GitAt(date, "commit", "-q", "--allow-empty", "-m", message);
        CommitAt("feat: ancient", "2020-01-01T00:00:00Z");
        CommitAt("fix: from a machine whose clock ran ahead", "2031-01-01T00:00:00Z");
        var fork = repo.Head;
        CommitAt("feat: old mainline", "2020-01-03T00:00:00Z");
        repo.Tag("v1.0.0");
        repo.Git("checkout", "-q", "-b", "side", fork);
        CommitAt("feat: long-lived branch", "2020-01-04T00:00:00Z");
        repo.Git("checkout", "-q", "main");
        CommitAt("fix: after the release", "2020-01-05T00:00:00Z");
        GitAt("2020-01-06T00:00:00Z", "merge", "--no-ff", "-q", "side", "-m", "Merge branch 'side'");

        using var git = LibGit2Repository.Open(repo.Root);
        var history = new ReleaseHistory(git, new TagFormat("v{version}"), CommitConventions.Default, null);
        var scan = history.Scan(git.Head.Sha!, history.FindTag("v1.0.0"), TestContext.Current.CancellationToken);
        var headers = scan.Group().Sections.SelectMany(s => s.Entries).Select(e => e.Header).OrderBy(h => h, StringComparer.Ordinal);
        Assert.Equal(new[] { "feat: long-lived branch", "fix: after the release" }, headers);
        var expected = GitRepoFixture.Run(repo.Root, "rev-list", "--count", "v1.0.0..HEAD").Trim();
        Assert.Equal(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), scan.CommitCount);
    }
}

public class NativeWalkTests
{
    [Fact]
    public void The_direct_libgit2_walk_is_used_and_reads_exactly_what_LibGit2Sharp_reads()
    {
        Assert.True(LibGit2Repository.HistoryReader == "libgit2", "libgit2's exports were not found: the slower LibGit2Sharp walk is in use");
        using var repo = new GitRepoFixture("native");
        repo.Commit("feat: one\n\nbody ünïcode ✓\n\nCo-authored-by: Zoë <z@example.com>");
        repo.Tag("v1.0.0");
        repo.Git("checkout", "-q", "-b", "side");
        repo.Write("s.txt", "s");
        repo.Commit("fix: side");
        repo.Git("checkout", "-q", "main");
        repo.Write("m.txt", "m");
        repo.Commit("docs: main");
        repo.Git("merge", "--no-ff", "-q", "side", "-m", "Merge pull request #9 from a/side\n\nfix: side");
        repo.Commit("chore: last");
        using var git = LibGit2Repository.Open(repo.Root);
        foreach (var walk in new[]
        {
            new GitWalk("HEAD"),
            new GitWalk("HEAD") { Exclude = new[] { "v1.0.0" } },
            new GitWalk("HEAD") { Exclude = new[] { "v1.0.0" }, FirstParentOnly = true },
        })
        {
            var native = git.WalkCommits(walk, TestContext.Current.CancellationToken).ToList();
            var managed = git.WalkCommitsThroughLibGit2Sharp(walk).ToList();
            Assert.Equal(managed.Count, native.Count);
            foreach (var (a, b) in managed.OrderBy(c => c.Sha).Zip(native.OrderBy(c => c.Sha)))
            {
                Assert.Equal(a.Sha, b.Sha);
                Assert.Equal(a.ParentShas, b.ParentShas);
                Assert.Equal(a.Message, b.Message);
                Assert.Equal(a.AuthorName, b.AuthorName);
                Assert.Equal(a.AuthorEmail, b.AuthorEmail);
                Assert.Equal(a.AuthorDate, b.AuthorDate);
                Assert.Equal(a.CommitDate, b.CommitDate);
            }
        }
    }
}
