using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>
/// The registries a Dockerfile's FROM lines pull from, so their credentials can travel with the build
/// (the engine, not the client, pulls base images). ARG defaults before the first FROM and build
/// arguments are substituted; stage names, scratch and anything unparsable are skipped.
/// </summary>
public static partial class BaseImages
{
    public static IReadOnlyList<ImageRepository> Repositories(string dockerfile, IReadOnlyDictionary<string, string> buildArgs)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<ImageRepository>();
        var sawFrom = false;
        foreach (var raw in Logical(dockerfile))
        {
            var line = raw.Trim();
            var arg = ArgLine().Match(line);
            if (arg.Success && !sawFrom)
            {
                var name = arg.Groups["name"].Value;
                args[name] = buildArgs.TryGetValue(name, out var given) ? given : arg.Groups["value"].Success ? arg.Groups["value"].Value.Trim('"', '\'') : string.Empty;
                continue;
            }
            var from = FromLine().Match(line);
            if (!from.Success) continue;
            sawFrom = true;
            var image = Substitute(from.Groups["image"].Value, args);
            if (from.Groups["stage"].Success) stages.Add(from.Groups["stage"].Value);
            if (image.Length == 0 || image.Equals("scratch", StringComparison.OrdinalIgnoreCase) || stages.Contains(image) && !from.Groups["stage"].Value.Equals(image, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var name2 = image;
            var at = name2.IndexOf('@');
            if (at >= 0) name2 = name2[..at];
            var lastSlash = name2.LastIndexOf('/');
            var colon = name2.LastIndexOf(':');
            if (colon > lastSlash) name2 = name2[..colon];
            try
            {
                var repository = ImageRepository.Parse(name2);
                if (result.All(r => r.Registry != repository.Registry)) result.Add(repository);
            }
            catch (X0Exception)
            {
                // Unresolved variables or an invalid name: the engine will say what is wrong with it.
            }
        }
        return result;
    }

    private static IEnumerable<string> Logical(string text)
    {
        var current = string.Empty;
        foreach (var l in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (l.TrimStart().StartsWith('#')) continue;
            if (l.EndsWith('\\'))
            {
                current += l[..^1] + " ";
                continue;
            }
            yield return current + l;
            current = string.Empty;
        }
        if (current.Length > 0) yield return current;
    }

    private static string Substitute(string text, IReadOnlyDictionary<string, string> args) =>
        Variable().Replace(text, m =>
        {
            var name = m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Value;
            return args.TryGetValue(name, out var v) ? v : m.Groups["default"].Success ? m.Groups["default"].Value : string.Empty;
        });

    [GeneratedRegex(@"^ARG\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:=(?<value>\S*))?", RegexOptions.IgnoreCase)]
    private static partial Regex ArgLine();

    [GeneratedRegex(@"^FROM\s+(?:--\S+\s+)*(?<image>\S+)(?:\s+AS\s+(?<stage>\S+))?", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"\$(?:\{(?<a>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*))?\}|(?<b>[A-Za-z_][A-Za-z0-9_]*))")]
    private static partial Regex Variable();
}
