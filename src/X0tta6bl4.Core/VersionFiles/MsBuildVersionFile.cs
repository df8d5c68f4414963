using System.Text.RegularExpressions;
using Semver;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// <c>&lt;Version&gt;</c>, or <c>&lt;VersionPrefix&gt;</c> with an optional <c>&lt;VersionSuffix&gt;</c>, in a
/// .csproj / Directory.Build.props. Property values that are MSBuild expressions are not versions.
/// </summary>
public sealed partial class MsBuildVersionFile : VersionFile
{
    private static readonly Regex VersionElement = VersionElementRegex();
    private static readonly Regex PrefixElement = PrefixElementRegex();
    private static readonly Regex SuffixElement = SuffixElementRegex();

    public MsBuildVersionFile(string path, string root) : base(path, root) { }

    public override string Anchor => "<Version>/<VersionPrefix>";
    public override VersionScheme Scheme => VersionScheme.SemVer;

    public override VersionReading Read(TextFileContent content)
    {
        var text = content.Text;
        var versions = VersionElement.Matches(text);
        if (versions.Count > 0)
        {
            return ReadSingle(text, VersionElement, "one <Version>X.Y.Z</Version> element");
        }

        var prefixes = PrefixElement.Matches(text);
        if (prefixes.Count == 0)
        {
            throw NotFound("a <Version> or <VersionPrefix> element with a literal version");
        }
        if (prefixes.Count > 1)
        {
            throw Ambiguous("one <VersionPrefix> element", prefixes.Count, prefixes.Select(m => TextLines.LineNumberAt(text, m.Index)));
        }
        var prefix = prefixes[0].Groups["v"];
        var suffixes = SuffixElement.Matches(text);
        if (suffixes.Count > 1)
        {
            throw Ambiguous("at most one <VersionSuffix> element", suffixes.Count, suffixes.Select(m => TextLines.LineNumberAt(text, m.Index)));
        }
        var suffix = suffixes.Count == 1 ? suffixes[0].Groups["v"] : null;
        var written = suffix is { Length: > 0 } ? $"{prefix.Value}-{suffix.Value}" : prefix.Value;
        var version = ParseIn(written, VersionScheme.SemVer, prefix.Index, text);

        var sites = new List<VersionSite>
        {
            new(prefix.Index, prefix.Length, prefix.Value, v => $"{v.Major}.{v.Minor}.{v.Patch}"),
        };
        if (suffix is not null)
        {
            sites.Add(new VersionSite(suffix.Index, suffix.Length, suffix.Value, v => v.Prerelease));
        }
        else
        {
            var path = FullPath;
            var rel = RelativePath;
            sites[0] = new VersionSite(prefix.Index, prefix.Length, prefix.Value, v => v.IsPrerelease
                ? throw new X0Exception(ErrorIds.PatternNotFound, X0ErrorCategory.InvalidData,
                    "a <VersionSuffix> element to hold the pre-release", $"only <VersionPrefix> in {rel}",
                    $"Add <VersionSuffix></VersionSuffix> next to <VersionPrefix> in {rel}", path)
                : $"{v.Major}.{v.Minor}.{v.Patch}");
        }
        return new VersionReading(version, written, sites);
    }

    // One element each (an optional Condition attribute, then the value), source-generated: no regex
    // compilation at run time, which a first bump in a new pwsh would otherwise pay for.
    [GeneratedRegex(@"<Version(?:\s+Condition\s*=\s*(?:""[^""]*""|'[^']*'))?\s*>\s*(?<v>[0-9A-Za-z.+-]*)\s*</Version\s*>", RegexOptions.CultureInvariant)]
    private static partial Regex VersionElementRegex();

    [GeneratedRegex(@"<VersionPrefix(?:\s+Condition\s*=\s*(?:""[^""]*""|'[^']*'))?\s*>\s*(?<v>[0-9A-Za-z.+-]*)\s*</VersionPrefix\s*>", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixElementRegex();

    [GeneratedRegex(@"<VersionSuffix(?:\s+Condition\s*=\s*(?:""[^""]*""|'[^']*'))?\s*>\s*(?<v>[0-9A-Za-z.+-]*)\s*</VersionSuffix\s*>", RegexOptions.CultureInvariant)]
    private static partial Regex SuffixElementRegex();
}
