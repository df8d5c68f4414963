using Semver;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Versioning;

/// <summary>How a file spells a version. Internally every version is a SemVer 2.0 <see cref="SemVersion"/>.</summary>
public enum VersionScheme
{
    /// <summary>SemVer 2.0 text, as in tags, .csproj, package.json.</summary>
    SemVer,
    /// <summary>PEP 440 text, as in pyproject.toml and Python modules.</summary>
    Pep440,
}

public static class VersionText
{
    public static SemVersion Parse(string text, VersionScheme scheme) => scheme switch
    {
        VersionScheme.Pep440 => Pep440.ToSemVer(text),
        _ => ParseSemVer(text),
    };

    public static string Format(SemVersion version, VersionScheme scheme) => scheme switch
    {
        VersionScheme.Pep440 => Pep440.FromSemVer(version),
        _ => version.ToString(),
    };

    public static bool TryParseSemVer(string text, out SemVersion? version)
    {
        var t = text.Trim();
        return SemVersion.TryParse(t, SemVersionStyles.Strict, out version);
    }

    public static SemVersion ParseSemVer(string text)
    {
        if (TryParseSemVer(text, out var v))
        {
            return v!;
        }
        throw new X0Exception(ErrorIds.InvalidVersion, X0ErrorCategory.InvalidArgument,
            "a SemVer 2.0 version such as 1.4.0 or 1.4.0-rc.1", $"'{text}'",
            "Write the version as MAJOR.MINOR.PATCH with an optional -prerelease", text);
    }

    /// <summary>Parses user input that may be SemVer or PEP 440 ("1.2.0rc1", "v1.2.0").</summary>
    public static SemVersion ParseLenient(string text)
    {
        var t = text.Trim();
        if (t.StartsWith('v') || t.StartsWith('V'))
        {
            t = t[1..];
        }
        if (TryParseSemVer(t, out var v))
        {
            return v!;
        }
        if (Pep440.TryToSemVer(t, out var p, out _))
        {
            return p!;
        }
        throw new X0Exception(ErrorIds.InvalidVersion, X0ErrorCategory.InvalidArgument,
            "a version such as 1.4.0, 1.4.0-rc.1 (SemVer) or 1.4.0rc1 (PEP 440)", $"'{text}'",
            "Pass -Version with a valid version", text);
    }
}
