using System.Text.RegularExpressions;
using Tomlyn.Model;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Config;

/// <summary>One configured file of a bump2version / bump-my-version configuration, with its own templates.</summary>
/// <param name="Path">A path relative to the root, or a glob pattern when <paramref name="IsGlob"/>.</param>
public sealed record Bump2VersionFile(
    string Path, bool IsGlob, string Section, string Parse, IReadOnlyList<string> Serialize, string Search, string Replace,
    bool IsRegex = false, bool IgnoreMissingVersion = false, bool IgnoreMissingFile = false);

/// <summary>
/// Everything a bump2version (.bumpversion.cfg, setup.cfg) or bump-my-version (.bumpversion.toml,
/// pyproject [tool.bumpversion]) configuration says, read as those tools read it, so Step-X0Version bumps
/// exactly as they would. Keys that cannot be honoured are kept as refusals (key and why) and stop a bump
/// before anything is written.
/// </summary>
public sealed class Bump2VersionSettings
{
    public const string DefaultSearch = "{current_version}";
    public const string DefaultReplace = "{new_version}";
    public const string DefaultMessage = "Bump version: {current_version} → {new_version}";

    public required string Description { get; init; }
    public required string ConfigPath { get; init; }
    public required bool IsToml { get; init; }
    /// <summary>"bumpversion" (INI) or "tool.bumpversion" (TOML).</summary>
    public required string Section { get; init; }
    public required string CurrentVersion { get; init; }
    public required PartVersionFormat Format { get; init; }
    public string Search { get; init; } = DefaultSearch;
    public string Replace { get; init; } = DefaultReplace;
    public IReadOnlyList<Bump2VersionFile> Files { get; init; } = Array.Empty<Bump2VersionFile>();
    public bool Commit { get; init; }
    public bool Tag { get; init; }
    public bool AllowDirty { get; init; }
    public string TagName { get; init; } = "v{new_version}";
    public string TagMessage { get; init; } = DefaultMessage;
    public string Message { get; init; } = DefaultMessage;
    /// <summary>Global ignore_missing_version (bump-my-version).</summary>
    public bool IgnoreMissingVersion { get; init; }
    public IReadOnlyList<(string Key, string Why)> Refusals { get; init; } = Array.Empty<(string, string)>();

    // bump2version's own keys; anything else in [bumpversion] is unknown to it as well.
    private static readonly HashSet<string> IniKeys = new(StringComparer.Ordinal)
    {
        "current_version", "new_version", "parse", "serialize", "search", "replace", "commit", "tag", "sign_tags",
        "tag_name", "tag_message", "message", "allow_dirty", "files", "commit_args", "dry_run",
    };

    /// <summary>Reads bump2version's INI form; <paramref name="interpolates"/> for setup.cfg, which configparser reads with % interpolation.</summary>
    internal static Bump2VersionSettings FromIni(string text, string path, string description, bool interpolates)
    {
        var doc = IniDocument.Parse(text);
        var refusals = new List<(string, string)>();
        string Value(string raw, string key)
        {
            if (!interpolates) return raw;
            if (Regex.IsMatch(raw, @"%(?!%)"))
            {
                refusals.Add((key, "setup.cfg is read with configparser's % interpolation; a % that is not %% (or a %(name)s reference) is not supported"));
            }
            return raw.Replace("%%", "%", StringComparison.Ordinal);
        }
        var main = (doc["bumpversion"] ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, kv => Value(kv.Value, kv.Key), StringComparer.Ordinal);
        foreach (var key in main.Keys.Where(k => !IniKeys.Contains(k)))
        {
            refusals.Add((key, "bump2version does not know this setting either (check the spelling)"));
        }
        Refuse(main, "commit_args", "commits are made without running git commit, so extra arguments cannot apply", refusals);
        Refuse(main, "new_version", "the new version comes from the bump (-Version for an exact one), not from the configuration", refusals);
        var sign = Bool(main, "sign_tags", refusals);
        if (sign == true) refusals.Add(("sign_tags", "tags are created without gpg, so they cannot be signed; set sign_tags = False or sign the tag afterwards with git tag -s -f"));

        var parse = main.GetValueOrDefault("parse") ?? PartVersionFormat.DefaultParse;
        var serialize = Lines(main.GetValueOrDefault("serialize"), unescapeNewlines: false) ?? PartVersionFormat.DefaultSerialize;
        var search = main.GetValueOrDefault("search") ?? DefaultSearch;
        var replace = main.GetValueOrDefault("replace") ?? DefaultReplace;
        var parts = new Dictionary<string, PartSpec>(StringComparer.Ordinal);
        var files = new List<Bump2VersionFile>();
        foreach (var (name, raw) in doc.Sections)
        {
            var section = raw.ToDictionary(kv => kv.Key, kv => Value(kv.Value, kv.Key), StringComparer.Ordinal);
            var m = SectionType.Match(name);
            if (!m.Success) continue;
            var value = m.Groups["value"].Value;
            if (m.Groups["part"].Success)
            {
                foreach (var key in section.Keys.Where(k => k is not ("values" or "first_value" or "optional_value")))
                {
                    refusals.Add(($"[{name}] {key}", "bump2version part sections take values, first_value and optional_value only"));
                }
                parts[value] = new PartSpec(Lines(section.GetValueOrDefault("values"), false), section.GetValueOrDefault("first_value"),
                    section.GetValueOrDefault("optional_value"));
                continue;
            }
            foreach (var key in section.Keys.Where(k => k is not ("parse" or "serialize" or "search" or "replace")))
            {
                refusals.Add(($"[{name}] {key}", "bump2version file sections take parse, serialize, search and replace only"));
            }
            files.Add(new Bump2VersionFile(value, m.Groups["kind"].Value == "glob", name,
                section.GetValueOrDefault("parse") ?? parse,
                Lines(section.GetValueOrDefault("serialize"), unescapeNewlines: true) ?? serialize,
                section.GetValueOrDefault("search") ?? search, section.GetValueOrDefault("replace") ?? replace));
        }
        // The legacy 'files = a b' key: the global templates, after the sections' files (as bump2version orders them).
        if (main.TryGetValue("files", out var legacyFiles))
        {
            foreach (var f in legacyFiles.Split(' '))
            {
                files.Add(new Bump2VersionFile(f, false, "bumpversion] files", parse, serialize, search, replace));
            }
        }
        return new Bump2VersionSettings
        {
            Description = description,
            ConfigPath = path,
            IsToml = false,
            Section = "bumpversion",
            CurrentVersion = main.GetValueOrDefault("current_version") ?? "",
            Format = new PartVersionFormat(parse, serialize, parts),
            Search = search,
            Replace = replace,
            Files = files,
            Commit = Bool(main, "commit", refusals) ?? false,
            Tag = Bool(main, "tag", refusals) ?? false,
            AllowDirty = Bool(main, "allow_dirty", refusals) ?? false,
            TagName = main.GetValueOrDefault("tag_name") ?? "v{new_version}",
            TagMessage = main.GetValueOrDefault("tag_message") ?? DefaultMessage,
            Message = main.GetValueOrDefault("message") ?? DefaultMessage,
            Refusals = refusals,
        };
    }

