using System.Globalization;
using System.Text;

namespace X0tta6bl4.Core.Versioning;

/// <summary>A name a template asks for that the context does not have (bump2version: KeyError, then no version).</summary>
public sealed class MissingFormatKeyException(string key) : Exception($"no value for '{{{key}}}'")
{
    public string Key { get; } = key;
}

/// <summary>
/// Python's <c>str.format</c> as bump2version templates use it: <c>{name}</c>, <c>{name:spec}</c>, <c>{{</c> and
/// <c>}}</c>. Strings ignore the spec as version parts do; dates take strftime specs (<c>{now:%Y-%m-%d}</c>).
/// </summary>
public static class PythonFormat
{
    public static string Format(string template, Func<string, object?> lookup)
    {
        var sb = new StringBuilder(template.Length + 16);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c != '{') { sb.Append(c); continue; }
            var end = template.IndexOf('}', i + 1);
            if (end < 0) throw new FormatException($"'{{' without '}}' in '{template}'");
            var field = template[(i + 1)..end];
            var colon = field.IndexOf(':');
            var name = colon < 0 ? field : field[..colon];
            var spec = colon < 0 ? null : field[(colon + 1)..];
            var bang = name.IndexOf('!');
            if (bang >= 0) name = name[..bang];
            var value = lookup(name) ?? throw new MissingFormatKeyException(name);
            sb.Append(value is DateTime date ? StrFTime(date, spec ?? "%Y-%m-%d %H:%M:%S.%f") : Convert.ToString(value, CultureInfo.InvariantCulture));
            i = end;
        }
        return sb.ToString();
    }

    /// <summary>The names a template asks for, in order (bump2version's labels_for_format).</summary>
    public static IEnumerable<string> Labels(string template)
    {
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '{' && i + 1 < template.Length && template[i + 1] == '{') { i++; continue; }
            if (template[i] != '{') continue;
            var end = template.IndexOf('}', i + 1);
            if (end < 0) yield break;
            var field = template[(i + 1)..end];
            var cut = field.IndexOfAny(new[] { ':', '!' });
            var name = cut < 0 ? field : field[..cut];
            if (name.Length > 0) yield return name;
            i = end;
        }
    }

    private static string StrFTime(DateTime d, string spec)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < spec.Length; i++)
        {
            if (spec[i] != '%' || i + 1 == spec.Length) { sb.Append(spec[i]); continue; }
            var code = spec[++i];
            sb.Append(code switch
            {
                'Y' => d.ToString("yyyy", CultureInfo.InvariantCulture),
                'y' => d.ToString("yy", CultureInfo.InvariantCulture),
                'm' => d.ToString("MM", CultureInfo.InvariantCulture),
                'd' => d.ToString("dd", CultureInfo.InvariantCulture),
                'H' => d.ToString("HH", CultureInfo.InvariantCulture),
                'I' => d.ToString("hh", CultureInfo.InvariantCulture),
                'M' => d.ToString("mm", CultureInfo.InvariantCulture),
                'S' => d.ToString("ss", CultureInfo.InvariantCulture),
                'f' => d.ToString("ffffff", CultureInfo.InvariantCulture),
                'j' => d.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                'b' => d.ToString("MMM", CultureInfo.InvariantCulture),
                'B' => d.ToString("MMMM", CultureInfo.InvariantCulture),
                'a' => d.ToString("ddd", CultureInfo.InvariantCulture),
                'A' => d.ToString("dddd", CultureInfo.InvariantCulture),
                'p' => d.Hour < 12 ? "AM" : "PM",
                '%' => "%",
                _ => throw new FormatException($"strftime %{code} is not supported"),
            });
        }
        return sb.ToString();
    }
}
