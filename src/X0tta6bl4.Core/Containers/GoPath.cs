using System.Text;

namespace X0tta6bl4.Core.Containers;

/// <summary>
/// Lexical path cleaning with the exact rules of Go's <c>path.Clean</c>: the docker CLI cleans every
/// .dockerignore pattern this way before matching, so parity needs the same function, not .NET's
/// Path.GetFullPath (which touches the file system and keeps different spellings).
/// </summary>
public static class GoPath
{
    /// <summary>Cleans a slash-separated path: collapses "//", removes "." and resolves ".." lexically.</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }
        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add("..");
                }
                // "/.." is "/".
                continue;
            }
            parts.Add(part);
        }
        var sb = new StringBuilder();
        if (rooted) sb.Append('/');
        sb.Append(string.Join('/', parts));
        return sb.Length == 0 ? "." : sb.ToString();
    }

    /// <summary>Go's <c>path.Dir</c>: everything up to the last slash, cleaned ("." when there is none).</summary>
    public static string Dir(string path)
    {
        var i = path.LastIndexOf('/');
        return Clean(i < 0 ? string.Empty : path[..(i + 1)]);
    }
}
