using System.Text.Json;
using Tomlyn.Model;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>
/// [tool.x0tta6bl4.images] (or [images] in x0tta6bl4.toml): repository, dockerfile, context, the tag
/// rules, extra labels and build arguments. Every key is optional.
/// </summary>
public sealed record ImageSettings
{
    public const string Table = "images";

    private static readonly HashSet<string> Keys = new(StringComparer.Ordinal)
    {
        "repository", "dockerfile", "context", "default_branch_tag", "floating_tags", "version_tags", "latest", "sha_tag", "sha_length",
        "push_pull_requests", "named_branches", "other_branches", "target_prefixes", "labels", "build_args", "insecure_registries",
        "secrets", "cache_from", "inline_cache", "platforms",
        // Publish-X0Release's Images step (Releasing/ImagesStep.cs).
        "release", "release_targets",
    };

    public string? Repository { get; init; }
    public string? Dockerfile { get; init; }
    public string? Context { get; init; }
    public ImageTagRules Rules { get; init; } = new();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    /// <summary>Registries reached over plain HTTP besides loopback ones.</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = Array.Empty<string>();
    /// <summary>Build secrets: id → "env:NAME" or a file path (relative to the project root).</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();
    /// <summary>Image references whose inline cache a build may reuse; "self" names the image's own tags.</summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = Array.Empty<string>();
    /// <summary>Write BuildKit's inline cache into the image so the next build can reuse it with cache_from.</summary>
    public bool InlineCache { get; init; }
    public IReadOnlyList<string> Platforms { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    public static ImageSettings From(X0Config config)
    {
        var rules = new ImageTagRules { TagFormat = config.TagFormat };
        if (!config.Settings.TryGetValue(Table, out var raw))
        {
            return new ImageSettings { Rules = rules };
        }
        if (raw is not TomlTable t)
        {
            throw Invalid("[tool.x0tta6bl4.images] must be a table", "images");
        }
        var warnings = t.Keys.Where(k => !Keys.Contains(k))
            .Select(k => $"Unknown setting '{k}' in [tool.x0tta6bl4.images] is ignored (check the spelling).").ToList();
        var (minor, major) = Floating(t) ?? (rules.FloatingMinor, rules.FloatingMajor);
        rules = rules with
        {
            DefaultBranchTag = ConfigLoader.Str(t, "default_branch_tag") ?? rules.DefaultBranchTag,
            FloatingMinor = minor,
            FloatingMajor = major,
            VersionTags = VersionTags(t) ?? rules.VersionTags,
            Latest = ConfigLoader.Bool(t, "latest") ?? rules.Latest,
            ShaTag = ConfigLoader.Bool(t, "sha_tag") ?? rules.ShaTag,
            ShaLength = t.TryGetValue("sha_length", out var sl) && sl is long l ? (int)l : rules.ShaLength,
            PushPullRequests = ConfigLoader.Bool(t, "push_pull_requests") ?? rules.PushPullRequests,
            OtherBranches = ConfigLoader.Bool(t, "other_branches") ?? rules.OtherBranches,
            NamedBranches = Strings(t, "named_branches") ?? rules.NamedBranches,
            TargetPrefixes = Map(t, "target_prefixes") ?? rules.TargetPrefixes,
        };
        return new ImageSettings
        {
            Repository = ConfigLoader.Str(t, "repository"),
            Dockerfile = ConfigLoader.Str(t, "dockerfile"),
            Context = ConfigLoader.Str(t, "context"),
            Rules = rules,
            Labels = Map(t, "labels") ?? new Dictionary<string, string>(),
            BuildArgs = Map(t, "build_args") ?? new Dictionary<string, string>(),
            InsecureRegistries = Strings(t, "insecure_registries") ?? Array.Empty<string>(),
            Secrets = Map(t, "secrets") ?? new Dictionary<string, string>(),
            CacheFrom = Strings(t, "cache_from") ?? Array.Empty<string>(),
            InlineCache = ConfigLoader.Bool(t, "inline_cache") ?? false,
            Platforms = Strings(t, "platforms") ?? Array.Empty<string>(),
            Warnings = warnings,
        };
    }

    /// <summary>floating_tags: true (X.Y and X), false (none), "minor", "major", or a list of those.</summary>
    private static (bool Minor, bool Major)? Floating(TomlTable t)
    {
        if (!t.TryGetValue("floating_tags", out var v)) return null;
        if (v is bool b) return (b, b);
        var kinds = v switch
        {
            string s => new[] { s },
            TomlArray a when a.All(x => x is string) => a.Cast<string>().ToArray(),
            _ => null,
        };
        if (kinds is null || kinds.Any(k => k is not ("minor" or "major")))
        {
            throw Invalid($"images.floating_tags must be true, false, \"minor\", \"major\" or [\"minor\", \"major\"], not {Describe(v)}", "floating_tags");
        }
        return (kinds.Contains("minor"), kinds.Contains("major"));
    }

    /// <summary>version_tags: the exact-version tags of a release, each naming {version} or {tag}.</summary>
    private static IReadOnlyList<string>? VersionTags(TomlTable t)
    {
        var list = Strings(t, "version_tags");
        if (list is null) return null;
        foreach (var template in list.Where(x => !x.Contains(ImageTagRules.VersionToken, StringComparison.Ordinal) && !x.Contains(ImageTagRules.TagToken, StringComparison.Ordinal)))
        {
            throw Invalid($"each images.version_tags entry must contain {ImageTagRules.VersionToken} or {ImageTagRules.TagToken}; '{template}' names no version", "version_tags");
        }
        return list;
    }

    private static string Describe(object? v) => v switch
    {
        string s => $"\"{s}\"",
        null => "nothing",
        _ => v.ToString() ?? v.GetType().Name,
    };

    private static IReadOnlyList<string>? Strings(TomlTable t, string key)
    {
        if (!t.TryGetValue(key, out var v)) return null;
        if (v is TomlArray a && a.All(x => x is string)) return a.Cast<string>().ToList();
        throw Invalid($"images.{key} must be an array of strings", key);
    }

    private static IReadOnlyDictionary<string, string>? Map(TomlTable t, string key)
    {
        if (!t.TryGetValue(key, out var v)) return null;
        if (v is TomlTable m)
        {
            return m.ToDictionary(kv => kv.Key, kv => kv.Value switch
            {
                string s => s,
                bool b => b ? "true" : "false",
                long n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => throw Invalid($"images.{key}.{kv.Key} must be a string", key),
            }, StringComparer.Ordinal);
        }
        throw Invalid($"images.{key} must be a table", key);
    }

    private static X0Exception Invalid(string problem, string key) =>
        new(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData, "a valid [tool.x0tta6bl4.images] table", problem,
            "Fix the setting; see Get-Help Build-X0Image -Full", key);
}

/// <summary>Name, description, license and home page of the project, for the OCI labels.</summary>
public sealed record ProjectMetadata(string? Name, string? Description, string? License, string? Url)
{
    public static ProjectMetadata Read(string root)
    {
        var pyproject = Path.Combine(root, "pyproject.toml");
        if (File.Exists(pyproject))
        {
            var doc = ConfigLoader.ParseToml(pyproject);
            if (ConfigLoader.Table(doc, "project") is { } project)
            {
                var license = project.TryGetValue("license", out var l) ? l switch
                {
                    string s => s,
                    TomlTable lt => ConfigLoader.Str(lt, "text"),
                    _ => null,
                } : null;
                var urls = ConfigLoader.Table(project, "urls");
                var url = urls is null ? null
                    : new[] { "Homepage", "homepage", "Home", "Source", "Repository", "repository" }.Select(k => ConfigLoader.Str(urls, k)).FirstOrDefault(u => u is not null);
                return new ProjectMetadata(ConfigLoader.Str(project, "name"), ConfigLoader.Str(project, "description"), license, url);
            }
        }
        var packageJson = Path.Combine(root, "package.json");
        if (File.Exists(packageJson))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(packageJson));
                string? S(string k) => doc.RootElement.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                return new ProjectMetadata(S("name"), S("description"), S("license"), S("homepage"));
            }
            catch (JsonException)
            {
                // Labels are best effort; the version file reader reports a broken package.json.
            }
        }
        return new ProjectMetadata(null, null, null, null);
    }
}

/// <summary>The org.opencontainers.image.* labels, from project metadata, version and git.</summary>
public static class OciLabels
{
    public const string Prefix = "org.opencontainers.image.";

    public static Dictionary<string, string> Compute(ProjectMetadata project, ImageSource source, string? version,
        DateTimeOffset created)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) labels[Prefix + key] = value.Trim();
        }
        Set("title", project.Name);
        Set("description", project.Description);
        Set("licenses", project.License);
        Set("url", project.Url ?? source.SourceUrl);
        Set("source", source.SourceUrl);
        Set("revision", source.Context.Sha);
        Set("version", version);
        Set("created", created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        return labels;
    }

    /// <summary>SOURCE_DATE_EPOCH (reproducible builds) when set, else now.</summary>
    public static DateTimeOffset CreatedAt(IReadOnlyDictionary<string, string?> env) =>
        env.TryGetValue("SOURCE_DATE_EPOCH", out var s) && long.TryParse(s, out var epoch)
            ? DateTimeOffset.FromUnixTimeSeconds(epoch)
            : DateTimeOffset.UtcNow;
}
