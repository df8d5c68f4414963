namespace X0tta6bl4.Core.Versioning;

/// <summary>
/// git check-ref-format's rules, so a tag name a template produces is refused when the configuration
/// is read, not when git refuses the tag after the release commit exists.
/// </summary>
public static class GitRefName
{
    private const string Forbidden = " ~^:?*[\\";

    /// <summary>Why <paramref name="name"/> (a full ref such as refs/tags/v1.2.3) is not a valid ref name, or null.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "it is empty";
        if (name == "@") return "'@' alone is not a ref name";
        foreach (var c in name)
        {
            if (c < 0x20 || c == 0x7F) return "it contains a control character";
            if (Forbidden.Contains(c)) return $"it contains '{c}' (git refuses space ~ ^ : ? * [ \\ in ref names)";
        }
        if (name.Contains("..", StringComparison.Ordinal)) return "it contains '..'";
        if (name.Contains("@{", StringComparison.Ordinal)) return "it contains '@{'";
        if (name.EndsWith('/') || name.StartsWith('/') || name.Contains("//", StringComparison.Ordinal)) return "it has an empty path component";
        if (name.EndsWith('.')) return "it ends with '.'";
        foreach (var part in name.Split('/'))
        {
            if (part.StartsWith('.')) return $"the component '{part}' starts with '.'";
            if (part.EndsWith(".lock", StringComparison.Ordinal)) return $"the component '{part}' ends with '.lock'";
        }
        return null;
    }
}
