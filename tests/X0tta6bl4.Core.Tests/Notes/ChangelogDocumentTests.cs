using System.Text;
using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Notes;
using X0tta6bl4.Core.VersionFiles;

namespace X0tta6bl4.Core.Tests.Notes;

public class ChangelogDocumentTests
{
    private static readonly RepositoryLinks Links = RepositoryLinks.FromRemote("git@github.com:x0tta6bl4/x0tta6bl4.git")!;

    private const string Sample = """
        # Changelog

        Intro text.

        ## [Unreleased]

        ### Features
        - **docs:** a hand-written line

        ### Notes
        - upgrade with care

        ## [3.2.0] - 2026-10-30

        ### Bug Fixes
        - **executor:** resolve deadlock

        [Unreleased]: https://github.com/x0tta6bl4/x0tta6bl4/compare/v3.2.0...HEAD
        [3.2.0]: https://github.com/x0tta6bl4/x0tta6bl4/compare/v3.1.0...v3.2.0

        """;

    internal static ReleaseNote Note(string version = "3.3.0", string? previous = "v3.2.0", params string[] messages)
    {
        var builder = new ReleaseNoteBuilder(CommitConventions.Default);
        var i = 0;
        foreach (var m in messages.Length == 0 ? new[] { "feat(analyzer): detect spikes (#12)", "fix: keep order" } : messages)
        {
            builder.Add(new Core.Git.GitCommit((++i).ToString("x").PadLeft(40, 'c'), new[] { new string('0', 40) }, m, "A", "a@example.com",
                DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        }
        var (breaking, sections) = builder.Group();
        return new ReleaseNote
        {
            Version = version,
            Tag = "v" + version,
            PreviousTag = previous,
            Date = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
            Breaking = breaking,
            Sections = sections,
        };
    }

    [Fact]
    public void Inserts_under_unreleased_moves_hand_written_lines_and_updates_links()
    {
        var result = ChangelogDocument.Insert(Sample, Note(), Links);
        Assert.True(result.Changed);
        Assert.Equal(2, result.MovedLines);
        var expected = """
            # Changelog

            Intro text.

            ## [Unreleased]

            ## [3.3.0] - 2026-11-24

            ### Features
            - **docs:** a hand-written line
            - **analyzer:** detect spikes ([#12](https://github.com/x0tta6bl4/x0tta6bl4/pull/12)) ([ccccccc](https://github.com/x0tta6bl4/x0tta6bl4/commit/ccccccccccccccccccccccccccccccccccccccc1))

            ### Bug Fixes
            - keep order ([ccccccc](https://github.com/x0tta6bl4/x0tta6bl4/commit/ccccccccccccccccccccccccccccccccccccccc2))

            ### Notes
            - upgrade with care

            ## [3.2.0] - 2026-10-30

            ### Bug Fixes
            - **executor:** resolve deadlock

            [Unreleased]: https://github.com/x0tta6bl4/x0tta6bl4/compare/v3.3.0...HEAD
            [3.3.0]: https://github.com/x0tta6bl4/x0tta6bl4/compare/v3.2.0...v3.3.0
            [3.2.0]: https://github.com/x0tta6bl4/x0tta6bl4/compare/v3.1.0...v3.2.0

            """;
        Assert.Equal(expected, result.Text);
    }

    [Fact]
    public void Twice_is_unchanged_the_second_time()
    {
        var once = ChangelogDocument.Insert(Sample, Note(), Links);
        var twice = ChangelogDocument.Insert(once.Text, Note(), Links);
        Assert.False(twice.Changed);
        Assert.Same(once.Text, twice.Text);
    }

    [Fact]
    public void Older_sections_are_never_rewritten()
    {
        var result = ChangelogDocument.Insert(Sample, Note(), Links).Text;
        var older = Sample[Sample.IndexOf("## [3.2.0]", StringComparison.Ordinal)..Sample.IndexOf("[Unreleased]:", StringComparison.Ordinal)];
        Assert.Contains(older, result);
    }

    [Fact]
    public void Crlf_files_stay_crlf_and_bom_survives_byte_for_byte()
    {
        var crlf = Sample.Replace("\n", "\r\n");
        var bytes = new UTF8Encoding(true).GetPreamble().Concat(Encoding.UTF8.GetBytes(crlf)).ToArray();
        var content = TextFileContent.Decode("CHANGELOG.md", bytes);
        var result = ChangelogDocument.Insert(content.Text, Note(), Links);
        Assert.DoesNotContain("\n", result.Text.Replace("\r\n", ""));
        var updated = content.Encode(result.Text);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, updated[..3]);
        // Everything before the Unreleased section and from 3.2.0's heading to the link block is byte-identical.
        var text = Encoding.UTF8.GetString(updated, 3, updated.Length - 3);
        Assert.StartsWith(crlf[..crlf.IndexOf("## [Unreleased]", StringComparison.Ordinal)], text);
        var older = crlf[crlf.IndexOf("## [3.2.0]", StringComparison.Ordinal)..crlf.IndexOf("[Unreleased]:", StringComparison.Ordinal)];
        Assert.Contains(older, text);
    }

    [Fact]
    public void Without_unreleased_the_section_goes_above_the_newest_version()
    {
        const string text = "# Changelog\n\n## [3.2.0] - 2026-10-30\n\n- old\n";
        var result = ChangelogDocument.Insert(text, Note(), null);
        Assert.Equal("# Changelog\n\n## [3.3.0] - 2026-11-24\n\n### Features\n- **analyzer:** detect spikes (#12) (ccccccc)\n\n### Bug Fixes\n- keep order (ccccccc)\n\n## [3.2.0] - 2026-10-30\n\n- old\n", result.Text);
    }

    [Fact]
    public void A_version_already_present_in_any_spelling_changes_nothing()
    {
        foreach (var heading in new[] { "## [3.3.0] - 2026-01-01", "## 3.3.0", "## [v3.3.0](https://x) - 2026", "## v3.3.0 (2026-01-01)" })
        {
            var text = $"# Changelog\n\n{heading}\n\n- hand-made\n";
            var result = ChangelogDocument.Insert(text, Note(), Links);
            Assert.False(result.Changed, heading);
            Assert.Same(text, result.Text);
        }
    }

    [Fact]
    public void No_final_newline_stays_without_one()
    {
        const string text = "# Changelog\n\n## [Unreleased]";
        var result = ChangelogDocument.Insert(text, Note(), null);
        Assert.False(result.Text.EndsWith('\n'));
        Assert.Contains("## [Unreleased]\n\n## [3.3.0] - 2026-11-24\n", result.Text);
    }

    [Fact]
    public void A_new_file_gets_header_unreleased_section_and_links()
    {
        var result = ChangelogDocument.Insert(ChangelogDocument.NewFile(), Note(previous: null), Links);
        Assert.Contains("## [Unreleased]\n\n## [3.3.0] - 2026-11-24\n", result.Text);
        Assert.EndsWith("[Unreleased]: https://github.com/x0tta6bl4/x0tta6bl4/compare/v3.3.0...HEAD\n[3.3.0]: https://github.com/x0tta6bl4/x0tta6bl4/releases/tag/v3.3.0\n", result.Text);
    }

    [Fact]
    public void Breaking_changes_come_first_with_the_footer_text()
    {
        var note = Note("4.0.0", "v3.3.0", "feat(api)!: drop v1\n\nBREAKING CHANGE: the v1 endpoints are gone", "fix: y");
        var md = NoteMarkdown.RenderBody(note, null);
        Assert.StartsWith("### Breaking Changes\n- **api:** the v1 endpoints are gone (ccccccc)\n\n### Features\n- **api:** drop v1 (ccccccc)\n\n### Bug Fixes\n", md);
    }
}

public class OtherSectionTests
{
    [Fact]
    public void Non_conventional_commits_are_hidden_by_default_and_shown_with_show_other()
    {
        var conventions = new CommitConventions { ShowOther = true };
        var builder = new ReleaseNoteBuilder(conventions);
        builder.Add(new Core.Git.GitCommit(new string('a', 40), new[] { new string('0', 40) }, "Update README", "A", "a@e", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        builder.Add(new Core.Git.GitCommit(new string('b', 40), new[] { new string('0', 40) }, "fix: y", "A", "a@e", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        var (breaking, sections) = builder.Group();
        var shown = new ReleaseNote { Version = "1.0.1", Sections = sections, Breaking = breaking, NonConventional = builder.NonConventional, ShowOther = true };
        Assert.EndsWith("### Other\n- Update README (aaaaaaa)\n", NoteMarkdown.RenderBody(shown, null));
        var hidden = new ReleaseNote { Version = "1.0.1", Sections = sections, Breaking = breaking, NonConventional = builder.NonConventional };
        Assert.DoesNotContain("Other", NoteMarkdown.RenderBody(hidden, null));
    }
}

public class ChangelogRebuildTests
{
    private static readonly RepositoryLinks Links = RepositoryLinks.FromRemote("git@github.com:x0tta6bl4/x0tta6bl4.git")!;

    private static ReleaseNote Unreleased(ReleaseNote released) => new()
    {
        Version = released.Version, IsUnreleased = true, Breaking = released.Breaking, Sections = released.Sections, Date = released.Date,
    };

    [Fact]
    public void A_file_written_by_inserts_is_a_fixed_point_with_its_hand_written_lines()
    {
        var first = ChangelogDocumentTests.Note("1.0.0", null, "feat(api): first", "fix: early");
        var second = ChangelogDocumentTests.Note("1.1.0", "v1.0.0", "feat!: second\n\nBREAKING CHANGE: old flags are gone\nfor good", "docs: manual");
        var text = ChangelogDocument.NewFile() + "\nNotes for 1.0.0 in prose.\n\n### Features\n- **ui:** a hand-made line\n\n### Upgrading\n- read this\n";
        text = ChangelogDocument.Insert(text, first, Links).Text;
        text = ChangelogDocument.Insert(text, second, Links).Text;

        var rebuilt = ChangelogDocument.Rebuild(text, new[] { second, first }, null, Links);
        Assert.Equal(text, rebuilt.Text);
        Assert.False(rebuilt.Changed);
        Assert.Equal(new[] { "1.1.0", "1.0.0" }, rebuilt.Rebuilt);
        Assert.Empty(rebuilt.Missing);
        Assert.Contains("Notes for 1.0.0 in prose.\n\n### Features\n- **ui:** a hand-made line\n- **api:** first", text);
    }

    [Fact]
    public void A_hand_edited_generated_line_comes_back_from_the_commits_and_crlf_stays()
    {
        var note = ChangelogDocumentTests.Note("1.0.0", null, "feat(api): first", "fix: early");
        var text = ChangelogDocument.Insert(ChangelogDocument.NewFile(), note, Links).Text;
        var edited = text.Replace("- **api:** first (", "- **api:** FIRST (", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        var rebuilt = ChangelogDocument.Rebuild(edited, new[] { note }, null, Links);
        Assert.True(rebuilt.Changed);
        // The edited line is no generated line, so it is hand-written now: it stays, ahead of the line the commit gives.
        var lines = rebuilt.Text.Split("\r\n");
        var edit = Array.FindIndex(lines, l => l.StartsWith("- **api:** FIRST (", StringComparison.Ordinal));
        var generated = Array.FindIndex(lines, l => l.StartsWith("- **api:** first (", StringComparison.Ordinal));
        Assert.True(edit >= 0 && generated == edit + 1, rebuilt.Text);
        Assert.DoesNotContain("\n", rebuilt.Text.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(text.Replace("\n", "\r\n", StringComparison.Ordinal), rebuilt.Text.Replace(lines[edit] + "\r\n", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Unreleased_is_kept_unless_asked_and_a_previewed_section_is_not_duplicated_by_the_release()
    {
        var note = ChangelogDocumentTests.Note("1.0.0", null, "feat(api): first", "fix: early");
        var text = ChangelogDocument.NewFile() + "\nHand prose.\n";
        Assert.False(ChangelogDocument.Rebuild(text, Array.Empty<ReleaseNote>(), null, Links).Changed);

        var preview = ChangelogDocument.Rebuild(text, Array.Empty<ReleaseNote>(), Unreleased(note), Links);
        Assert.Equal(new[] { "Unreleased" }, preview.Rebuilt);
        Assert.Contains("## [Unreleased]\n\nHand prose.\n\n### Features\n- **api:** first", preview.Text);

        var released = ChangelogDocument.Insert(preview.Text, note, Links);
        Assert.Equal(1, released.MovedLines);
        Assert.Single(released.Text.Split('\n'), l => l.StartsWith("- **api:** first", StringComparison.Ordinal));
        Assert.Equal(ChangelogDocument.Insert(text, note, Links).Text, released.Text);
    }

    [Fact]
    public void A_release_without_a_section_is_named_as_missing_and_not_made_up()
    {
        var note = ChangelogDocumentTests.Note("1.0.0", null, "feat: first");
        var text = ChangelogDocument.NewFile();
        var rebuilt = ChangelogDocument.Rebuild(text, new[] { note }, null, Links);
        Assert.False(rebuilt.Changed);
        Assert.Equal(new[] { "1.0.0" }, rebuilt.Missing);
    }
}
