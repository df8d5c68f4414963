using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.VersionFiles;

public class PatternVersionFileTests
{
    private static Func<string, string, VersionFile> Pattern(string search, string? replace = null, int count = 1, bool regex = false,
        VersionScheme scheme = VersionScheme.SemVer, string? known = null) =>
        (path, root) => new PatternVersionFile(path, root, search, replace, scheme, count, regex)
        {
            KnownCurrentVersion = known is null ? null : VersionText.ParseSemVer(known),
        };

    [Fact]
    public void Literal_search_and_replace()
    {
        var fixture = ByteFixture.Of("# Tool\r\n\r\nInstall with `pip install tool==1.2.3`.\r\nLATEST = '{{1.2.3|1.2.4}}'\r\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Pattern("LATEST = '{current_version}'"), "README.md", "1.2.4"));
    }

    [Fact]
    public void Not_found_is_an_error_never_a_bare_version_fallback()
    {
        var fixture = ByteFixture.Of("version 1.2.3\n");
        var ex = Assert.Throws<X0Exception>(() => fixture.Rewrite(Pattern("VERSION = '{current_version}'"), "README.md", "1.2.4"));
        Assert.Equal(ErrorIds.PatternNotFound, ex.ErrorId);
        Assert.Contains("VERSION = '{current_version}'", ex.Message);
    }

    [Fact]
    public void More_matches_than_count_is_ambiguous()
    {
        var fixture = ByteFixture.Of("pkg==1.2.3\nother: pkg==1.2.3\n");
        var ex = Assert.Throws<X0Exception>(() => fixture.Rewrite(Pattern("pkg=={current_version}"), "x.txt", "1.2.4"));
        Assert.Equal(ErrorIds.PatternAmbiguous, ex.ErrorId);
        Assert.Contains("2 matches", ex.Message);
        Assert.Contains("lines 1, 2", ex.Message);
    }

    [Fact]
    public void Count_allows_exactly_that_many()
    {
        var fixture = ByteFixture.Of("pkg=={{1.2.3|1.3.0}}\nother: pkg=={{1.2.3|1.3.0}}\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Pattern("pkg=={current_version}", count: 2), "x.txt", "1.3.0"));
    }

    [Fact]
    public void Regex_search_replaces_the_whole_match_with_the_template()
    {
        var fixture = ByteFixture.Of("image: ghcr.io/o/app:{{1.2.3|1.3.0}}\nbase: ghcr.io/o/base:1.2.3\n");
        var updated = fixture.Rewrite(Pattern(@"(?<=app:){current_version}", "{new_version}", regex: true), "deploy.yml", "1.3.0");
        fixture.AssertOnlyVersionBytesDiffer(updated);
    }

    [Fact]
    public void Invalid_regex_is_a_configuration_error()
    {
        var fixture = ByteFixture.Of("x\n");
        Assert.Equal(ErrorIds.ConfigInvalid, Assert.Throws<X0Exception>(() => fixture.Rewrite(Pattern("{current_version})", regex: true), "x.txt", "1.0.0")).ErrorId);
    }

    [Fact]
    public void Known_current_version_matches_literally()
    {
        var fixture = ByteFixture.Of("v = 1.2.2 (old)\nv = {{1.2.3|1.3.0}}\n");
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(Pattern("v = {current_version}", known: "1.2.3"), "x.txt", "1.3.0"));
    }

    [Fact]
    public void Multi_line_search_matches_crlf_files_and_keeps_their_line_endings()
    {
        // bump2version configs join continuation lines with \n; the file on disk uses \r\n.
        var fixture = ByteFixture.Of("setup(\r\n    name='pkg',\r\n    version='{{1.2.3|1.3.0}}',\r\n)\r\n", FixtureEncoding.Utf8Bom);
        var pattern = Pattern("name='pkg',\n    version='{current_version}'", "name='pkg',\n    version='{new_version}'", scheme: VersionScheme.Pep440);
        fixture.AssertOnlyVersionBytesDiffer(fixture.Rewrite(pattern, "setup.py", "1.3.0"));
    }

    [Fact]
    public void Search_without_a_placeholder_is_refused()
    {
        var ex = Assert.Throws<X0Exception>(() => new PatternVersionFile("/x/a.txt", "/x", "VERSION", null, VersionScheme.SemVer));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
    }
}
