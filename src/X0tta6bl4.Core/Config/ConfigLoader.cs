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
            warnings.AddRange(ConfigSchema.Validate(own, sources[0]));
        }

        var ownFiles = own is not null ? ReadVersionFiles(own, sources[0]) : null;
        var files = ownFiles ?? legacy?.Files ?? (IReadOnlyList<VersionFileSetting>)Array.Empty<VersionFileSetting>();
        var detect = own is not null && own.TryGetValue("detect_version_files", out var d) && d is bool db
            ? db
            : files.Count == 0;

        var usesLegacyDefaults = own is null && legacy is not null;
        var tagFormat = Str(own, "tag_format") ?? legacy?.TagName ?? TagFormat.Default;
        if (TagFormat.Problem(tagFormat) is { } tagProblem)
        {
            // Checked here, before any plan: git would refuse the tag only after the release commit exists.
            var key = Str(own, "tag_format") is not null ? "tag_format" : "tag_name";
            var source = Str(own, "tag_format") is not null ? sources[0] : legacy!.Description;
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData,
                $"{key}: a tag name template with one {{version}} that makes a valid git tag name, such as v{{version}}",
                $"{key} = \"{tagFormat}\" in {source}: {tagProblem}",
                $"Fix {key} in {source}; nothing was changed", source);
        }
        return new X0Config
        {
            Root = root,
            TagFormat = tagFormat,
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
            // With files listed, that tool's rules decide every byte; without, the files are detected and current_version moves along.
            Bump2Version = ownFiles is null && legacy?.Settings is { CurrentVersion.Length: > 0, Files.Count: > 0 } s ? s : null,
            LegacyCurrentVersion = legacy?.CurrentVersion,
            Sources = sources,
            // Under that tool's own rules its settings are honoured or refused, not warned about.
            Warnings = warnings.Concat(legacy?.Settings is { Files.Count: > 0 } && ownFiles is null ? Enumerable.Empty<string>() : legacy?.Warnings ?? Enumerable.Empty<string>()).ToList(),
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
