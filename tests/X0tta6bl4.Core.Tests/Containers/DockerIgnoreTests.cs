using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Tests.Containers;

public sealed class DockerIgnoreTests
{
    public sealed class Parse
    {
        [Fact]
        public void drops_the_bom_comments_blank_lines_and_surrounding_spaces()
        {
            var text = "\uFEFF# comment\r\n\r\nnode_modules   \r\n\t*.log\t\n  # not a comment\n!  keep.log  \n";
            Assert.Equal(new[] { "node_modules", "*.log", "# not a comment", "!keep.log" }, DockerIgnoreFile.Parse(text));
        }

        [Theory]
        [InlineData("/abs/path", "abs/path")]
        [InlineData("./a//b/", "a/b")]
        [InlineData("a/../b", "b")]
        [InlineData("../outside", "../outside")]
        [InlineData("/", "/")]
        [InlineData("!/build/", "!build")]
        [InlineData("dir/./*.py", "dir/*.py")]
        public void cleans_each_pattern_like_go(string line, string expected) =>
            Assert.Equal(new[] { expected }, DockerIgnoreFile.Parse(line));

        [Fact]
        public void a_lone_exclamation_mark_is_rejected_by_the_matcher()
        {
            var patterns = DockerIgnoreFile.Parse("!\n");
            var ex = Assert.Throws<X0Exception>(() => new IgnoreMatcher(patterns));
            Assert.Equal(ErrorIds.BuildContextInvalid, ex.ErrorId);
        }
    }

    public sealed class Matching
    {
        private static bool Excluded(string path, params string[] patterns) => new IgnoreMatcher(patterns).MatchesOrParentMatches(path);

        [Theory]
        // literal, and its parents
        [InlineData("foo", "foo", true)]
        [InlineData("foo", "foo/bar", true)]
        [InlineData("foo", "foobar", false)]
        [InlineData("foo", "x/foo", false)]
        // one star stays inside a path component
        [InlineData("*.go", "a.go", true)]
        [InlineData("*.go", "dir/a.go", false)]
        [InlineData("dir/*.go", "dir/a.go", true)]
        [InlineData("dir/*.go", "dir/sub/a.go", false)]
        [InlineData("*", "anything/deep/file", true)]
        // double star
        [InlineData("**/*.go", "a.go", true)]
        [InlineData("**/*.go", "x/y/a.go", true)]
        [InlineData("**/foo", "foo", true)]
        [InlineData("**/foo", "a/b/foo", true)]
        [InlineData("**/foo", "a/b/foo/c", true)]
        [InlineData("**/foo", "a/xfoo", false)]
        [InlineData("foo/**", "foo/x", true)]
        [InlineData("foo/**", "foo/x/y", true)]
        [InlineData("foo/**", "foo", false)]
        [InlineData("**", "x", true)]
        [InlineData("a/**/b", "a/b", true)]
        [InlineData("a/**/b", "a/x/y/b", true)]
        // the CLI's shortcut for "**" + literal is a plain suffix test
        [InlineData("**.py", "pkg/mod.py", true)]
        [InlineData("**foo", "barfoo", true)]
        // ? and classes
        [InlineData("?.txt", "a.txt", true)]
        [InlineData("?.txt", "ab.txt", false)]
        [InlineData("[a-c].txt", "b.txt", true)]
        [InlineData("[a-c].txt", "d.txt", false)]
        [InlineData("[^a].txt", "b.txt", true)]
        // escapes and regex metacharacters are literal
        [InlineData(@"\*.txt", "*.txt", true)]
        [InlineData(@"\*.txt", "a.txt", false)]
        [InlineData("a+b(c).txt", "a+b(c).txt", true)]
        [InlineData("file.txt", "fileXtxt", false)]
        public void follows_the_cli(string pattern, string path, bool excluded) => Assert.Equal(excluded, Excluded(path, pattern));

        [Fact]
        public void later_patterns_win_and_exceptions_re_include()
        {
            Assert.False(Excluded("keep.md", "*.md", "!keep.md"));
            Assert.True(Excluded("other.md", "*.md", "!keep.md"));
            Assert.True(Excluded("keep.md", "*.md", "!keep.md", "keep.md"));
            Assert.False(Excluded("docs/keep.md", "docs", "!docs/keep.md"));
        }

        [Theory]
        [InlineData("[")]
        [InlineData("a[b")]
        [InlineData("[]")]
        [InlineData("[a-]")]
        [InlineData("abc\\")]
        public void malformed_patterns_are_errors_that_name_the_pattern(string pattern)
        {
            var ex = Assert.Throws<X0Exception>(() => new IgnoreMatcher(new[] { pattern }));
            Assert.Equal(ErrorIds.BuildContextInvalid, ex.ErrorId);
            Assert.Contains(pattern, ex.Message);
        }

        [Fact]
        public void parent_results_carry_down_the_walk()
        {
            var m = new IgnoreMatcher(new[] { "build", "!build/keep" });
            Assert.True(m.Matches("build", IgnoreMatchInfo.None, out var info));
            Assert.True(m.Matches("build/x", info, out _));
            Assert.False(m.Matches("build/keep", info, out _));
        }
    }

    public sealed class GoPathClean
    {
        [Theory]
        [InlineData("", ".")]
        [InlineData(".", ".")]
        [InlineData("a/b/../c", "a/c")]
        [InlineData("../../a", "../../a")]
        [InlineData("/../a", "/a")]
        [InlineData("a//b//", "a/b")]
        [InlineData("a/..", ".")]
        public void matches_go(string input, string expected) => Assert.Equal(expected, GoPath.Clean(input));
    }
}