    // bump-my-version's keys: honoured ones, and those refused with the reason.
    private static readonly Dictionary<string, string> TomlRefused = new(StringComparer.Ordinal)
    {
        ["commit_args"] = "commits are made without running git commit, so extra arguments cannot apply",
        ["setup_hooks"] = "hooks are not run: run them before Step-X0Version",
        ["pre_commit_hooks"] = "hooks are not run: run them before Step-X0Version",
        ["post_commit_hooks"] = "hooks are not run: run them after Step-X0Version",
        ["moveable_tags"] = "tags are never moved: a published tag names one commit for ever",
        ["included_paths"] = "the release commit holds exactly the configured files; extra paths are not committed",
        ["excluded_paths"] = "the release commit holds exactly the configured files",
        ["no_configured_files"] = "configured files are always bumped",
    };

    private static readonly HashSet<string> TomlHonoured = new(StringComparer.Ordinal)
    {
        "current_version", "parse", "serialize", "search", "replace", "regex", "commit", "tag", "sign_tags", "tag_name",
        "tag_message", "message", "allow_dirty", "ignore_missing_version", "ignore_missing_files", "files", "parts",
    };

    /// <summary>Reads bump-my-version's TOML form ([tool.bumpversion] in pyproject.toml or .bumpversion.toml).</summary>
    internal static Bump2VersionSettings FromToml(TomlTable t, string path, string description, string section)
    {
        var refusals = new List<(string, string)>();
        foreach (var key in t.Keys)
        {
            if (TomlRefused.TryGetValue(key, out var why) && !IsEmpty(t[key])) refusals.Add((key, why));
            else if (!TomlHonoured.Contains(key) && !TomlRefused.ContainsKey(key)) refusals.Add((key, "bump-my-version has no such setting (check the spelling)"));
        }
        if (ConfigLoader.Bool(t, "sign_tags") == true) refusals.Add(("sign_tags", "tags are created without gpg, so they cannot be signed; set sign_tags = false or sign the tag afterwards"));
        var parse = ConfigLoader.Str(t, "parse") ?? PartVersionFormat.DefaultParse;
        var serialize = StrList(t, "serialize") ?? PartVersionFormat.DefaultSerialize;
        var search = ConfigLoader.Str(t, "search") ?? DefaultSearch;
        var replace = ConfigLoader.Str(t, "replace") ?? DefaultReplace;
        var regex = ConfigLoader.Bool(t, "regex") ?? false;
        var ignoreMissingVersion = ConfigLoader.Bool(t, "ignore_missing_version") ?? false;
        var ignoreMissingFiles = ConfigLoader.Bool(t, "ignore_missing_files") ?? false;
        var parts = new Dictionary<string, PartSpec>(StringComparer.Ordinal);
        if (ConfigLoader.Table(t, "parts") is { } partTables)
        {
            foreach (var (name, raw) in partTables)
            {
                if (raw is not TomlTable p) continue;
                foreach (var key in p.Keys.Where(k => k is not ("values" or "first_value" or "optional_value" or "independent")))
                {
                    refusals.Add(($"parts.{name}.{key}", key is "calver_format" or "always_increment"
                        ? "calendar and always-increment parts are not supported; use values or numbers"
                        : "parts take values, first_value, optional_value and independent"));
                }
                parts[name] = new PartSpec(StrList(p, "values"), ScalarText(p, "first_value"), ScalarText(p, "optional_value"),
                    ConfigLoader.Bool(p, "independent") ?? false);
            }
        }
        var files = new List<Bump2VersionFile>();
        var entries = t.TryGetValue("files", out var rawFiles)
            ? rawFiles switch { TomlTableArray arr => arr.ToList(), TomlArray inline => inline.OfType<TomlTable>().ToList(), _ => new List<TomlTable>() }
            : new List<TomlTable>();
        var index = 0;
        foreach (var f in entries)
        {
            index++;
            foreach (var key in f.Keys.Where(k => k is not ("filename" or "glob" or "parse" or "serialize" or "search" or "replace" or "regex"
                         or "ignore_missing_version" or "ignore_missing_file")))
            {
                refusals.Add(($"files[{index}].{key}", key == "key_path"
                    ? "replacing by key path in data files is not supported; use search and replace"
                    : "not supported for a file entry (filename or glob, parse, serialize, search, replace, regex, ignore_missing_version, ignore_missing_file)"));
            }
            var filename = ConfigLoader.Str(f, "filename");
            var glob = ConfigLoader.Str(f, "glob");
            if (filename is null == (glob is null))
            {
                refusals.Add(($"files[{index}]", "a file entry needs exactly one of filename and glob"));
                continue;
            }
            files.Add(new Bump2VersionFile(filename ?? glob!, glob is not null, $"files[{index}]",
                ConfigLoader.Str(f, "parse") ?? parse, StrList(f, "serialize") ?? serialize,
                ConfigLoader.Str(f, "search") ?? search, ConfigLoader.Str(f, "replace") ?? replace,
                ConfigLoader.Bool(f, "regex") ?? regex, ConfigLoader.Bool(f, "ignore_missing_version") ?? ignoreMissingVersion,
                ConfigLoader.Bool(f, "ignore_missing_file") ?? ignoreMissingFiles));
        }
        return new Bump2VersionSettings
        {
            Description = description,
            ConfigPath = path,
            IsToml = true,
            Section = section,
            CurrentVersion = ConfigLoader.Str(t, "current_version") ?? "",
            Format = new PartVersionFormat(parse, serialize, parts),
            Search = search,
            Replace = replace,
            Files = files,
            Commit = ConfigLoader.Bool(t, "commit") ?? false,
            Tag = ConfigLoader.Bool(t, "tag") ?? false,
            AllowDirty = ConfigLoader.Bool(t, "allow_dirty") ?? false,
            TagName = ConfigLoader.Str(t, "tag_name") ?? "v{new_version}",
            TagMessage = ConfigLoader.Str(t, "tag_message") ?? DefaultMessage,
            Message = ConfigLoader.Str(t, "message") ?? DefaultMessage,
            IgnoreMissingVersion = ignoreMissingVersion,
            Refusals = refusals,
        };
    }

