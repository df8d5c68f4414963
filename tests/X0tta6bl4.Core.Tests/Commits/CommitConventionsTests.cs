using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Notes;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Commits;

public class CommitConventionsTests
{
    [Fact]
    public void Defaults_follow_the_reference_pipeline()
    {
        var c = CommitConventions.Default;
        Assert.Equal(new[] { "Features", "Bug Fixes", "Performance", "Security", "Documentation", "Tests" },
            c.Categories.Where(x => !x.Hidden).Select(x => x.Title).Take(6));
        Assert.True(c.CategoryOf("chore").Hidden);
        Assert.True(c.CategoryOf("refactor").Hidden);
        Assert.True(c.CategoryOf("whatever").Hidden);
        Assert.False(c.MajorOnZero);
    }

    [Fact]
    public void Mapping_order_titles_hidden_types_and_policy_come_from_the_configuration()
    {
        using var repo = new GitRepoFixture("conventions");
        repo.Write("pyproject.toml", """
            [project]
            name = "demo"
            version = "0.4.0"

            [tool.x0tta6bl4]
            minor_types = ["feat", "perf"]
            patch_types = ["fix", "deps"]
            major_on_zero = true
            first_parent = true
            strict = true
            show_other = true
            repository_url = "https://ghe.example.com/team/demo"
            changelog = false
            changelog_file = "docs/CHANGES.md"

            [[tool.x0tta6bl4.changelog_sections]]
            title = "Fixes"
            types = ["fix", "deps"]

            [[tool.x0tta6bl4.changelog_sections]]
            title = "New"
            type = "feat"

            [[tool.x0tta6bl4.changelog_sections]]
            title = "Housekeeping"
            types = ["chore"]
            hidden = false
            """);
        var config = ConfigLoader.Load(repo.Root);
        Assert.DoesNotContain(config.Warnings, w => w.Contains("Unknown setting", StringComparison.Ordinal));
        var c = CommitConventions.From(config);
        Assert.Equal(new[] { "Fixes", "New", "Housekeeping" }, c.Categories.Select(x => x.Title));
        Assert.False(c.CategoryOf("chore").Hidden);
        Assert.Equal(ReleaseLevel.Minor, c.LevelOf(ConventionalCommitParser.Parse("perf: faster")));
        Assert.Equal(ReleaseLevel.Patch, c.LevelOf(ConventionalCommitParser.Parse("deps: bump x")));
        Assert.True(c.MajorOnZero && c.FirstParent && c.Strict && c.ShowOther);
        Assert.False(c.Changelog);
        Assert.Equal("docs/CHANGES.md", c.ChangelogFile);
        Assert.Equal("https://ghe.example.com/team/demo", RepositoryLinks.From(c.RepositoryUrl, null)!.BaseUrl);

        var b = new ReleaseNoteBuilder(c);
        foreach (var m in new[] { "feat: a", "fix: b", "chore: c", "deps: d" })
        {
            b.Add(new GitCommit(Guid.NewGuid().ToString("N") + "00000000", new[] { new string('0', 40) }, m, "A", "a@e", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        }
        var (_, sections) = b.Group();
        Assert.Equal(new[] { "Fixes", "New", "Housekeeping" }, sections.Select(s => s.Title));
        Assert.Equal(2, sections[0].Entries.Count);
    }

    [Fact]
    public void A_malformed_setting_is_an_error_naming_it()
    {
        using var repo = new GitRepoFixture("bad-conventions");
        repo.Write("x0tta6bl4.toml", "minor_types = \"feat\"\n");
        var ex = Assert.Throws<X0Exception>(() => CommitConventions.From(ConfigLoader.Load(repo.Root)));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
        Assert.Contains("minor_types", ex.Message);
    }
}
