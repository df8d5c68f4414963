using Semver;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>The version a project declares, with every file that declares it.</summary>
public sealed class ProjectVersion
{
    internal ProjectVersion(SemVersion version, IReadOnlyList<(VersionFile File, TextFileContent Content, VersionReading Reading)> files, string? tagSource = null)
    {
        Version = version;
        Files = files;
        TagSource = tagSource;
    }

    internal SemVersion Version { get; }
    /// <summary>The agreed version as SemVer 2.0 text.</summary>
    public string VersionText => Version.ToString();
    public IReadOnlyList<(VersionFile File, TextFileContent Content, VersionReading Reading)> Files { get; }
    /// <summary>Set when no file holds the version because the build derives it from git tags: why. The version is then the latest release tag's.</summary>
    public string? TagSource { get; }
    public bool IsTagDerived => TagSource is not null;
}

/// <summary>
/// Reads every version file of a project and demands that they agree. Shared by the bump (what is
/// the current version?) and the release preflight (does the tag match the files?).
/// </summary>
public static class ProjectVersionReader
{
    public static ProjectVersion Read(X0Config config, IX0Log log)
    {
        var located = VersionFileLocator.LocateAll(config, log);
        if (located.TagSource is not null)
        {
            var latest = LatestReachableRelease(config) ?? new SemVersion(0, 0, 0);
            log.Verbose($"Version {latest} from the latest release tag: {located.TagSource}");
            return new ProjectVersion(latest, Array.Empty<(VersionFile, TextFileContent, VersionReading)>(), located.TagSource);
        }
        var readings = new List<(VersionFile File, TextFileContent Content, VersionReading Reading)>();
        // Self-describing files first; their version anchors literal search templates.
        foreach (var (file, content) in located.Files.Where(l => l.File is not PatternVersionFile))
        {
            readings.Add((file, content, file.Read(content)));
        }
        var known = readings.Count > 0 ? readings[0].Reading.Version
            : config.LegacyCurrentVersion is { } lc ? Versioning.VersionText.ParseLenient(lc) : null;
        foreach (var (file, content) in located.Files.Where(l => l.File is PatternVersionFile))
        {
            var pattern = (PatternVersionFile)file;
            pattern.KnownCurrentVersion = known;
            var reading = pattern.Read(content);
            known ??= reading.Version;
            readings.Add((file, content, reading));
        }

        var distinct = readings.Select(r => r.Reading.Version.WithoutMetadata()).Distinct().ToList();
        if (distinct.Count > 1)
        {
            throw new X0Exception(ErrorIds.VersionMismatch, X0ErrorCategory.InvalidData,
                "every version file to hold the same version",
                string.Join("; ", readings.Select(r => $"{r.File.RelativePath} ({r.File.Anchor}) = {r.Reading.Written}")),
                "Make the files agree (edit the odd one out by hand), then bump", config.Root);
        }
        return new ProjectVersion(readings[0].Reading.Version, readings);
    }

    /// <summary>The highest final release tag reachable from HEAD: what a tag-derived build (setuptools_scm…) counts from.</summary>
    private static SemVersion? LatestReachableRelease(X0Config config)
    {
        try
        {
            using var repo = Git.LibGit2Repository.Open(config.Root, null);
            if (repo.Head.Sha is not { } head) return null;
            var releases = repo.GetTagNames()
                .Select(n => config.Tags.TryParse(n, out var v) && !v!.IsPrerelease ? (Name: n, Version: v) : (n, null))
                .Where(t => t.Version is not null)
                .OrderByDescending(t => t.Version!, SemVersion.PrecedenceComparer);
            foreach (var (name, version) in releases)
            {
                if (repo.FindTag(name) is { } tag && repo.HasCommit(tag.TargetSha) && repo.IsAncestor(tag.TargetSha, head)) return version;
            }
            return null;
        }
        catch (X0Exception)
        {
            return null;
        }
    }
}
