using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Versioning;

public class Pep440Tests
{
    // One table, read both ways: PEP 440 text ⇔ SemVer text.
    [Theory]
    [InlineData("1.2.0", "1.2.0")]
    [InlineData("1.2.0a1", "1.2.0-alpha.1")]
    [InlineData("1.2.0b2", "1.2.0-beta.2")]
    [InlineData("1.2.0rc1", "1.2.0-rc.1")]
    [InlineData("1.2.0rc10", "1.2.0-rc.10")]
    [InlineData("1.2.0.dev4", "1.2.0-dev.4")]
    [InlineData("1.2.0.post5", "1.2.0+post.5")]
    [InlineData("3.2.0", "3.2.0")]
    public void Maps_both_ways(string pep440, string semver)
    {
        Assert.Equal(semver, Pep440.ToSemVer(pep440).ToString());
        Assert.Equal(pep440, Pep440.FromSemVer(VersionText.ParseSemVer(semver)));
    }

    [Theory]
    [InlineData("1.2.0-RC1", "1.2.0rc1")]
    [InlineData("1.2.0.rc.1", "1.2.0rc1")]
    [InlineData("v1.2.0c1", "1.2.0rc1")]
    [InlineData("1.2.0alpha3", "1.2.0a3")]
    [InlineData("1.2.0-beta.2", "1.2.0b2")]
    [InlineData("1.2", "1.2.0")]
    [InlineData("1.2.0-1", "1.2.0.post1")]
    [InlineData("1.2.0.dev", "1.2.0.dev0")]
    public void Normalizes_alternative_spellings(string input, string canonical) =>
        Assert.Equal(canonical, Pep440.Normalize(input));

    [Theory]
    [InlineData("1!2.0.0")]
    [InlineData("1.2.0rc1.dev2")]
    [InlineData("1.2.3.4")]
    [InlineData("not-a-version")]
    public void Refuses_what_semver_cannot_order(string input)
    {
        var ex = Assert.Throws<X0Exception>(() => Pep440.ToSemVer(input));
        Assert.Equal(ErrorIds.InvalidVersion, ex.ErrorId);
    }

    [Fact]
    public void Refuses_semver_labels_python_cannot_express()
    {
        var ex = Assert.Throws<X0Exception>(() => Pep440.FromSemVer(VersionText.ParseSemVer("1.2.0-preview.1.2")));
        Assert.Contains("alpha, beta, rc or dev", ex.Fix);
    }

    [Theory]
    [InlineData("1.3.0-RC.1", "rc")]
    [InlineData("1.3.0-c.1", "rc")]
    [InlineData("1.3.0-a.1", "alpha")]
    [InlineData("1.3.0-preview.2", "rc")]
    public void Refuses_labels_that_would_read_back_as_another_label(string semver, string canonical)
    {
        Assert.False(Pep440.TryFromSemVer(Semver.SemVersion.Parse(semver, Semver.SemVersionStyles.Strict), out _, out var problem));
        Assert.Contains($"use {canonical}", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RC", "rc")]
    [InlineData("c", "rc")]
    [InlineData("Alpha", "alpha")]
    [InlineData("B", "beta")]
    [InlineData("DEV", "dev")]
    [InlineData("nightly", "nightly")]
    public void Canonical_label_is_the_one_pep440_reads_back(string typed, string canonical) =>
        Assert.Equal(canonical, Pep440.CanonicalLabel(typed));
}
