using X0tta6bl4.Core.Commits;

namespace X0tta6bl4.Core.Tests.Commits;

/// <summary>
/// One test per kind of example the Conventional Commits 1.0.0 specification gives (messages written
/// here from its rules), then the edges users trip over.
/// </summary>
public class ConventionalCommitParserTests
{
    public class SpecificationExamples
    {
        [Fact]
        public void Description_and_a_breaking_change_footer()
        {
            var c = ConventionalCommitParser.Parse("feat: let a config file inherit from a base file\n\nBREAKING CHANGE: the `base` key now names a file to inherit from");
            Assert.True(c.IsConventional);
            Assert.Equal("feat", c.Type);
            Assert.Null(c.Scope);
            Assert.Equal("let a config file inherit from a base file", c.Description);
            Assert.True(c.IsBreaking);
            Assert.False(c.HasBreakingMarker);
            Assert.Equal(new[] { "the `base` key now names a file to inherit from" }, c.BreakingNotes);
            Assert.Null(c.Body);
        }

        [Fact]
        public void Bang_draws_attention_to_a_breaking_change()
        {
            var c = ConventionalCommitParser.Parse("feat!: notify the customer by mail when an order ships");
            Assert.True(c.IsBreaking);
            Assert.True(c.HasBreakingMarker);
            Assert.Empty(c.BreakingNotes);
            // With only "!", the description describes the breaking change.
            Assert.Equal(new[] { "notify the customer by mail when an order ships" }, c.BreakingDescriptions);
        }

        [Fact]
        public void Scope_and_bang()
        {
            var c = ConventionalCommitParser.Parse("feat(api)!: notify the customer by mail when an order ships");
            Assert.Equal("feat", c.Type);
            Assert.Equal("api", c.Scope);
            Assert.True(c.IsBreaking);
        }

        [Fact]
        public void Bang_and_a_breaking_change_footer_on_a_non_feature_type()
        {
            var c = ConventionalCommitParser.Parse("chore!: stop supporting Python 3.8\n\nBREAKING CHANGE: the code now uses syntax that Python 3.8 rejects.");
            Assert.Equal("chore", c.Type);
            Assert.True(c.HasBreakingMarker);
            Assert.Equal(new[] { "the code now uses syntax that Python 3.8 rejects." }, c.BreakingNotes);
            Assert.Equal(c.BreakingNotes, c.BreakingDescriptions);
        }

        [Fact]
        public void No_body()
        {
            var c = ConventionalCommitParser.Parse("docs: fix the spelling of CHANGELOG");
            Assert.Equal("docs", c.Type);
            Assert.Equal("fix the spelling of CHANGELOG", c.Description);
            Assert.Null(c.Body);
            Assert.Empty(c.Footers);
            Assert.False(c.IsBreaking);
        }

        [Fact]
        public void Scope()
        {
            var c = ConventionalCommitParser.Parse("feat(lang): add Ukrainian translations");
            Assert.Equal("lang", c.Scope);
            Assert.Equal("add Ukrainian translations", c.Description);
        }

        [Fact]
        public void Multi_paragraph_body_and_multiple_footers()
        {
            const string message = "fix: stop stale responses from overtaking fresh ones\n\n"
                + "Give every request an id and remember the latest one. Drop\n"
                + "responses that answer an older request.\n\n"
                + "Delete the timeouts that only papered over the race; they are\n"
                + "not needed any more.\n\n"
                + "Reviewed-by: Q\n"
                + "Refs: #321";
            var c = ConventionalCommitParser.Parse(message);
            Assert.Equal("fix", c.Type);
            Assert.Equal("Give every request an id and remember the latest one. Drop\nresponses that answer an older request.\n\n"
                + "Delete the timeouts that only papered over the race; they are\nnot needed any more.", c.Body);
            Assert.Equal(2, c.Footers.Count);
            Assert.Equal(new CommitFooter("Reviewed-by", ": ", "Q"), c.Footers[0]);
            Assert.Equal(new CommitFooter("Refs", ": ", "#321"), c.Footers[1]);
            Assert.Equal(new[] { 321 }, c.Issues);
            Assert.False(c.IsBreaking);
        }

