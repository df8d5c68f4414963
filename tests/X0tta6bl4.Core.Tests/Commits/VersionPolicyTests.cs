using Semver;
using X0tta6bl4.Core.Commits;

namespace X0tta6bl4.Core.Tests.Commits;

public class VersionPolicyTests
{
    private static SemVersion V(string s) => SemVersion.Parse(s, SemVersionStyles.Strict);

    private static ReleaseLevel Level(string message) => CommitConventions.Default.LevelOf(ConventionalCommitParser.Parse(message));

    [Theory]
    [InlineData("feat!: x", ReleaseLevel.Major)]
    [InlineData("docs!: x", ReleaseLevel.Major)]
    [InlineData("fix: x\n\nBREAKING CHANGE: y", ReleaseLevel.Major)]
    [InlineData("feat: x", ReleaseLevel.Minor)]
    [InlineData("fix: x", ReleaseLevel.Patch)]
    [InlineData("perf: x", ReleaseLevel.Patch)]
    [InlineData("sec: x", ReleaseLevel.Patch)]
    [InlineData("security: x", ReleaseLevel.Patch)]
    [InlineData("docs: x", ReleaseLevel.None)]
    [InlineData("chore: x", ReleaseLevel.None)]
    [InlineData("refactor: x", ReleaseLevel.None)]
    [InlineData("Update README", ReleaseLevel.None)]
    public void Commit_levels(string message, ReleaseLevel expected) => Assert.Equal(expected, Level(message));

    // The 0.x table: base version, level asked for, major_on_zero → next version.
    [Theory]
    [InlineData("0.3.4", ReleaseLevel.Major, false, "0.4.0")]
    [InlineData("0.3.4", ReleaseLevel.Minor, false, "0.3.5")]
    [InlineData("0.3.4", ReleaseLevel.Patch, false, "0.3.5")]
    [InlineData("0.3.4", ReleaseLevel.Major, true, "1.0.0")]
    [InlineData("0.3.4", ReleaseLevel.Minor, true, "0.4.0")]
    [InlineData("0.3.4", ReleaseLevel.Patch, true, "0.3.5")]
    [InlineData("1.3.4", ReleaseLevel.Major, false, "2.0.0")]
    [InlineData("1.3.4", ReleaseLevel.Minor, false, "1.4.0")]
    [InlineData("1.3.4", ReleaseLevel.Patch, false, "1.3.5")]
    [InlineData("0.0.0", ReleaseLevel.Minor, false, "0.0.1")]
    public void Zero_x_table(string current, ReleaseLevel level, bool majorOnZero, string expected)
    {
        var d = VersionPolicy.Decide(V(current), V(current), level, null, Array.Empty<SemVersion>(), majorOnZero);
        Assert.Equal(expected, d.Version!.ToString());
    }

    [Fact]
    public void Nothing_releasable_is_a_decision_with_a_reason_not_a_version()
    {
        var d = VersionPolicy.Decide(V("3.2.0"), V("3.2.0"), ReleaseLevel.None, null, Array.Empty<SemVersion>(), false);
        Assert.False(d.IsRelease);
        Assert.Contains("no releasable commit since 3.2.0", d.Reason);
    }

    [Fact]
    public void Pre_release_counters_are_monotonic_across_the_channel()
    {
        var known = new[] { V("3.3.0-rc.1"), V("3.3.0-rc.2"), V("3.3.0-rc.4"), V("3.3.0-beta.9") };
        var d = VersionPolicy.Decide(V("3.2.0"), V("3.2.0"), ReleaseLevel.Minor, "rc", known, false);
        Assert.Equal("3.3.0-rc.5", d.Version!.ToString());
    }

    [Fact]
    public void A_pre_release_on_the_way_continues_its_counter_when_later_commits_ask_for_less()
    {
        // 3.3.0-rc.1 came from a feat; a fix since asks only for a patch of 3.2.0, yet the next rc is of 3.3.0.
        var d = VersionPolicy.Decide(V("3.3.0-rc.1"), V("3.2.0"), ReleaseLevel.Minor, "rc", new[] { V("3.3.0-rc.1") }, false);
        Assert.Equal("3.3.0-rc.2", d.Version!.ToString());
        var final = VersionPolicy.Decide(V("3.3.0-rc.2"), V("3.2.0"), ReleaseLevel.Patch, null, new[] { V("3.3.0-rc.2") }, false);
        Assert.Equal("3.3.0", final.Version!.ToString());
    }

    [Fact]
    public void A_breaking_change_after_a_minor_candidate_moves_to_the_next_major_candidate()
    {
        var d = VersionPolicy.Decide(V("3.3.0-rc.2"), V("3.2.0"), ReleaseLevel.Major, "rc", new[] { V("3.3.0-rc.2") }, false);
        Assert.Equal("4.0.0-rc.1", d.Version!.ToString());
    }

    [Theory]
    // Files ahead of the last release tag hold a version no tag has: bumped, not tagged. That version is released, never bumped again…
    [InlineData("3.2.0", "3.1.0", ReleaseLevel.Patch, "3.2.0", true)]
    [InlineData("3.1.1", "3.1.0", ReleaseLevel.Patch, "3.1.1", true)]
    [InlineData("3.1.1", "3.1.0", ReleaseLevel.None, "3.1.1", true)]
    // …unless the commits call for more than the files say.
    [InlineData("3.1.1", "3.1.0", ReleaseLevel.Minor, "3.2.0", false)]
    [InlineData("3.1.0", "3.1.0", ReleaseLevel.Patch, "3.1.1", false)]
    public void The_last_release_tag_is_the_base_and_files_ahead_of_it_are_finished_not_bumped_again(
        string files, string tag, ReleaseLevel level, string expected, bool alreadyInFiles)
    {
        var d = VersionPolicy.Decide(V(files), V(tag), level, null, Array.Empty<SemVersion>(), false);
        Assert.Equal(expected, d.Version!.ToString());
        Assert.Equal(alreadyInFiles, d.AlreadyInFiles);
        if (alreadyInFiles) Assert.Contains("bumped, not tagged", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_at_a_version_tagged_on_another_line_of_history_are_a_release_not_a_pending_bump()
    {
        // commitizen: v4.13.3 was tagged on a commit main does not contain; main's files say 4.13.3.
        var d = VersionPolicy.Decide(V("4.13.3"), V("4.12.1"), ReleaseLevel.Patch, null, new[] { V("4.12.1"), V("4.13.3") }, false);
        Assert.Equal("4.13.4", d.Version!.ToString());
        Assert.False(d.AlreadyInFiles);
    }

    [Fact]
    public void First_release_without_tags_bumps_the_files()
    {
        var d = VersionPolicy.Decide(V("3.2.0"), null, ReleaseLevel.Minor, null, Array.Empty<SemVersion>(), false);
        Assert.Equal("3.3.0", d.Version!.ToString());
        Assert.Contains("start of history", d.Reason);
    }

    [Fact]
    public void A_label_that_sorts_before_the_current_one_is_no_release_with_the_reason()
    {
        var d = VersionPolicy.Decide(V("3.3.0-rc.1"), V("3.2.0"), ReleaseLevel.Minor, "beta", Array.Empty<SemVersion>(), false);
        Assert.False(d.IsRelease);
        Assert.Contains("sorts before", d.Reason);
    }
}
