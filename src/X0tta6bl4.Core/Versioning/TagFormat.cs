using Semver;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Versioning;

/// <summary>
/// A tag template such as <c>v{version}</c> or <c>pkg@{version}</c>. Turns versions into tag names and
/// back; tags outside the template (junk, other packages' prefixes) are simply not versions.
/// </summary>
public sealed class TagFormat
{
    public const string Placeholder = "{version}";
    public const string Default = "v{version}";

    public TagFormat(string template)
    {
        if (Problem(template) is { } problem)
        {
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidArgument,
                "a tag format with exactly one {version} placeholder that makes a valid git tag name, such as v{version}",
                $"'{template}': {problem}", "Set tag_format (or tag_name) to a template like v{version}", template);
        }
        var normalized = Normalize(template);
        var index = normalized.IndexOf(Placeholder, StringComparison.Ordinal);
        Template = normalized;
        Prefix = normalized[..index];
        Suffix = normalized[(index + Placeholder.Length)..];
    }

    /// <summary>Why <paramref name="template"/> cannot name tags (placeholder count, git's ref-name rules), or null.</summary>
    public static string? Problem(string template)
    {
        var normalized = Normalize(template);
        var index = normalized.IndexOf(Placeholder, StringComparison.Ordinal);
        if (index < 0 || normalized.IndexOf(Placeholder, index + 1, StringComparison.Ordinal) >= 0)
        {
            return "it needs exactly one {version} placeholder";
        }
        // Versions themselves are ref-safe; what the template adds around them must be too.
        return GitRefName.Problem("refs/tags/" + normalized.Replace(Placeholder, "1.2.3-rc.1", StringComparison.Ordinal)) is { } bad
            ? $"the tag it makes is not a valid git ref name: {bad}"
            : null;
    }

    // bump2version spells it {new_version}; accept both.
    private static string Normalize(string template) => template.Replace("{new_version}", Placeholder, StringComparison.Ordinal);

    public string Template { get; }
    public string Prefix { get; }
    public string Suffix { get; }

    public string Format(SemVersion version) => Prefix + version + Suffix;

    /// <summary>The version a tag names, or false when the tag is not one of ours.</summary>
    public bool TryParse(string tagName, out SemVersion? version)
    {
        version = null;
        if (!tagName.StartsWith(Prefix, StringComparison.Ordinal) || !tagName.EndsWith(Suffix, StringComparison.Ordinal)
            || tagName.Length <= Prefix.Length + Suffix.Length)
        {
            return false;
        }
        var text = tagName.Substring(Prefix.Length, tagName.Length - Prefix.Length - Suffix.Length);
        if (VersionText.TryParseSemVer(text, out version))
        {
            return true;
        }
        // Python projects tag their pre-releases as PEP 440 (1.0.0a2, 2.34.0.dev1): the same versions. Only with
        // three release numbers: v10 and v10.6 are floating tags that move with each release, not releases.
        return text.Length > 0 && char.IsAsciiDigit(text[0]) && text.Split('.').Length >= 3
               && Pep440.TryToSemVer(text, out version, out _) && text.StartsWith($"{version!.Major}.{version.Minor}.{version.Patch}", StringComparison.Ordinal);
    }

    /// <summary>The highest version by SemVer precedence among tags in this format (never lexicographic).</summary>
    public SemVersion? Latest(IEnumerable<string> tagNames, bool includePrerelease = true)
    {
        SemVersion? best = null;
        foreach (var name in tagNames)
        {
            if (TryParse(name, out var v) && (includePrerelease || !v!.IsPrerelease)
                && (best is null || v!.ComparePrecedenceTo(best) > 0))
            {
                best = v;
            }
        }
        return best;
    }
}
