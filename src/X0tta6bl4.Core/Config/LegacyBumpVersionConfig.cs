using Tomlyn.Model;

namespace X0tta6bl4.Core.Config;

/// <summary>
/// A bump2version / bump-my-version configuration, read so a migrating user changes nothing:
/// current_version, files with search/replace, commit, tag, tag_name, tag_message, message, allow_dirty.
/// Searched in bump-my-version's order: .bumpversion.toml, .bumpversion.cfg, pyproject.toml, setup.cfg.
/// </summary>
internal sealed class LegacyBumpVersionConfig
{
    private const string DefaultSearch = "{current_version}";

    // Settings of bump2version / bump-my-version that are read and honoured.
    private static readonly HashSet<string> Honoured = new(StringComparer.OrdinalIgnoreCase)
    {
        "current_version", "commit", "tag", "tag_name", "tag_message", "message", "allow_dirty", "files",
        "search", "replace", "regex", "parse", "serialize",
    };

    // Settings those tools know that change nothing here; worth a warning when a user relies on them.
    private static readonly HashSet<string> NotSupported = new(StringComparer.OrdinalIgnoreCase)
    {
        "sign_tags", "commit_args", "setup_hooks", "pre_commit_hooks", "post_commit_hooks", "ignore_missing_version",
        "ignore_missing_files", "parts", "moveable_tags", "included_paths", "excluded_paths", "glob", "glob_exclude",
        "no_configured_files", "key_path", "filename", "valid_bump",
    };

    public required string Description { get; init; }
    public string? CurrentVersion { get; init; }
    public bool? Commit { get; init; }
    public bool? Tag { get; init; }
    public bool? AllowDirty { get; init; }
    public string? TagName { get; init; }
    public string? TagMessage { get; init; }
    public string? Message { get; init; }
    public IReadOnlyList<VersionFileSetting>? Files { get; init; }
    public (string Path, string Section, bool Toml)? VersionHolder { get; init; }
    /// <summary>The whole configuration as bump2version / bump-my-version reads it, for bumping exactly as they do.</summary>
    public Bump2VersionSettings? Settings { get; private set; }
    public List<string> Warnings { get; } = new();

    public static LegacyBumpVersionConfig? Find(string root, TomlTable? pyproject, List<string> warnings)
    {
        var bumpToml = Path.Combine(root, ".bumpversion.toml");
        if (File.Exists(bumpToml))
        {
            var doc = ConfigLoader.ParseToml(bumpToml);
            var table = ConfigLoader.Table(doc, "tool", "bumpversion") ?? doc;
            var section = ConfigLoader.Table(doc, "tool", "bumpversion") is null ? "" : "tool.bumpversion";
            var found = FromToml(table, bumpToml, ".bumpversion.toml", "tool.bumpversion");
            found.Settings = Bump2VersionSettings.FromToml(table, bumpToml, ".bumpversion.toml", section);
            return found;
        }
        var cfg = Path.Combine(root, ".bumpversion.cfg");
        if (File.Exists(cfg))
        {
            var text = File.ReadAllText(cfg);
            var found = FromIni(text, cfg, ".bumpversion.cfg");
            found.Settings = Bump2VersionSettings.FromIni(text, cfg, ".bumpversion.cfg", interpolates: false);
            return found;
        }
        if (pyproject is not null && ConfigLoader.Table(pyproject, "tool", "bumpversion") is { } t)
        {
            var found = FromToml(t, Path.Combine(root, "pyproject.toml"), "pyproject.toml [tool.bumpversion]", "tool.bumpversion");
            found.Settings = Bump2VersionSettings.FromToml(t, Path.Combine(root, "pyproject.toml"), "pyproject.toml [tool.bumpversion]", "tool.bumpversion");
            return found;
        }
        var setupCfg = Path.Combine(root, "setup.cfg");
        if (File.Exists(setupCfg))
        {
            var text = File.ReadAllText(setupCfg);
            if (IniDocument.Parse(text)["bumpversion"] is not null)
            {
                var found = FromIni(text, setupCfg, "setup.cfg [bumpversion]");
                found.Settings = Bump2VersionSettings.FromIni(text, setupCfg, "setup.cfg [bumpversion]", interpolates: true);
                return found;
            }
        }
        return null;
    }

