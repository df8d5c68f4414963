using Tomlyn.Model;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Config;

/// <summary>The TOML shape a key takes.</summary>
public enum ConfigValueKind { String, Boolean, Integer, Number, StringArray, Array, Table, Any }

/// <summary>One key of <c>[tool.x0tta6bl4]</c> / x0tta6bl4.toml: its shape, who reads it, what it means, and its rule.</summary>
/// <param name="Rule">Returns why a value breaks the key's rule, or null when it is fine.</param>
public sealed record ConfigKey(string Name, ConfigValueKind Kind, string Owner, string Description, Func<object, string?>? Rule = null);

/// <summary>
/// Every key the module understands, in one list: the configuration is validated against it when it
/// is loaded (before anything is planned or written) and the help topic documents exactly these keys.
/// Keys used to be registered by the static constructors of the types that read them, so what a
/// session accepted depended on which types had run; one explicit list cannot drift that way.
/// </summary>
public static class ConfigSchema
{
    public static IReadOnlyList<ConfigKey> Keys { get; } = new ConfigKey[]
    {
        // Step-X0Version
        new("tag_format", ConfigValueKind.String, "Step-X0Version", "Tag name template with one {version}, e.g. v{version} or pkg@{version}.", TagFormatRule),
        new("commit_message", ConfigValueKind.String, "Step-X0Version", "Release commit message; {tag}, {current_version}, {new_version} are replaced.", NotBlank),
        new("tag_message", ConfigValueKind.String, "Step-X0Version", "Annotated tag message; same placeholders as commit_message.", NotBlank),
        new("commit", ConfigValueKind.Boolean, "Step-X0Version", "Commit the bump (default true)."),
        new("tag", ConfigValueKind.Boolean, "Step-X0Version", "Tag the release commit (default true)."),
        new("allow_dirty", ConfigValueKind.Boolean, "Step-X0Version", "Bump with uncommitted changes elsewhere in the tree."),
        new("remote", ConfigValueKind.String, "Step-X0Version", "The git remote to read tags from and push to (default origin).", RemoteRule),
        new("prerelease_label", ConfigValueKind.String, "Step-X0Version", "Label -PreRelease uses when none is given (default rc).", LabelRule),
        new("version_files", ConfigValueKind.Array, "Step-X0Version", "Files that hold the version: paths, or tables with path, search, replace, scheme, count, regex."),
        new("detect_version_files", ConfigValueKind.Boolean, "Step-X0Version", "Detect the usual version files as well as version_files."),
        // Commit conventions, next version and notes
        new("minor_types", ConfigValueKind.StringArray, "Step-X0Version -Auto, Get-X0ReleaseNote", "Commit types that raise the minor version (default feat)."),
        new("patch_types", ConfigValueKind.StringArray, "Step-X0Version -Auto, Get-X0ReleaseNote", "Commit types that raise the patch version (default fix, perf, sec, security)."),
        new("major_on_zero", ConfigValueKind.Boolean, "Step-X0Version -Auto", "Breaking changes raise the major version in 0.x too."),
        new("changelog_sections", ConfigValueKind.Array, "Get-X0ReleaseNote", "Note sections: tables with title, types and hidden."),
        new("first_parent", ConfigValueKind.Boolean, "Get-X0ReleaseNote", "Walk first parents only; merges count through their PR title."),
        new("strict", ConfigValueKind.Boolean, "Step-X0Version -Auto, Get-X0ReleaseNote", "Refuse commits that are not Conventional Commits."),
        new("repository_url", ConfigValueKind.String, "Get-X0ReleaseNote", "Web address for links, instead of the one derived from the remote."),
        new("changelog", ConfigValueKind.Boolean, "Step-X0Version", "Update the changelog in the release commit."),
        new("changelog_file", ConfigValueKind.String, "Step-X0Version", "The changelog's path (default CHANGELOG.md).", NotBlank),
        new("show_other", ConfigValueKind.Boolean, "Get-X0ReleaseNote", "List non-conventional commits under Other."),
        // Invoke-X0Test
        new("gates", ConfigValueKind.Table, "Invoke-X0Test", "Tools per gate: [tool.x0tta6bl4.gates] lint/format/type/test."),
        new("coverage_threshold", ConfigValueKind.Number, "Invoke-X0Test", "Minimum line coverage in percent (0 to 100)."),
        new("python_versions", ConfigValueKind.Array, "Invoke-X0Test", "Python versions the gates run under."),
        new("pester_path", ConfigValueKind.String, "Invoke-X0Test", "Path of the Pester module to use."),
        new("optional_gates", ConfigValueKind.Any, "Invoke-X0Test, Publish-X0Release", "Gates whose tool may be missing without failing a strict run or a release, e.g. [\"type\", \"format\"]."),
        new("pester_coverage", ConfigValueKind.Any, "Invoke-X0Test", "Files Pester measures, instead of the module's scripts outside its tests (globs relative to the project)."),
        new("test_reports", ConfigValueKind.Any, "Publish-X0Release", "Reports a release gates on instead of running the tests (an earlier job's junit.xml, coverage.xml; globs)."),
        // Build-X0Image and the release's Images step
        new("images", ConfigValueKind.Table, "Build-X0Image, Publish-X0Release", "[tool.x0tta6bl4.images]: repository, dockerfile, tags, labels, release."),
        // Publish-X0Release
        new("release_dir", ConfigValueKind.String, "Publish-X0Release", "Folder of local releases (default out/releases).", NotBlank),
        new("github_token_secret", ConfigValueKind.String, "Publish-X0Release", "Name of the secret that holds the GitHub token in generated workflows."),
        new("pypi", ConfigValueKind.Table, "Publish-X0Release, Build-X0Package", "[tool.x0tta6bl4.pypi]: repository and repositories."),
        new("packages", ConfigValueKind.Any, "Publish-X0Release, Build-X0Package", "Which packages a release builds and publishes."),
        new("nuget", ConfigValueKind.Table, "Publish-X0Release, Build-X0Package", "[tool.x0tta6bl4.nuget]: repositories."),
    };

