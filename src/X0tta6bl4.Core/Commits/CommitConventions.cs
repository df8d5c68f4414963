using Tomlyn.Model;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Commits;

/// <summary>How far a set of commits moves the version.</summary>
public enum ReleaseLevel { None = 0, Patch = 1, Minor = 2, Major = 3 }

/// <summary>One section of release notes: which commit types it gathers, its title, and whether it is shown.</summary>
public sealed record NoteCategory(string Title, IReadOnlyList<string> Types, bool Hidden = false);

/// <summary>
/// The project's commit conventions: which types release what, how notes are grouped, and the 0.x
/// rule. One instance drives both the version bump and the notes, so they never disagree.
/// Read from <c>[tool.x0tta6bl4]</c>: <c>minor_types</c>, <c>patch_types</c>, <c>major_on_zero</c>,
/// <c>changelog_sections</c>, <c>first_parent</c>, <c>strict</c>, <c>repository_url</c>,
/// <c>changelog</c>, <c>changelog_file</c>, <c>show_other</c>.
/// </summary>
public sealed class CommitConventions
{
    public const string BreakingTitle = "Breaking Changes";
    public const string RevertsTitle = "Reverts";
    public const string OtherTitle = "Other";
    public const string DefaultChangelogFile = "CHANGELOG.md";

    public static readonly IReadOnlyList<NoteCategory> DefaultCategories = new[]
    {
        new NoteCategory("Features", new[] { "feat" }),
        new NoteCategory("Bug Fixes", new[] { "fix" }),
        new NoteCategory("Performance", new[] { "perf" }),
        new NoteCategory("Security", new[] { "sec", "security" }),
        new NoteCategory("Documentation", new[] { "docs" }),
        new NoteCategory("Tests", new[] { "test", "tests" }),
        new NoteCategory(RevertsTitle, new[] { "revert" }),
        new NoteCategory("Refactoring", new[] { "refactor" }, Hidden: true),
        new NoteCategory("Build", new[] { "build" }, Hidden: true),
        new NoteCategory("Continuous Integration", new[] { "ci" }, Hidden: true),
        new NoteCategory("Chores", new[] { "chore" }, Hidden: true),
        new NoteCategory("Style", new[] { "style" }, Hidden: true),
    };

    public IReadOnlySet<string> MinorTypes { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "feat" };
    public IReadOnlySet<string> PatchTypes { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "fix", "perf", "sec", "security" };
    /// <summary>False (default): in 0.x a breaking change raises the minor and a feature the patch.</summary>
    public bool MajorOnZero { get; init; }
    public IReadOnlyList<NoteCategory> Categories { get; init; } = DefaultCategories;
    /// <summary>Walk only the first parent; merge commits become entries through their PR title.</summary>
    public bool FirstParent { get; init; }
    /// <summary>Non-conventional commits are an error (the release checklist's rule).</summary>
    public bool Strict { get; init; }
    /// <summary>Overrides the web address derived from the remote (for links).</summary>
    public string? RepositoryUrl { get; init; }
    /// <summary>Update the changelog in the release commit; null = default (on for Python projects with one).</summary>
    public bool? Changelog { get; init; }
    public string ChangelogFile { get; init; } = DefaultChangelogFile;
    /// <summary>Render the non-conventional commits in an Other section (hidden by default).</summary>
    public bool ShowOther { get; init; }

    public static CommitConventions Default { get; } = new();

    /// <summary>The bump one commit asks for (before the 0.x rule).</summary>
    public ReleaseLevel LevelOf(ConventionalCommit commit)
    {
        if (!commit.IsConventional) return ReleaseLevel.None;
        if (commit.IsBreaking) return ReleaseLevel.Major;
        var type = commit.Type!;
        if (MinorTypes.Contains(type)) return ReleaseLevel.Minor;
        if (PatchTypes.Contains(type)) return ReleaseLevel.Patch;
        return ReleaseLevel.None;
    }

    /// <summary>The category a commit type lands in; unknown types go to a hidden section named after the type.</summary>
    public NoteCategory CategoryOf(string type)
    {
        foreach (var c in Categories)
        {
            foreach (var t in c.Types)
            {
                if (string.Equals(t, type, StringComparison.Ordinal)) return c;
            }
        }
        return new NoteCategory(type, new[] { type }, Hidden: true);
    }

    /// <summary>Reads the conventions from a resolved configuration.</summary>
    /// <exception cref="X0Exception">X0.ConfigInvalid for a malformed setting.</exception>
    public static CommitConventions From(X0Config config)
    {
        var t = config.Settings;
        var source = config.Sources.Count > 0 ? config.Sources[0] : ConfigLoader.OwnFile;
        var result = new CommitConventions
        {
            MinorTypes = Types(t, "minor_types", source) ?? Default.MinorTypes,
            PatchTypes = Types(t, "patch_types", source) ?? Default.PatchTypes,
            MajorOnZero = ConfigLoader.Bool(t, "major_on_zero") ?? false,
            Categories = Sections(t, source) ?? DefaultCategories,
            FirstParent = ConfigLoader.Bool(t, "first_parent") ?? false,
            Strict = ConfigLoader.Bool(t, "strict") ?? false,
            RepositoryUrl = ConfigLoader.Str(t, "repository_url"),
            Changelog = ConfigLoader.Bool(t, "changelog"),
            ChangelogFile = ConfigLoader.Str(t, "changelog_file") ?? DefaultChangelogFile,
            ShowOther = ConfigLoader.Bool(t, "show_other") ?? false,
        };
        return result;
    }

    private static HashSet<string>? Types(TomlTable t, string key, string source)
    {
        if (!t.TryGetValue(key, out var raw)) return null;
        if (raw is not TomlArray arr || arr.Any(e => e is not string))
        {
            throw Invalid(source, $"{key} must be an array of commit types, such as [\"feat\"]");
        }
        return new HashSet<string>(arr.Cast<string>().Select(s => s.Trim().ToLowerInvariant()), StringComparer.Ordinal);
    }

    private static List<NoteCategory>? Sections(TomlTable t, string source)
    {
        if (!t.TryGetValue("changelog_sections", out var raw)) return null;
        IEnumerable<TomlTable> entries = raw switch
        {
            TomlTableArray ta => ta,
            TomlArray a when a.All(e => e is TomlTable) => a.Cast<TomlTable>(),
            _ => throw Invalid(source, "changelog_sections must be an array of tables ([[tool.x0tta6bl4.changelog_sections]])"),
        };
        var list = new List<NoteCategory>();
        foreach (var e in entries)
        {
            var title = ConfigLoader.Str(e, "title") ?? throw Invalid(source, "every changelog_sections entry needs a title");
            List<string> types;
            if (ConfigLoader.Str(e, "type") is { } one)
            {
                types = new List<string> { one.Trim().ToLowerInvariant() };
            }
            else if (e.TryGetValue("types", out var tv) && tv is TomlArray ta && ta.All(x => x is string))
            {
                types = ta.Cast<string>().Select(s => s.Trim().ToLowerInvariant()).ToList();
            }
            else
            {
                throw Invalid(source, $"changelog section '{title}' needs type = \"…\" or types = [\"…\"]");
            }
            list.Add(new NoteCategory(title, types, ConfigLoader.Bool(e, "hidden") ?? false));
        }
        return list;
    }

    private static X0Exception Invalid(string source, string problem) =>
        new(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData, "valid commit-convention settings", $"{problem} in {source}",
            "Fix the setting; see Get-Help about_x0tta6bl4 for the format", source);
}
