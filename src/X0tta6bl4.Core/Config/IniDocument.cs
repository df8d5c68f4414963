namespace X0tta6bl4.Core.Config;

/// <summary>
/// Just enough of Python's configparser to read bump2version settings: sections, <c>key = value</c> or
/// <c>key: value</c>, indented continuation lines (empty lines inside a value kept, as configparser keeps
/// them), and # / ; comment lines (also inside a value: configparser drops an indented line that starts with #).
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
        Dictionary<string, List<string>>? current = null;
        var raw = new List<Dictionary<string, List<string>>>();
        string? lastKey = null;
        foreach (var rawLine in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = rawLine.TrimEnd();
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith('#') || trimmed.StartsWith(';'))
            {
                continue;
            }
            if (trimmed.Length == 0)
            {
                // configparser keeps empty lines inside a value (trailing ones are stripped when it is joined).
                if (current is not null && lastKey is not null) current[lastKey].Add("");
                continue;
            }
            if (char.IsWhiteSpace(line[0]) && current is not null && lastKey is not null)
            {
                current[lastKey].Add(trimmed);
                continue;
            }
            if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
            {
                current = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
                raw.Add(current);
                doc._sections.Add((trimmed[1..^1].Trim(), new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)));
                lastKey = null;
                continue;
            }
            var sep = IndexOfSeparator(trimmed);
            if (sep > 0 && current is not null)
            {
                lastKey = trimmed[..sep].Trim();
                current[lastKey] = new List<string> { trimmed[(sep + 1)..].Trim() };
            }
        }
        for (var i = 0; i < raw.Count; i++)
        {
            foreach (var (key, parts) in raw[i])
            {
                doc._sections[i].Values[key] = string.Join("\n", parts).TrimEnd();
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
