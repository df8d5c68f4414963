using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Versioning;

public class VersionBumpTests
{
    private static string Next(string current, BumpRequest request, params string[] known) =>
        VersionBump.Next(VersionText.ParseSemVer(current), request, known.Select(VersionText.ParseSemVer)).ToString();

    [Theory]
    [InlineData("1.2.3", "2.0.0", "1.3.0", "1.2.4")]
    [InlineData("0.9.9", "1.0.0", "0.10.0", "0.9.10")]
    [InlineData("1.2.0-rc.1", "2.0.0", "1.2.0", "1.2.0")]
    [InlineData("2.0.0-beta.3", "2.0.0", "2.0.0", "2.0.0")]
    [InlineData("1.2.3-rc.1", "2.0.0", "1.3.0", "1.2.3")]
    public void Components(string current, string major, string minor, string patch)
    {
        Assert.Equal(major, Next(current, BumpRequest.Major()));
        Assert.Equal(minor, Next(current, BumpRequest.Minor()));
        Assert.Equal(patch, Next(current, BumpRequest.Patch()));
    }

    [Fact]
    public void Prerelease_sequence_from_the_issue()
    {
        var v = Next("1.1.0", new BumpRequest { Component = VersionComponent.Minor, PreReleaseLabel = "rc" });
        Assert.Equal("1.2.0-rc.1", v);
        v = Next(v, new BumpRequest { PreReleaseLabel = "" });
        Assert.Equal("1.2.0-rc.2", v);
        v = Next(v, new BumpRequest { Release = true });
        Assert.Equal("1.2.0", v);
    }

    [Fact]
    public void Prerelease_counter_is_monotonic_across_the_channel()
    {
        // Files say rc.1 but rc.3 was already tagged: the next rc is rc.4, never a reused number.
        Assert.Equal("1.2.0-rc.4", Next("1.2.0-rc.1", new BumpRequest { PreReleaseLabel = "" }, "1.2.0-rc.2", "1.2.0-rc.3", "1.1.0"));
        Assert.Equal("1.3.0-rc.3", Next("1.2.0", new BumpRequest { Component = VersionComponent.Minor, PreReleaseLabel = "rc" }, "1.3.0-rc.2"));
    }

    [Fact]
    public void Switching_label_must_raise_precedence()
    {
        Assert.Equal("1.2.0-rc.1", Next("1.2.0-beta.4", new BumpRequest { PreReleaseLabel = "rc" }));
        var ex = Assert.Throws<X0Exception>(() => Next("1.2.0-rc.1", new BumpRequest { PreReleaseLabel = "alpha" }));
        Assert.Equal(ErrorIds.InvalidBump, ex.ErrorId);
    }

    [Fact]
    public void Prerelease_of_a_final_version_starts_the_next_patch()
    {
        Assert.Equal("1.2.1-rc.1", Next("1.2.0", new BumpRequest { PreReleaseLabel = "rc" }));
    }

    [Fact]
    public void Explicit_version_must_be_higher()
    {
        Assert.Equal("2.0.0", Next("1.2.0", new BumpRequest { Explicit = "2.0.0" }));
        Assert.Equal("1.3.0-rc.1", Next("1.2.0", new BumpRequest { Explicit = "1.3.0rc1" }));
        var ex = Assert.Throws<X0Exception>(() => Next("1.2.0", new BumpRequest { Explicit = "1.1.9" }));
        Assert.Equal(ErrorIds.InvalidBump, ex.ErrorId);
        Assert.Contains("1.1.9", ex.Message);
    }

    [Fact]
    public void Release_of_a_final_version_is_refused()
    {
        var ex = Assert.Throws<X0Exception>(() => Next("1.2.0", new BumpRequest { Release = true }));
        Assert.Contains("already a final release", ex.Message);
    }
}
