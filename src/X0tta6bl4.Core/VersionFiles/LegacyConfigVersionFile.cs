using System.Text.RegularExpressions;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// <c>current_version</c> in a bump2version / bump-my-version configuration (.bumpversion.cfg, setup.cfg,
/// .bumpversion.toml, pyproject [tool.bumpversion]). We never change the configuration, but that
/// value is a version like any other: leaving it behind would break the user's next bump2version run.
/// </summary>
public sealed partial class LegacyConfigVersionFile : VersionFile
{
    private static readonly Regex IniHeader = IniHeaderRegex();
    private static readonly Regex IniValue = IniValueRegex();
    private static readonly Regex TomlValue = TomlValueRegex();

    // "(?=\r|$)" because .NET's "$" does not stop before a CR (CRLF files).
    [GeneratedRegex(@"^[ \t]*\[(?<name>[^\]\r\n]+)\][ \t]*(?=\r|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex IniHeaderRegex();

    [GeneratedRegex(@"^current_version[ \t]*[=:][ \t]*(?<v>[^\s;#]+)[ \t]*(?=\r|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex IniValueRegex();

    [GeneratedRegex(@"^[ \t]*current_version[ \t]*=[ \t]*(?<q>""|')(?<v>[^""'\r\n]*)\k<q>", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex TomlValueRegex();

    private VersionScheme _scheme = VersionScheme.SemVer;

    public LegacyConfigVersionFile(string path, string root, string section, bool toml) : base(path, root)
    {
        Section = section;
        IsToml = toml;
    }

    /// <summary>"bumpversion" (INI) or "tool.bumpversion" (TOML).</summary>
    public string Section { get; }
    public bool IsToml { get; }
    public override string Anchor => $"[{Section}] current_version";
    public override VersionScheme Scheme => _scheme;

    public override VersionReading Read(TextFileContent content)
    {
        var text = content.Text;
        int start, end;
        if (IsToml)
        {
            (start, end) = PyprojectVersionFile.FindTable(text, Section);
        }
        else
        {
            (start, end) = FindIniSection(text, Section);
        }
        var expected = $"current_version in the [{Section}] section";
        if (start < 0)
        {
            throw NotFound(expected);
        }
        var regex = IsToml ? TomlValue : IniValue;
        var match = regex.Matches(text[..end], start).Where(m => m.Index >= start).ToList();
        if (match.Count != 1)
        {
            throw match.Count == 0 ? NotFound(expected) : Ambiguous(expected, match.Count, match.Select(m => TextLines.LineNumberAt(text, m.Index)));
        }
        var g = match[0].Groups["v"];
        // bump2version writes whatever its serialize template gives; keep the spelling family we found.
        _scheme = VersionText.TryParseSemVer(g.Value, out _) ? VersionScheme.SemVer : VersionScheme.Pep440;
        var version = ParseIn(g.Value, _scheme, g.Index, text);
        var scheme = _scheme;
        return new VersionReading(version, g.Value, new[] { new VersionSite(g.Index, g.Length, g.Value, v => VersionText.Format(v, scheme)) });
    }

    internal static (int Start, int End) FindIniSection(string text, string section)
    {
        var headers = IniHeader.Matches(text);
        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Groups["name"].Value.Trim() == section)
            {
                var start = headers[i].Index + headers[i].Length;
                var end = i + 1 < headers.Count ? headers[i + 1].Index : text.Length;
                return (start, end);
            }
        }
        return (-1, -1);
    }
}
