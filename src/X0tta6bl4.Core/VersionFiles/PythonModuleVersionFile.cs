using System.Text.RegularExpressions;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>A module-level <c>__version__ = "…"</c> in a package's __init__.py, _version.py or version.py.</summary>
public sealed partial class PythonModuleVersionFile : VersionFile
{
    private static readonly Regex Assignment = AssignmentRegex();

    [GeneratedRegex(@"^__version__[ \t]*(?::[ \t]*(?:str|typing\.Final|Final(?:\[str\])?)[ \t]*)?=[ \t]*(?<q>""|')(?<v>[^""'\r\n]+)\k<q>",
        RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentRegex();

    public PythonModuleVersionFile(string path, string root) : base(path, root) { }

    public override string Anchor => "__version__";
    public override VersionScheme Scheme => VersionScheme.Pep440;

    public override VersionReading Read(TextFileContent content) =>
        ReadSingle(content.Text, Assignment, "one module-level line __version__ = \"X.Y.Z\"");
}