    private static readonly Dictionary<string, ConfigKey> ByName = Keys.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static ConfigKey? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>
    /// Checks every key of <paramref name="table"/>: a known key of the wrong shape or breaking its rule
    /// is an error naming the key and the rule; an unknown key is a warning (a typo must not pass silently).
    /// </summary>
    public static IReadOnlyList<string> Validate(TomlTable table, string source)
    {
        var warnings = new List<string>();
        foreach (var (name, value) in table)
        {
            if (Find(name) is not { } key)
            {
                warnings.Add($"Unknown setting '{name}' in {source} is ignored (check the spelling; Get-Help about_x0tta6bl4 lists the settings).");
                continue;
            }
            var problem = ShapeProblem(key.Kind, value) ?? key.Rule?.Invoke(value);
            if (problem is not null)
            {
                throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData,
                    $"{name}: {key.Description}", $"{name} = {Show(value)} in {source}: {problem}",
                    $"Fix {name} in {source} (Get-Help about_x0tta6bl4 describes it); nothing was changed", source);
            }
        }
        return warnings;
    }

    private static string? ShapeProblem(ConfigValueKind kind, object value) => kind switch
    {
        ConfigValueKind.String when value is not string => "it must be a string",
        ConfigValueKind.Boolean when value is not bool => "it must be true or false",
        ConfigValueKind.Integer when value is not long => "it must be a whole number",
        ConfigValueKind.Number when value is not (long or double) => "it must be a number",
        ConfigValueKind.StringArray when value is not TomlArray a || a.Any(e => e is not string) => "it must be an array of strings",
        ConfigValueKind.Array when value is not (TomlArray or TomlTableArray) => "it must be an array",
        ConfigValueKind.Table when value is not TomlTable => "it must be a table",
        _ => null,
    };

    private static string Show(object value) => value switch
    {
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        TomlTable => "{…}",
        TomlArray or TomlTableArray => "[…]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };

    private static string? NotBlank(object value) => value is string s && string.IsNullOrWhiteSpace(s) ? "it must not be empty" : null;

    private static string? TagFormatRule(object value) => TagFormat.Problem((string)value);

    private static string? LabelRule(object value) =>
        value is string s && (s.Length == 0 || !char.IsAsciiLetter(s[0]) || !s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            ? "a label starts with a letter and holds only letters, digits and hyphens (rc, beta, alpha)"
            : null;

    // git check-ref-format's rules for one path component, applied to a remote name.
    private static string? RemoteRule(object value) =>
        value is string s && (s.Length == 0 || s.StartsWith('-') || GitRefName.Problem("refs/remotes/" + s + "/x") is not null)
            ? "a remote name is a git ref component: no spaces, no ~^:?*[\\, not starting with '-'"
            : null;
}