        [Fact]
        public void Revert_type_with_refs_footer_naming_the_reverted_commits()
        {
            var c = ConventionalCommitParser.Parse("revert: never mention the pasta incident again\n\nRefs: 7a1c3e9, b40f2d1");
            Assert.True(c.IsRevert);
            Assert.Equal("revert", c.Type);
            Assert.Equal(new[] { "7a1c3e9", "b40f2d1" }, c.RevertedShas);
        }
    }

    public class Rules
    {
        [Theory]
        [InlineData("FEAT: shout", "feat")]
        [InlineData("Fix(Parser): mixed case", "fix")]
        [InlineData("feat-x: hyphenated type", "feat-x")]
        public void Types_are_case_insensitive(string header, string type) =>
            Assert.Equal(type, ConventionalCommitParser.Parse(header).Type);

        [Theory]
        [InlineData("feat:missing space")]
        [InlineData("feat : space before colon")]
        [InlineData("feat(): empty scope")]
        [InlineData("feat(scope: unclosed")]
        [InlineData("feat: ")]
        [InlineData("Update README.md")]
        [InlineData("WIP")]
        [InlineData("fixup! feat: x")]
        [InlineData("(scope): no type")]
        [InlineData("")]
        public void Malformed_headers_are_not_conventional(string message)
        {
            var c = ConventionalCommitParser.Parse(message);
            Assert.False(c.IsConventional);
            Assert.Null(c.Type);
            Assert.False(c.IsBreaking);
        }

        [Fact]
        public void Hyphenated_breaking_change_token_is_a_synonym()
        {
            var c = ConventionalCommitParser.Parse("fix: x\n\nBREAKING-CHANGE: callers must pass a timeout");
            Assert.True(c.IsBreaking);
            Assert.Equal(new[] { "callers must pass a timeout" }, c.BreakingNotes);
        }

        [Theory]
        [InlineData("feat: x\n\nbreaking change: lower case is not the token")]
        [InlineData("feat: x\n\nBreaking-Change: mixed case is not the token")]
        [InlineData("feat: x\n\nBREAKING CHANGES: the plural is not the token")]
        [InlineData("feat: x\n\nBREAKING CHANGE without a colon")]
        [InlineData("feat: x\n\nBREAKING CHANGE #12")]
        [InlineData("feat: x\n\nBREAKING CHANGE:")]
        [InlineData("feat: x\n\nThis is not a BREAKING CHANGE: it is in the middle of a sentence")]
        [InlineData("feat: x\n\n> BREAKING CHANGE: quoted")]
        [InlineData("feat: x\n\nRefs: BREAKING CHANGE: inside another footer's value")]
        [InlineData("feat: handle BREAKING CHANGE: in the description")]
        public void Footers_that_look_breaking_but_are_not(string message)
        {
            var c = ConventionalCommitParser.Parse(message);
            Assert.True(c.IsConventional);
            Assert.False(c.IsBreaking, message);
        }

        [Fact]
        public void Breaking_footer_value_spans_lines_and_paragraphs_until_the_next_token()
        {
            var c = ConventionalCommitParser.Parse("feat: x\n\nBREAKING CHANGE: first line\ncontinues here\n\nand a second paragraph\nSigned-off-by: A <a@example.com>");
            Assert.Equal(new[] { "first line\ncontinues here\n\nand a second paragraph" }, c.BreakingNotes);
            Assert.Equal("Signed-off-by", c.Footers[1].Token);
            Assert.Null(c.Body);
        }

        [Fact]
        public void Body_paragraph_that_starts_like_a_footer_stays_body_when_prose_follows()
        {
            var c = ConventionalCommitParser.Parse("fix: x\n\nNote: the default changed.\n\nMore explanation here.\n\nSigned-off-by: A <a@example.com>");
            Assert.Equal("Note: the default changed.\n\nMore explanation here.", c.Body);
            Assert.Single(c.Footers);
            Assert.Equal("Signed-off-by", c.Footers[0].Token);
        }

