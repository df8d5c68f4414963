using System.Text.RegularExpressions;
using Semver;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// A module manifest: <c>ModuleVersion = '1.2.0'</c> plus <c>PrivateData.PSData.Prerelease = 'rc1'</c>.
/// The Gallery allows only letters and digits in Prerelease, so SemVer <c>rc.1</c> is written <c>rc1</c>
/// and read back as <c>rc.1</c>.
/// </summary>
public sealed partial class PowerShellManifestVersionFile : VersionFile
{
    private static readonly Regex ModuleVersion = ModuleVersionRegex();
    private static readonly Regex Prerelease = PrereleaseRegex();
    private static readonly Regex LabelAndCounter = LabelAndCounterRegex();

    [GeneratedRegex(@"^[ \t]*ModuleVersion[ \t]*=[ \t]*(?<q>['""])(?<v>[^'""\r\n]*)\k<q>", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ModuleVersionRegex();

    [GeneratedRegex(@"^[ \t]*Prerelease[ \t]*=[ \t]*(?<q>['""])(?<v>[^'""\r\n]*)\k<q>", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PrereleaseRegex();

    [GeneratedRegex(@"^(?<label>[A-Za-z][A-Za-z-]*?)(?<n>[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelAndCounterRegex();

    public PowerShellManifestVersionFile(string path, string root) : base(path, root) { }

    public override string Anchor => "ModuleVersion + PSData.Prerelease";
    public override VersionScheme Scheme => VersionScheme.SemVer;

    public override VersionReading Read(TextFileContent content)
    {
        var text = content.Text;
        // Only the manifest's own keys count: ModuleVersion at the top level (not inside RequiredModules
        // entries or comments), Prerelease inside PrivateData.PSData.
        var depths = NestingDepths(text);
        var mv = ModuleVersion.Matches(text).Where(m => depths[m.Groups["v"].Index] == 1).ToList();
        if (mv.Count == 0)
        {
            throw NotFound("a line ModuleVersion = 'X.Y.Z'");
        }
        if (mv.Count > 1)
        {
            throw Ambiguous("one ModuleVersion line", mv.Count, mv.Select(m => TextLines.LineNumberAt(text, m.Index)));
        }
        var pre = Prerelease.Matches(text).Where(m => depths[m.Groups["v"].Index] == 3).ToList();
        if (pre.Count > 1)
        {
            throw Ambiguous("at most one Prerelease line", pre.Count, pre.Select(m => TextLines.LineNumberAt(text, m.Index)));
        }

        var core = mv[0].Groups["v"];
        var parts = core.Value.Split('.');
        if (parts.Length is < 2 or > 3 || !VersionText.TryParseSemVer(parts.Length == 2 ? core.Value + ".0" : core.Value, out var coreVersion))
        {
            throw new X0Exception(ErrorIds.InvalidVersion, X0ErrorCategory.InvalidData,
                "ModuleVersion with two or three numeric parts (SemVer has no fourth)", $"'{core.Value}' in {RelativePath}",
                $"Set ModuleVersion in {RelativePath} to MAJOR.MINOR.PATCH", FullPath);
        }

        var preGroup = pre.Count == 1 ? pre[0].Groups["v"] : null;
        var semver = coreVersion!;
        if (preGroup is { Length: > 0 })
        {
            var m = LabelAndCounter.Match(preGroup.Value);
            var prerelease = m.Success ? $"{m.Groups["label"].Value}.{int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)}" : preGroup.Value;
            semver = SemVersion.ParsedFrom(coreVersion!.Major, coreVersion.Minor, coreVersion.Patch, prerelease);
        }

        var sites = new List<VersionSite>
        {
            new(core.Index, core.Length, core.Value, v => $"{v.Major}.{v.Minor}.{v.Patch}"),
        };
        var rel = RelativePath;
        var path = FullPath;
        if (preGroup is not null)
        {
            sites.Add(new VersionSite(preGroup.Index, preGroup.Length, preGroup.Value, v => GalleryPrerelease(v)));
        }
        else
        {
            sites[0] = new VersionSite(core.Index, core.Length, core.Value, v => v.IsPrerelease
                ? throw new X0Exception(ErrorIds.PatternNotFound, X0ErrorCategory.InvalidData,
                    "a Prerelease = '' entry under PrivateData.PSData to hold the pre-release", $"none in {rel}",
                    $"Add Prerelease = '' to PrivateData.PSData in {rel}", path)
                : $"{v.Major}.{v.Minor}.{v.Patch}");
        }
        var written = preGroup is { Length: > 0 } ? $"{core.Value}-{preGroup.Value}" : core.Value;
        return new VersionReading(semver, written, sites);
    }

    /// <summary>
    /// For each character: how many hashtables (<c>@{</c> / <c>{</c>) enclose it, or -1 inside a comment.
    /// Strings count as their enclosing depth (a version value is a string); braces inside strings and
    /// comments are ignored.
    /// </summary>
    internal static int[] NestingDepths(string text)
    {
        var depths = new int[text.Length + 1];
        var depth = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '<' && i + 1 < text.Length && text[i + 1] == '#')
            {
                var end = text.IndexOf("#>", i + 2, StringComparison.Ordinal);
                end = end < 0 ? text.Length : end + 2;
                Array.Fill(depths, -1, i, end - i);
                i = end;
                continue;
            }
            if (c == '#')
            {
                var end = i;
                while (end < text.Length && text[end] != '\n' && text[end] != '\r') end++;
                Array.Fill(depths, -1, i, end - i);
                i = end;
                continue;
            }
            if (c is '\'' or '"')
            {
                var end = i + 1;
                while (end < text.Length)
                {
                    if (text[end] == c && end + 1 < text.Length && text[end + 1] == c) { end += 2; continue; }
                    if (c == '"' && text[end] == '`') { end += 2; continue; }
                    if (text[end] == c) break;
                    end++;
                }
                end = Math.Min(end + 1, text.Length);
                Array.Fill(depths, depth, i, end - i);
                i = end;
                continue;
            }
            if (c == '{') depth++;
            depths[i] = depth;
            if (c == '}') depth = Math.Max(0, depth - 1);
            i++;
        }
        depths[text.Length] = depth;
        return depths;
    }

    /// <summary>SemVer pre-release as the Gallery spells it: identifiers joined without dots ("rc.1" → "rc1").</summary>
    public static string GalleryPrerelease(SemVersion v) =>
        v.IsPrerelease ? string.Concat(v.PrereleaseIdentifiers.Select(i => i.Value.Replace("-", string.Empty, StringComparison.Ordinal))) : string.Empty;
}
