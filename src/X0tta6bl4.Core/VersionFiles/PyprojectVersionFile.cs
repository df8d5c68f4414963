using System.Text.RegularExpressions;
using Tomlyn;
using Tomlyn.Model;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// <c>version = "…"</c> under <c>[project]</c> (PEP 621) or <c>[tool.poetry]</c> in pyproject.toml.
/// Located by its table, then cross-checked with a real TOML parser so a look-alike line in a
/// multi-line string can never be mistaken for the key.
/// </summary>
public sealed partial class PyprojectVersionFile : VersionFile
{
    private static readonly Regex TableHeader = TableHeaderRegex();
    private static readonly Regex VersionKey = VersionKeyRegex();

    // Every header ends a table, [[array.of.tables]] ones too; "(?=\r|$)" because .NET's "$" does not stop before a CR.
    [GeneratedRegex(@"^[ \t]*(?<open>\[\[?)[ \t]*(?<name>[^\[\]\r\n]+)\]\]?[ \t]*(?:#[^\r\n]*)?(?=\r|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex TableHeaderRegex();

    [GeneratedRegex(@"^[ \t]*version[ \t]*=[ \t]*(?<q>""|')(?<v>[^""'\r\n]*)\k<q>", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex VersionKeyRegex();

    public PyprojectVersionFile(string path, string root, string table = "project", VersionScheme scheme = VersionScheme.Pep440) : base(path, root)
    {
        Table = table;
        Scheme = scheme;
    }

    /// <summary>A Cargo manifest's <c>[package]</c> (or <c>[workspace.package]</c>) version: the same TOML shape, in SemVer.</summary>
    public static PyprojectVersionFile Cargo(string path, string root, string table = "package") => new(path, root, table, VersionScheme.SemVer);

    /// <summary>"project", "tool.poetry", or Cargo's "package" / "workspace.package".</summary>
    public string Table { get; }
    public override string Anchor => $"[{Table}].version";
    public override VersionScheme Scheme { get; }

    public override VersionReading Read(TextFileContent content)
    {
        var text = content.Text;
        var (start, end) = FindTable(text, Table);
        var expected = $"a line version = \"X.Y.Z\" in the [{Table}] table";
        if (start < 0)
        {
            throw NotFound(expected, $"Add a [{Table}] table with a version, or configure the version files explicitly");
        }
        var reading = ReadSingle(text, VersionKey, expected, start, end);

        // Cross-check with the TOML parser: the anchored value must be the table's real value.
        var parsed = ParsedVersion(text, Table);
        if (parsed is not null && !string.Equals(parsed, reading.Written, StringComparison.Ordinal))
        {
            throw NotFound($"{expected} whose text matches the parsed TOML value '{parsed}'");
        }
        return reading;
    }

    /// <summary>True when [project] declares the version dynamic (then another file holds it).</summary>
    public static bool IsDynamic(string text)
    {
        try
        {
            var doc = TomlSerializer.Deserialize<TomlTable>(text);
            return doc is not null && doc.TryGetValue("project", out var p) && p is TomlTable project
                && project.TryGetValue("dynamic", out var d) && d is TomlArray arr
                && arr.OfType<string>().Any(s => s == "version");
        }
        catch (Exception)
        {
            return false;
        }
    }

    internal static (int Start, int End) FindTable(string text, string table)
    {
        var headers = TableHeader.Matches(text);
        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Groups["open"].Length == 1 && NormalizeKey(headers[i].Groups["name"].Value) == table)
            {
                var start = headers[i].Index + headers[i].Length;
                var end = i + 1 < headers.Count ? headers[i + 1].Index : text.Length;
                return (start, end);
            }
        }
        return (-1, -1);
    }

    private static string NormalizeKey(string key) =>
        string.Join(".", key.Split('.').Select(p => p.Trim().Trim('"', '\'')));

    private static string? ParsedVersion(string text, string table)
    {
        TomlTable? doc;
        try
        {
            doc = TomlSerializer.Deserialize<TomlTable>(text);
        }
        catch (Exception)
        {
            // A file TOML cannot parse is still edited by anchor; the build tool will complain about it.
            return null;
        }
        object? node = doc;
        foreach (var part in table.Split('.'))
        {
            if (node is TomlTable t && t.TryGetValue(part, out var child))
            {
                node = child;
            }
            else
            {
                return null;
            }
        }
        return node is TomlTable tt && tt.TryGetValue("version", out var v) ? v as string : null;
    }
}