    // bumpversion:file:x, bumpversion:file(suffix):x, bumpversion:glob:x, bumpversion:part:x (bump2version's own pattern).
    private static readonly Regex SectionType = new(@"^bumpversion:(?:(?<kind>file|glob)(?:\s*\(\s*[^\):]+\)?)?|(?<part>part)):(?<value>.+)$", RegexOptions.CultureInvariant);

    private static void Refuse(Dictionary<string, string> values, string key, string why, List<(string, string)> refusals)
    {
        if (values.TryGetValue(key, out var v) && v.Trim().Length > 0) refusals.Add((key, why));
    }

    private static bool? Bool(Dictionary<string, string> values, string key, List<(string, string)> refusals)
    {
        if (!values.TryGetValue(key, out var v)) return null;
        switch (v.Trim().ToLowerInvariant())
        {
            case "1" or "yes" or "true" or "on": return true;
            case "0" or "no" or "false" or "off": return false;
            default:
                refusals.Add((key, $"'{v}' is not a boolean (configparser takes true/false, yes/no, on/off, 1/0)"));
                return null;
        }
    }

    // configparser keeps a multi-line value's lines; bump2version drops the empty ones (and per file turns \n into newlines).
    private static IReadOnlyList<string>? Lines(string? value, bool unescapeNewlines) =>
        value is null ? null
            : value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)
                .Select(l => unescapeNewlines ? l.Replace("\\n", "\n", StringComparison.Ordinal) : l).ToList();

    private static IReadOnlyList<string>? StrList(TomlTable t, string key) => t.TryGetValue(key, out var v)
        ? v switch { TomlArray a => a.Select(x => Convert.ToString(x, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList(), string s => new[] { s }, _ => null }
        : null;

    private static string? ScalarText(TomlTable t, string key) =>
        t.TryGetValue(key, out var v) && v is not null ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static bool IsEmpty(object? v) => v switch { null => true, string s => s.Length == 0, bool b => !b, TomlArray a => a.Count == 0, _ => false };
}