    private static LegacyBumpVersionConfig FromToml(TomlTable t, string path, string description, string section)
    {
        var files = new List<VersionFileSetting>();
        var warnings = new List<string>();
        // [[tool.bumpversion.files]] gives a table array; files = [{ filename = … }] an array of inline tables.
        var entries = t.TryGetValue("files", out var raw)
            ? raw switch
            {
                TomlTableArray arr => arr.ToList(),
                TomlArray inline => inline.OfType<TomlTable>().ToList(),
                _ => new List<TomlTable>(),
            }
            : new List<TomlTable>();
        {
            foreach (var f in entries)
            {
                var filename = ConfigLoader.Str(f, "filename");
                if (filename is null)
                {
                    warnings.Add($"{description}: a files entry without 'filename' (glob entries are not supported) was ignored.");
                    continue;
                }
                var search = ConfigLoader.Str(f, "search") ?? ConfigLoader.Str(t, "search") ?? DefaultSearch;
                var replace = ConfigLoader.Str(f, "replace") ?? ConfigLoader.Str(t, "replace");
                files.Add(new VersionFileSetting(filename, search, replace, null, 1,
                    ConfigLoader.Bool(f, "regex") ?? ConfigLoader.Bool(t, "regex") ?? false,
                    PreferDetectedAnchor: search == DefaultSearch && replace is null or "{new_version}"));
            }
        }
        WarnOnCustomFormats(ConfigLoader.Str(t, "parse"), t.TryGetValue("serialize", out var s) ? s : null, description, warnings);
        WarnOnKeys(t.Keys, description, warnings);
        var result = new LegacyBumpVersionConfig
        {
            Description = description,
            CurrentVersion = ConfigLoader.Str(t, "current_version"),
            Commit = ConfigLoader.Bool(t, "commit"),
            Tag = ConfigLoader.Bool(t, "tag"),
            AllowDirty = ConfigLoader.Bool(t, "allow_dirty"),
            TagName = ConfigLoader.Str(t, "tag_name"),
            TagMessage = ConfigLoader.Str(t, "tag_message"),
            Message = ConfigLoader.Str(t, "message"),
            Files = files.Count > 0 ? files : null,
            VersionHolder = ConfigLoader.Str(t, "current_version") is null ? null : (path, section, true),
        };
        result.Warnings.AddRange(warnings);
        return result;
    }

    private static LegacyBumpVersionConfig FromIni(string text, string path, string description)
    {
        var doc = IniDocument.Parse(text);
        var main = doc["bumpversion"] ?? new Dictionary<string, string>();
        var files = new List<VersionFileSetting>();
        var warnings = new List<string>();
        foreach (var (name, values) in doc.Sections)
        {
            // [bumpversion:file:path] or [bumpversion:file(label):path]
            if (!name.StartsWith("bumpversion:file", StringComparison.Ordinal))
            {
                if (name.StartsWith("bumpversion:glob", StringComparison.Ordinal))
                {
                    warnings.Add($"{description}: [{name}] (glob) is not supported; list the files one by one.");
                }
                continue;
            }
            var colon = name.IndexOf(':', "bumpversion:file".Length);
            if (colon < 0)
            {
                continue;
            }
            var file = name[(colon + 1)..].Trim();
            values.TryGetValue("search", out var search);
            values.TryGetValue("replace", out var replace);
            search ??= main.GetValueOrDefault("search") ?? DefaultSearch;
            replace ??= main.GetValueOrDefault("replace");
            files.Add(new VersionFileSetting(file, search, replace, null, 1, false,
                PreferDetectedAnchor: search == DefaultSearch && replace is null or "{new_version}"));
        }
        WarnOnCustomFormats(main.GetValueOrDefault("parse"), main.GetValueOrDefault("serialize"), description, warnings);
        WarnOnKeys(main.Keys, description, warnings);
        var result = new LegacyBumpVersionConfig
        {
            Description = description,
            CurrentVersion = main.GetValueOrDefault("current_version"),
            Commit = IniBool(main, "commit"),
            Tag = IniBool(main, "tag"),
            AllowDirty = IniBool(main, "allow_dirty"),
            TagName = main.GetValueOrDefault("tag_name"),
            TagMessage = main.GetValueOrDefault("tag_message"),
            Message = main.GetValueOrDefault("message"),
            Files = files.Count > 0 ? files : null,
            VersionHolder = main.ContainsKey("current_version") ? (path, "bumpversion", false) : null,
        };
        result.Warnings.AddRange(warnings);
        return result;
    }

    private static void WarnOnCustomFormats(string? parse, object? serialize, string description, List<string> warnings)
    {
        if (parse is not null || serialize is not null)
        {
            warnings.Add($"{description}: custom parse/serialize formats are not used; versions are read and written as SemVer 2.0 (PEP 440 in Python files).");
        }
    }

    private static void WarnOnKeys(IEnumerable<string> keys, string description, List<string> warnings)
    {
        foreach (var key in keys.Where(k => !Honoured.Contains(k)))
        {
            warnings.Add(NotSupported.Contains(key)
                ? $"{description}: '{key}' is not supported by x0tta6bl4 and is ignored."
                : $"{description}: unknown setting '{key}' is ignored (check the spelling).");
        }
    }

    private static bool? IniBool(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var v)
            ? v.Trim().ToLowerInvariant() switch
            {
                "true" or "yes" or "1" or "on" => true,
                "false" or "no" or "0" or "off" => false,
                _ => null,
            }
            : null;
}
