using System.Text.RegularExpressions;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary><c>version = 1.2.3</c> in an INI section, as setup.cfg's <c>[metadata]</c> holds it (a literal, not attr:/file:).</summary>
public sealed partial class IniKeyVersionFile : VersionFile
{
    [GeneratedRegex(@"^version[ \t]*[=:][ \t]*(?<v>[0-9][^\s;#]*)[ \t]*(?=\r|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex VersionKeyRegex();

    public IniKeyVersionFile(string path, string root, string section) : base(path, root) => Section = section;

    public string Section { get; }
    public override string Anchor => $"[{Section}] version";
    public override VersionScheme Scheme => VersionScheme.Pep440;

    public override VersionReading Read(TextFileContent content)
    {
        var (start, end) = LegacyConfigVersionFile.FindIniSection(content.Text, Section);
        var expected = $"a literal version = X.Y.Z in [{Section}]";
        if (start < 0)
        {
            throw NotFound(expected);
        }
        return ReadSingle(content.Text, VersionKeyRegex(), expected, start, end);
    }
}
