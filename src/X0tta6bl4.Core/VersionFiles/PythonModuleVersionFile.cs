using System.Text.RegularExpressions;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// A module-level assignment such as <c>__version__ = "…"</c> in a package's __init__.py, _version.py,
/// __about__.py or version.py; or the attribute a build backend names (setuptools <c>attr: pkg.VERSION</c>,
/// hatch's default <c>__version__</c> or <c>VERSION</c>).
/// </summary>
public sealed class PythonModuleVersionFile : VersionFile
{
    private static readonly Regex DunderVersion = Build(new[] { "__version__" }, ignoreCase: false);
    private readonly Regex _assignment;
    private readonly string _names;

    public PythonModuleVersionFile(string path, string root) : base(path, root)
    {
        _assignment = DunderVersion;
        _names = "__version__";
    }

    /// <param name="names">Attribute names that may hold the version (the first assignment found of any of them).</param>
    /// <param name="ignoreCase">Hatch reads its default pattern case-insensitively.</param>
    public PythonModuleVersionFile(string path, string root, IReadOnlyList<string> names, bool ignoreCase = false) : base(path, root)
    {
        _assignment = Build(names, ignoreCase);
        _names = string.Join(" or ", names);
    }

    public override string Anchor => _names;
    public override VersionScheme Scheme => VersionScheme.Pep440;

    public override VersionReading Read(TextFileContent content) =>
        ReadSingle(content.Text, _assignment, $"one module-level line {_names} = \"X.Y.Z\"");

    // An optional annotation (str, Final, Final[str]) between name and '='; the value one quoted string.
    private static Regex Build(IEnumerable<string> names, bool ignoreCase) =>
        new($@"^(?:{string.Join("|", names.Select(Regex.Escape))})[ \t]*(?::[ \t]*(?:str|typing\.Final|Final(?:\[str\])?)[ \t]*)?=[ \t]*(?<q>""|')(?<v>[^""'\r\n]+)\k<q>",
            RegexOptions.Multiline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None));
}
