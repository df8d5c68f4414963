using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// A file that holds nothing but the version (VERSION, or what setuptools' <c>file:</c> directive
/// names), with optional surrounding whitespace that is kept byte for byte.
/// </summary>
public sealed class PlainVersionFile : VersionFile
{
    public PlainVersionFile(string path, string root, VersionScheme scheme) : base(path, root) => Scheme = scheme;

    public override string Anchor => "the whole file";
    public override VersionScheme Scheme { get; }

    public override VersionReading Read(TextFileContent content)
    {
        var text = content.Text;
        var start = 0;
        while (start < text.Length && char.IsWhiteSpace(text[start])) start++;
        var end = text.Length;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        var written = text[start..end];
        if (written.Length == 0 || written.Any(char.IsWhiteSpace) || !char.IsAsciiDigit(written.TrimStart('v')[0]))
        {
            throw NotFound("a file holding only a version such as 1.2.3");
        }
        var version = ParseIn(written, Scheme, start, text);
        var scheme = Scheme;
        return new VersionReading(version, written, new[] { new VersionSite(start, written.Length, written, v => VersionText.Format(v, scheme)) });
    }
}
