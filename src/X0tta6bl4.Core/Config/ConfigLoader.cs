using Tomlyn;
using Tomlyn.Model;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Config;

/// <summary>Reads and resolves the configuration of a project root. Never writes anything.</summary>
public static class ConfigLoader
{
    public const string OwnFile = "x0tta6bl4.toml";
    public const string ToolTable = "x0tta6bl4";

    // Keys of [tool.x0tta6bl4] this version understands; anything else earns a warning (typos are silent killers).
    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        "tag_format", "commit_message", "tag_message", "commit", "tag", "allow_dirty", "remote",
        "prerelease_label", "version_files", "detect_version_files", "release_dir",
        // Build-X0Image: [tool.x0tta6bl4.images] (see Containers/ImageSettings.cs).
        "images",
        // Commit conventions, next version and notes (CommitConventions).
        "minor_types", "patch_types", "major_on_zero", "changelog_sections", "first_parent", "strict", "repository_url",
        "changelog", "changelog_file", "show_other",
    };

    /// <summary>Keys that later features register (notes, gates, images, releases); kept here so warnings stay precise.</summary>
    public static void RegisterKnownKeys(params string[] keys)
    {
        lock (KnownKeys)
        {
            foreach (var k in keys) KnownKeys.Add(k);
        }
    }

    public static X0Config Load(string root)
    {
        root = Path.GetFullPath(root);
        var sources = new List<string>();
        var warnings = new List<string>();

        var pyprojectPath = Path.Combine(root, "pyproject.toml");
        var pyproject = File.Exists(pyprojectPath) ? ParseToml(pyprojectPath) : null;

        // Our own settings: x0tta6bl4.toml wins over [tool.x0tta6bl4] in pyproject.toml.
        TomlTable? own = null;
        var ownPath = Path.Combine(root, OwnFile);
        if (File.Exists(ownPath))
        {
            var doc = ParseToml(ownPath);
            own = Table(doc, "tool", ToolTable) ?? doc;
            sources.Add(OwnFile);
            if (pyproject is not null && Table(pyproject, "tool", ToolTable) is not null)
            {
                warnings.Add($"Both {OwnFile} and [tool.{ToolTable}] in pyproject.toml exist; {OwnFile} is used and the pyproject table is ignored.");
            }
        }
        else if (pyproject is not null && Table(pyproject, "tool", ToolTable) is { } t)
        {
            own = t;
            sources.Add($"pyproject.toml [tool.{ToolTable}]");
        }

        var legacy = LegacyBumpVersionConfig.Find(root, pyproject, warnings);
        if (legacy is not null)
        {
            sources.Add(legacy.Description);
        }

        if (own is not null)
        {
            lock (KnownKeys)
            {
                foreach (var key in own.Keys.Where(k => !KnownKeys.Contains(k)))
                {
                    warnings.Add($"Unknown setting '{key}' in {sources[0]} is ignored (check the spelling).");
                }
            }
        }

        var ownFiles = own is not null ? ReadVersionFiles(own, sources[0]) : null;
        var files = ownFiles ?? legacy?.Files ?? (IReadOnlyList<VersionFileSetting>)Array.Empty<VersionFileSetting>();
        var detect = own is not null && own.TryGetValue("detect_version_files", out var d) && d is bool db
            ? db
            : files.Count == 0;

        var usesLegacyDefaults = own is null && legacy is not null;
        return new X0Config
        {
            Root = root,
            TagFormat = Str(own, "tag_format") ?? legacy?.TagName ?? TagFormat.Default,
            CommitMessage = Str(own, "commit_message") ?? legacy?.Message ?? (usesLegacyDefaults ? X0Config.LegacyCommitMessage : X0Config.DefaultCommitMessage),
            TagMessage = Str(own, "tag_message") ?? legacy?.TagMessage ?? (usesLegacyDefaults ? X0Config.LegacyCommitMessage : X0Config.DefaultTagMessage),
            // A bump2version user who never set commit/tag got neither; migrating must not change that.
            Commit = Bool(own, "commit") ?? legacy?.Commit ?? !usesLegacyDefaults,
            Tag = Bool(own, "tag") ?? legacy?.Tag ?? !usesLegacyDefaults,
            AllowDirty = Bool(own, "allow_dirty") ?? legacy?.AllowDirty ?? false,
            Remote = Str(own, "remote") ?? "origin",
            PreReleaseLabel = Str(own, "prerelease_label") ?? VersionBump.DefaultPreReleaseLabel,
            VersionFiles = files,
            DetectVersionFiles = detect,
            LegacyVersionHolder = legacy?.VersionHolder,
            LegacyCurrentVersion = legacy?.CurrentVersion,
            Sources = sources,
            Warnings = warnings.Concat(legacy?.Warnings ?? Enumerable.Empty<string>()).ToList(),
            Settings = own ?? new TomlTable(),
        };
    }

    internal static TomlTable ParseToml(string path)
    {
        var text = File.ReadAllText(path);
        try
        {
            return TomlSerializer.Deserialize<TomlTable>(text) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            // Tomlyn reports 1-based line and column, as editors show them.
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.ParserError,
                "valid TOML", $"{Path.GetFileName(path)} line {ex.Line}, column {ex.Column}: {FirstLine(ex.Message)}",
                $"Fix the TOML syntax in {path}", path, ex);
        }
    }

    internal static TomlTable? Table(TomlTable? doc, params string[] path)
    {
        object? node = doc;
        foreach (var part in path)
        {
            if (node is TomlTable t && t.TryGetValue(part, out var child))
            {
                node = child;
            }
            else
            {
                return null;
            }
        }
        return node as TomlTable;
    }

    internal static string? Str(TomlTable? t, string key) => t is not null && t.TryGetValue(key, out var v) && v is string s ? s : null;
    internal static bool? Bool(TomlTable? t, string key) => t is not null && t.TryGetValue(key, out var v) && v is bool b ? b : null;

    private static IReadOnlyList<VersionFileSetting>? ReadVersionFiles(TomlTable own, string source)
    {
        if (!own.TryGetValue("version_files", out var raw))
        {
            return null;
        }
        var entries = raw switch
        {
            TomlTableArray arr => arr.Cast<TomlTable>().ToList(),
            TomlArray arr => arr.Select(e => e switch
            {
                TomlTable tt => tt,
                string s => new TomlTable { ["path"] = s },
                _ => throw Invalid(source, "version_files entries must be tables or paths"),
            }).ToList(),
            _ => throw Invalid(source, "version_files must be an array"),
        };
        var result = new List<VersionFileSetting>();
        foreach (var e in entries)
        {
            var path = Str(e, "path") ?? Str(e, "filename") ?? throw Invalid(source, "every version_files entry needs a path");
            VersionScheme? scheme = Str(e, "scheme")?.ToLowerInvariant() switch
            {
                null => null,
                "semver" => VersionScheme.SemVer,
                "pep440" => VersionScheme.Pep440,
                var other => throw Invalid(source, $"scheme '{other}' for {path} is not semver or pep440"),
            };
            var count = e.TryGetValue("count", out var c) && c is long l ? (int)l : 1;
            var search = Str(e, "search");
            result.Add(new VersionFileSetting(path, search, Str(e, "replace"), scheme, count, Bool(e, "regex") ?? false,
                PreferDetectedAnchor: search is null));
        }
        return result;
    }

    private static X0Exception Invalid(string source, string problem) =>
        new(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData, "a valid version_files setting", $"{problem} in {source}",
            "Fix the setting; see Get-Help about_x0tta6bl4 for the format", source);

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
