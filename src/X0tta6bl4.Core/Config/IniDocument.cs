namespace X0tta6bl4.Core.Config;

/// <summary>
/// Just enough of Python's configparser to read bump2version settings: sections, <c>key = value</c> or
/// <c>key: value</c>, indented continuation lines, and # / ; comments.
/// </summary>
internal sealed class IniDocument
{
    private readonly List<(string Name, Dictionary<string, string> Values)> _sections = new();

    public IReadOnlyList<(string Name, Dictionary<string, string> Values)> Sections => _sections;

    public Dictionary<string, string>? this[string section] =>
        _sections.FirstOrDefault(s => s.Name == section).Values;

    public static IniDocument Parse(string text)
    {
        var doc = new IniDocument();
        Dictionary<string, string>? current = null;
        string? lastKey = null;
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#') || trimmed.StartsWith(';'))
            {
                continue;
            }
            if (line.Length > 0 && char.IsWhiteSpace(line[0]) && current is not null && lastKey is not null)
            {
                current[lastKey] = current[lastKey].Length == 0 ? trimmed : current[lastKey] + "\n" + trimmed;
                continue;
            }
            if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
            {
                current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                doc._sections.Add((trimmed[1..^1].Trim(), current));
                lastKey = null;
                continue;
            }
            var sep = IndexOfSeparator(trimmed);
            if (sep > 0 && current is not null)
            {
                lastKey = trimmed[..sep].Trim();
                current[lastKey] = trimmed[(sep + 1)..].Trim();
            }
        }
        return doc;
    }

    private static int IndexOfSeparator(string line)
    {
        var eq = line.IndexOf('=');
        var colon = line.IndexOf(':');
        if (eq < 0) return colon;
        if (colon < 0) return eq;
        return Math.Min(eq, colon);
    }
}
