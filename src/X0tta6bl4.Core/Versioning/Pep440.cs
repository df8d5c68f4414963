using System.Globalization;
using System.Text.RegularExpressions;
using Semver;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Versioning;

/// <summary>
/// The one mapping between PEP 440 (what Python files and PyPI hold) and SemVer 2.0 (what tags,
/// images and .NET/PowerShell files hold). Used in both directions everywhere, so
/// <c>1.2.0rc1</c> in pyproject.toml, tag <c>v1.2.0-rc.1</c> and image tag <c>1.2.0-rc.1</c> are one version.
/// </summary>
/// <remarks>
/// Table (PEP 440 ⇔ SemVer):
/// <c>1.2.0</c> ⇔ <c>1.2.0</c>; <c>1.2.0a1</c> ⇔ <c>1.2.0-alpha.1</c>; <c>1.2.0b2</c> ⇔ <c>1.2.0-beta.2</c>;
/// <c>1.2.0rc3</c> ⇔ <c>1.2.0-rc.3</c>; <c>1.2.0.dev4</c> ⇔ <c>1.2.0-dev.4</c>;
/// <c>1.2.0.post5</c> ⇔ <c>1.2.0+post.5</c> (SemVer has no post-releases; build metadata keeps the
/// precedence of the release, which is the closest honest reading). Epochs, and a pre-release
/// combined with .dev or .post, have no SemVer counterpart with the same ordering and are refused.
/// </remarks>
public static partial class Pep440
{
    // PEP 440 appendix B's permissive pattern, restricted to what can be mapped.
    private static readonly Regex Pattern = PatternRegex();

