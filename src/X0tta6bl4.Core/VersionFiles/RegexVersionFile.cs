using System.Text.RegularExpressions;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// A file whose version is found by one anchored expression with a group <c>v</c> that must match
/// exactly once: setup.py's <c>setup(version="…")</c>, Chart.yaml's top-level <c>version:</c>, a hatch
/// <c>[tool.hatch.version] pattern</c>.
/// </summary>
public sealed partial class RegexVersionFile : VersionFile
{
    private readonly Regex _anchor;
    private readonly string _expected;

    public RegexVersionFile(string path, string root, Regex anchor, string anchorName, string expected, VersionScheme scheme) : base(path, root)
    {
        _anchor = anchor;
        Anchor = anchorName;
        _expected = expected;
        Scheme = scheme;
    }

    public override string Anchor { get; }
    public override VersionScheme Scheme { get; }

    public override VersionReading Read(TextFileContent content) => ReadSingle(content.Text, _anchor, _expected);

    /// <summary>setup.py: a literal <c>version="…"</c> keyword argument (a computed one is not a version file).</summary>
    public static RegexVersionFile SetupPy(string path, string root) =>
        new(path, root, SetupPyRegex(), "setup(version=…)", "one literal version=\"X.Y.Z\" argument to setup()", VersionScheme.Pep440);

    /// <summary>A Helm chart: the top-level <c>version:</c> (the chart's own version; appVersion is the application's).</summary>
    public static RegexVersionFile HelmChart(string path, string root) =>
        new(path, root, ChartRegex(), "version:", "a top-level line version: X.Y.Z", VersionScheme.SemVer);

    /// <summary>A version-holding module read with hatch's <c>pattern</c> (a Python regex with a named group version).</summary>
    public static RegexVersionFile HatchPattern(string path, string root, string pythonPattern) =>
        new(path, root, new Regex(pythonPattern.Replace("(?P<version>", "(?<v>", StringComparison.Ordinal).Replace("(?P<", "(?<", StringComparison.Ordinal),
                RegexOptions.Multiline | RegexOptions.CultureInvariant),
            "[tool.hatch.version] pattern", $"one match of the pattern {pythonPattern}", VersionScheme.Pep440);

    [GeneratedRegex(@"(?<![\w.])version[ \t]*=[ \t]*(?<q>""|')(?<v>[0-9][^""'\r\n]*)\k<q>", RegexOptions.CultureInvariant)]
    private static partial Regex SetupPyRegex();

    [GeneratedRegex(@"^version:[ \t]*(?<q>[""']?)(?<v>[0-9][0-9A-Za-z.+-]*)\k<q>[ \t]*(?:#[^\r\n]*)?(?=\r|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex ChartRegex();
}