        [Fact]
        public void Hash_separator_footers()
        {
            var c = ConventionalCommitParser.Parse("fix: x\n\nCloses #12\nFixes #13");
            Assert.Equal(new[] { new CommitFooter("Closes", " #", "12"), new CommitFooter("Fixes", " #", "13") }, c.Footers);
            Assert.Equal(new[] { 12, 13 }, c.Issues);
        }

        [Fact]
        public void Trailers_never_leak_into_the_description_or_body()
        {
            var c = ConventionalCommitParser.Parse("feat(ui): dark mode (#77)\n\nCo-authored-by: Dev Two <two@example.com>\nSigned-off-by: Dev One <one@example.com>\n");
            Assert.Equal("dark mode", c.Description);
            Assert.Equal(77, c.PullRequest);
            Assert.Null(c.Body);
            Assert.Equal(new[] { "Co-authored-by", "Signed-off-by" }, c.Footers.Select(f => f.Token));
            Assert.Empty(c.Issues);
        }

        [Fact]
        public void Crlf_messages_parse_like_lf()
        {
            var c = ConventionalCommitParser.Parse("fix(io): x\r\n\r\nbody line\r\n\r\nBREAKING CHANGE: y\r\n");
            Assert.Equal("io", c.Scope);
            Assert.Equal("body line", c.Body);
            Assert.Equal(new[] { "y" }, c.BreakingNotes);
        }

        [Fact]
        public void Breaking_footer_right_under_the_header_is_still_read()
        {
            // Malformed (no blank line), but the author clearly meant it: over-bumping is the safer failure.
            var c = ConventionalCommitParser.Parse("feat: x\nBREAKING CHANGE: y");
            Assert.True(c.IsBreaking);
        }
    }

    public class SquashAndMerge
    {
        [Fact]
        public void Squash_merge_suffix_is_the_pull_request()
        {
            var c = ConventionalCommitParser.Parse("fix(executor): resolve deadlock (#123)");
            Assert.Equal("resolve deadlock", c.Description);
            Assert.Equal(123, c.PullRequest);
        }

        [Fact]
        public void Issue_references_in_the_description_are_kept_apart_from_the_pull_request()
        {
            var c = ConventionalCommitParser.Parse("fix: crash on empty input, see #45 (#123)");
            Assert.Equal(123, c.PullRequest);
            Assert.Equal(new[] { 45 }, c.Issues);
        }

        [Fact]
        public void GitHub_merge_commit_gives_pull_request_and_title()
        {
            Assert.True(ConventionalCommitParser.TryParsePullRequestMerge("Merge pull request #88 from acme/feat-x\n\nfeat(api): paginate results\n", out var pr, out var title));
            Assert.Equal(88, pr);
            Assert.Equal("feat(api): paginate results", title);
            Assert.False(ConventionalCommitParser.TryParsePullRequestMerge("Merge branch 'main' into dev", out _, out _));
        }
    }

    public class Reverts
    {
        [Fact]
        public void Git_revert_names_header_and_commit()
        {
            var sha = new string('a', 40);
            var c = ConventionalCommitParser.Parse($"Revert \"feat(api): paginate results\"\n\nThis reverts commit {sha}.\n");
            Assert.True(c.IsRevert);
            Assert.True(c.IsConventional);
            Assert.Equal("revert", c.Type);
            Assert.Equal("feat(api): paginate results", c.RevertedHeader);
            Assert.Equal("feat(api): paginate results", c.Description);
            Assert.Equal(new[] { sha }, c.RevertedShas);
            Assert.False(c.IsBreaking);
        }

        [Fact]
        public void GitHub_revert_pull_request()
        {
            var c = ConventionalCommitParser.Parse("Revert \"feat: x (#12)\" (#13)\n\nThis reverts commit 0123abc.");
            Assert.Equal("feat: x (#12)", c.RevertedHeader);
            Assert.Equal(13, c.PullRequest);
            Assert.Equal(new[] { "0123abc" }, c.RevertedShas);
        }

        [Fact]
        public void Revert_of_a_breaking_commit_is_not_breaking_itself()
        {
            var c = ConventionalCommitParser.Parse("Revert \"feat!: drop the v1 API\"\n\nThis reverts commit 0123abcd.");
            Assert.False(c.IsBreaking);
        }
    }
}