    [GeneratedRegex(
        @"^\s*v?
          (?:(?<epoch>[0-9]+)!)?
          (?<release>[0-9]+(?:\.[0-9]+)*)
          (?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?
          (?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?
          (?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?
          (?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
          \s*$",
        RegexOptions.IgnorePatternWhitespace | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PatternRegex();

    /// <summary>True when <paramref name="text"/> is a PEP 440 version we can map.</summary>
    public static bool TryToSemVer(string text, out SemVersion? version, out string? problem)
    {
        version = null;
        problem = null;
        var m = Pattern.Match(text);
        if (!m.Success)
        {
            problem = $"'{text}' is not a PEP 440 version";
            return false;
        }
        if (m.Groups["epoch"].Success && m.Groups["epoch"].Value != "0")
        {
            problem = $"'{text}' has an epoch, which SemVer cannot express";
            return false;
        }
        var release = m.Groups["release"].Value.Split('.').Select(p => BigIntegerText(p)).ToList();
        if (release.Count > 3)
        {
            problem = $"'{text}' has {release.Count} release components; SemVer has exactly three";
            return false;
        }
        while (release.Count < 3)
        {
            release.Add("0");
        }

        var hasPre = m.Groups["pre"].Success;
        var hasPost = m.Groups["post"].Success;
        var hasDev = m.Groups["dev"].Success;
        if ((hasPre && (hasPost || hasDev)) || (hasPost && hasDev))
        {
            problem = $"'{text}' combines pre-release, post-release or dev segments; SemVer precedence cannot keep PEP 440's order for that";
            return false;
        }

        var prerelease = new List<string>();
        var metadata = new List<string>();
        if (hasPre)
        {
            prerelease.Add(CanonicalPreLabel(m.Groups["pre_l"].Value) switch
            {
                "a" => "alpha",
                "b" => "beta",
                _ => "rc",
            });
            prerelease.Add(NumberOrZero(m.Groups["pre_n"]));
        }
        if (hasDev)
        {
            prerelease.Add("dev");
            prerelease.Add(NumberOrZero(m.Groups["dev_n"]));
        }
        if (hasPost)
        {
            metadata.Add("post");
            metadata.Add(m.Groups["post_n1"].Success ? BigIntegerText(m.Groups["post_n1"].Value) : NumberOrZero(m.Groups["post_n2"]));
        }
        if (m.Groups["local"].Success)
        {
            metadata.AddRange(m.Groups["local"].Value.ToLowerInvariant().Split('-', '_', '.'));
        }

        var semver = string.Join(".", release);
        if (prerelease.Count > 0) semver += "-" + string.Join(".", prerelease);
        if (metadata.Count > 0) semver += "+" + string.Join(".", metadata);
        version = SemVersion.Parse(semver, SemVersionStyles.Strict);
        return true;
    }

    public static SemVersion ToSemVer(string pep440)
    {
        if (!TryToSemVer(pep440, out var v, out var problem))
        {
            throw new X0Exception(ErrorIds.InvalidVersion, X0ErrorCategory.InvalidData,
                "a PEP 440 version such as 1.2.0, 1.2.0rc1, 1.2.0.dev3 or 1.2.0.post1", problem!,
                "Correct the version string in the file, or configure the file with scheme = \"semver\"", pep440);
        }
        return v!;
    }

    /// <summary>Formats a SemVer version as canonical PEP 440, or explains why it cannot be.</summary>
    public static bool TryFromSemVer(SemVersion version, out string? pep440, out string? problem)
    {
        pep440 = null;
        problem = null;
        var text = $"{version.Major}.{version.Minor}.{version.Patch}";
        var pre = version.PrereleaseIdentifiers;
        if (pre.Count > 0)
        {
            if (pre.Count != 2 || !IsNumber(pre[1].Value))
            {
                problem = $"pre-release '{version.Prerelease}' is not of the form <label>.<number>";
                return false;
            }
            var n = pre[1].Value;
            // Only labels that come back unchanged: 'RC' or 'c' would be written rc here and read back as rc,
            // so the tag and the file would name two versions.
            switch (pre[0].Value)
            {
                case "alpha": text += "a" + n; break;
                case "beta": text += "b" + n; break;
                case "rc": text += "rc" + n; break;
                case "dev": text += ".dev" + n; break;
                default:
                    var canonical = CanonicalLabel(pre[0].Value);
                    problem = canonical != pre[0].Value
                        ? $"pre-release label '{pre[0].Value}' would read back from PEP 440 as '{canonical}' (use {canonical})"
                        : $"pre-release label '{pre[0].Value}' has no PEP 440 counterpart (use alpha, beta, rc or dev)";
                    return false;
            }
        }
        var meta = version.MetadataIdentifiers;
        if (meta.Count > 0)
        {
            var parts = meta.Select(i => i.Value).ToList();
            if (parts.Count >= 2 && parts[0].Equals("post", StringComparison.OrdinalIgnoreCase) && IsNumber(parts[1]))
            {
                if (pre.Count > 0)
                {
                    problem = "a post-release of a pre-release cannot be expressed";
                    return false;
                }
                text += ".post" + parts[1];
                parts = parts.Skip(2).ToList();
            }
            if (parts.Count > 0)
            {
                text += "+" + string.Join(".", parts).ToLowerInvariant();
            }
        }
        pep440 = text;
        return true;
    }

    public static string FromSemVer(SemVersion version)
    {
        if (!TryFromSemVer(version, out var text, out var problem))
        {
            throw new X0Exception(ErrorIds.InvalidVersion, X0ErrorCategory.InvalidArgument,
                "a version that Python packaging (PEP 440) can express", $"{version}: {problem}",
                "Use a pre-release label of alpha, beta, rc or dev (for example -PreRelease rc)", version.ToString());
        }
        return text!;
    }

    /// <summary>
    /// The SemVer label for a label a user types: every spelling PEP 440 accepts for a pre-release
    /// (a, alpha, b, beta, c, rc, pre, preview, dev, in any case) becomes the one label it reads back as,
    /// so -PreRelease RC gives tag v1.3.0-rc.1 and pyproject 1.3.0rc1, one version both ways. Other labels stay as typed.
    /// </summary>
    public static string CanonicalLabel(string label) => label.ToLowerInvariant() switch
    {
        "a" or "alpha" => "alpha",
        "b" or "beta" => "beta",
        "c" or "rc" or "pre" or "preview" => "rc",
        "dev" => "dev",
        _ => label,
    };

    /// <summary>Canonical PEP 440 text of any accepted spelling ("1.2.0-RC1" → "1.2.0rc1").</summary>
    public static string Normalize(string pep440) => FromSemVer(ToSemVer(pep440));

    private static string CanonicalPreLabel(string label) => label.ToLowerInvariant() switch
    {
        "alpha" or "a" => "a",
        "beta" or "b" => "b",
        _ => "rc",
    };

    private static string NumberOrZero(Group g) => g.Success && g.Value.Length > 0 ? BigIntegerText(g.Value) : "0";

    private static string BigIntegerText(string digits)
    {
        var trimmed = digits.TrimStart('0');
        return trimmed.Length == 0 ? "0" : trimmed;
    }

    private static bool IsNumber(string s) => s.Length > 0 && s.All(char.IsAsciiDigit) && (s == "0" || s[0] != '0')
        && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _);
}
