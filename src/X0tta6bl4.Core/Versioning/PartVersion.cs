using System.Globalization;
using System.Text.RegularExpressions;

namespace X0tta6bl4.Core.Versioning;

/// <summary>
/// How one part of a bump2version version behaves: a list of <c>values</c> (with <c>optional_value</c> and
/// <c>first_value</c>), or a number (whose first digits are counted: r3 → r4); <c>independent</c> parts
/// (bump-my-version) are not reset when a part before them is bumped.
/// </summary>
public sealed record PartSpec(IReadOnlyList<string>? Values = null, string? First = null, string? Optional = null, bool Independent = false)
{
    public static readonly PartSpec Numeric = new();
    private static readonly Regex FirstNumeric = new(@"([^\d]*)(\d+)(.*)", RegexOptions.CultureInvariant);

    public string FirstValue => Values is null ? First ?? "0" : First ?? Values[0];
    /// <summary>The value that may be left out of a serialization (numbers: the first value).</summary>
    public string OptionalValue => Values is null ? FirstValue : Optional ?? Values[0];

    public string Bump(string value)
    {
        if (Values is not null)
        {
            var at = Values.ToList().IndexOf(value);
            if (at < 0 || at + 1 >= Values.Count)
            {
                throw new InvalidOperationException($"'{value}' is already the last of the values {string.Join(", ", Values)} and cannot be bumped");
            }
            return Values[at + 1];
        }
        var m = FirstNumeric.Match(value);
        if (!m.Success) throw new InvalidOperationException($"'{value}' has no number to raise");
        var n = System.Numerics.BigInteger.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 1;
        return m.Groups[1].Value + n.ToString(CultureInfo.InvariantCulture) + m.Groups[3].Value;
    }
}

/// <summary>One part's value with the rules it follows (a part copied by a bump keeps its text but, as in bump2version, numeric rules).</summary>
public sealed record PartValue(string? Raw, PartSpec Spec)
{
    /// <summary>What the part stands for: its text, or the optional value when the group did not match.</summary>
    public string Value => string.IsNullOrEmpty(Raw) ? Spec.OptionalValue : Raw;
    public bool IsOptional => Value == Spec.OptionalValue;
}

/// <summary>A version as bump2version holds it: named parts, and the text it was read from.</summary>
public sealed record PartVersion(IReadOnlyDictionary<string, PartValue> Parts, string? Original)
{
    public string this[string part] => Parts[part].Value;
}

/// <summary>
/// bump2version's version model, reproduced for migrating users: <c>parse</c> (a Python regular expression
/// with named groups, read in verbose mode), <c>serialize</c> (Python format strings, tried in order: the
/// last one that represents every part that is not optional wins, else the first) and part definitions.
/// </summary>
public sealed class PartVersionFormat
{
    public const string DefaultParse = @"(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)";
    public static readonly IReadOnlyList<string> DefaultSerialize = new[] { "{major}.{minor}.{patch}" };

    private readonly Regex _parse;

    public PartVersionFormat(string parse, IReadOnlyList<string> serialize, IReadOnlyDictionary<string, PartSpec> parts)
    {
        ParsePattern = parse;
        _parse = new Regex(FromPython(parse), RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5));
        Serialize = serialize.Count > 0 ? serialize : DefaultSerialize;
        Specs = parts;
    }

    public string ParsePattern { get; }
    public IReadOnlyList<string> Serialize { get; }
    public IReadOnlyDictionary<string, PartSpec> Specs { get; }

    /// <summary>The parts in bump order: the labels of the first serialize format.</summary>
    public IReadOnlyList<string> Order => PythonFormat.Labels(Serialize[0]).ToList();

    /// <summary>Python's (?P&lt;name&gt;…) and (?P=name) in .NET spelling.</summary>
    public static string FromPython(string pattern) =>
        Regex.Replace(pattern.Replace("(?P<", "(?<", StringComparison.Ordinal), @"\(\?P=(\w+)\)", @"\k<$1>");

    public PartVersion? Parse(string text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var m = _parse.Match(text);
        if (!m.Success) return null;
        var parts = new Dictionary<string, PartValue>(StringComparer.Ordinal);
        foreach (var name in _parse.GetGroupNames().Where(n => !int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var g = m.Groups[name];
            parts[name] = new PartValue(g.Success ? g.Value : null, Specs.GetValueOrDefault(name) ?? PartSpec.Numeric);
        }
        return new PartVersion(parts, text);
    }

    /// <summary>bump2version's bump: the part raised, later parts reset to their first value (independent ones kept), earlier ones copied.</summary>
    public PartVersion Bump(PartVersion current, string part)
    {
        if (!current.Parts.ContainsKey(part) || !Order.Contains(part))
        {
            throw new InvalidOperationException($"the version has no part '{part}' (parts: {string.Join(", ", Order)})");
        }
        var result = new Dictionary<string, PartValue>(StringComparer.Ordinal);
        var bumped = false;
        foreach (var label in Order)
        {
            if (!current.Parts.TryGetValue(label, out var value)) continue;
            if (label == part)
            {
                result[label] = value with { Raw = value.Spec.Bump(value.Value) };
                bumped = true;
            }
            else if (bumped && !value.Spec.Independent)
            {
                result[label] = value with { Raw = value.Spec.FirstValue };
            }
            else
            {
                // bump2version copies earlier parts without their rules (VersionPart.copy): optional means "0" for them.
                result[label] = new PartValue(value.Raw, value.Spec.Independent ? value.Spec : PartSpec.Numeric);
            }
        }
        return new PartVersion(result, null);
    }

    /// <summary>The version as text by the chosen serialize format; context supplies names such as now or $ENV.</summary>
    public string Format(PartVersion version, IReadOnlyList<string>? serialize, Func<string, object?> context)
    {
        var formats = serialize is { Count: > 0 } ? serialize : Serialize;
        object? Lookup(string name) => version.Parts.TryGetValue(name, out var p) ? p.Value : context(name);
        string? chosen = null;
        foreach (var format in formats)
        {
            PythonFormat.Format(format, Lookup);   // a name nothing supplies is an error, as in bump2version
            if (Represents(version, format, formats[0], context)) chosen = format;
            else chosen ??= format;
        }
        return PythonFormat.Format(chosen!, Lookup);
    }

    // Every part that is not optional, and the optional ones before the first that is not, must appear in the format.
    private static bool Represents(PartVersion version, string format, string first, Func<string, object?> context)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        var foundRequired = false;
        foreach (var label in PythonFormat.Labels(first))
        {
            if (!version.Parts.TryGetValue(label, out var part))
            {
                if (context(label) is null) throw new MissingFormatKeyException(label);
                continue;
            }
            if (!part.IsOptional) { foundRequired = true; needed.Add(label); }
            else if (!foundRequired) needed.Add(label);
        }
        return needed.IsSubsetOf(PythonFormat.Labels(format));
    }
}
