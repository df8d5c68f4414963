using System.Text;
using System.Text.Json;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>The top-level <c>"version"</c> of package.json, found with a JSON reader (nested "version" keys are ignored).</summary>
public sealed class PackageJsonVersionFile : VersionFile
{
    public PackageJsonVersionFile(string path, string root) : base(path, root) { }

    public override string Anchor => "top-level \"version\"";
    public override VersionScheme Scheme => VersionScheme.SemVer;

    public override VersionReading Read(TextFileContent content)
    {
        var text = content.Text;
        var utf8 = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var found = new List<(int Start, int Length, string Value)>();
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("version"))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                    {
                        // Token spans include the quotes; convert byte offsets to char offsets.
                        var byteStart = (int)reader.TokenStartIndex + 1;
                        var value = reader.GetString()!;
                        var charStart = Encoding.UTF8.GetCharCount(utf8, 0, byteStart);
                        found.Add((charStart, value.Length, value));
                    }
                }
            }
        }
        catch (JsonException)
        {
            throw NotFound("valid JSON with a top-level \"version\" string");
        }
        if (found.Count == 0)
        {
            throw NotFound("a top-level \"version\": \"X.Y.Z\"");
        }
        if (found.Count > 1)
        {
            throw Ambiguous("one top-level \"version\"", found.Count, found.Select(f => TextLines.LineNumberAt(text, f.Start)));
        }
        var (start, length, written) = found[0];
        var version = ParseIn(written, VersionScheme.SemVer, start, text);
        return new VersionReading(version, written, new[] { new VersionSite(start, length, written, v => v.ToString()) });
    }
}
