using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Operations;

/// <summary>One place the version is read from, and why that place.</summary>
public sealed record VersionSource(string Path, string Anchor, string Written, string Reason);

/// <summary>A project's version as Step-X0Version sees it, without changing anything.</summary>
public sealed record VersionReport
{
    public required string ProjectRoot { get; init; }
    /// <summary>The current version (SemVer 2.0 text): what the files hold, or the latest release tag for a tag-derived version.</summary>
    public required string Version { get; init; }
    public required IReadOnlyList<VersionSource> Sources { get; init; }
    /// <summary>Why no file holds the version (the build derives it from tags), or null.</summary>
    public string? TagSource { get; init; }
    public IReadOnlyList<string> ConfigSources { get; init; } = Array.Empty<string>();
    public string TagFormat { get; init; } = Versioning.TagFormat.Default;
    public string? LastReleaseTag { get; init; }
    /// <summary>The version Step-X0Version -Auto would choose now, or null (no release, or no git history to read).</summary>
    public string? NextVersion { get; init; }
    public string? NextTag { get; init; }
    /// <summary>The level the commits since the last release call for (None, Patch, Minor, Major).</summary>
    public string? Level { get; init; }
    /// <summary>Why -Auto would choose <see cref="NextVersion"/>, or why there would be no release.</summary>
    public string? Reason { get; init; }
    /// <summary>The files already hold the next version: -Auto would tag it, not bump again.</summary>
    public bool AlreadyBumped { get; init; }
}

/// <summary>
/// The use case behind Get-X0Version: the version, every file it is read from and why, the last release
/// tag and the next version -Auto would choose, computed by the same plan Step-X0Version makes (with
/// nothing to commit, so it also works on a detached HEAD or a dirty tree).
/// </summary>
public sealed class GetVersion
{
    public async Task<VersionReport> RunAsync(string path, X0Context context)
    {
        var root = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound,
                "a project directory", $"no directory {root}", "Pass -Path with the project root", root);
        }
        var config = ConfigLoader.Load(root);
        foreach (var w in config.Warnings) context.Log.Warning(w);
        var project = ProjectVersionReader.Read(config, context.Log);
        var sources = project.Files
            .Select(f => new VersionSource(f.File.RelativePath, f.File.Anchor, f.Reading.Written, f.File.Reason))
            .ToList();

        StepVersionPlan? plan = null;
        string? unavailable = null;
        if (HasHistory(root))
        {
            // The very plan -Auto makes, minus commit and tag: what Step-X0Version -Auto would choose.
            plan = await new StepVersion().PlanAsync(new StepVersionRequest
            {
                Path = root, Bump = new BumpRequest(), Auto = true, NoCommit = true, NoChangelog = true,
            }, context).ConfigureAwait(false);
        }
        else
        {
            unavailable = "no git history to infer the next version from";
        }
        var next = plan is null || plan.IsNoRelease ? null : plan.NextVersion;
        return new VersionReport
        {
            ProjectRoot = root,
            Version = project.VersionText,
            Sources = sources,
            TagSource = project.TagSource,
            ConfigSources = config.Sources,
            TagFormat = config.TagFormat,
            LastReleaseTag = plan?.LastReleaseTag,
            NextVersion = next,
            NextTag = next is null ? null : config.Tags.Format(VersionText.ParseSemVer(next)),
            Level = plan?.Level.ToString(),
            Reason = plan?.NoReleaseReason ?? plan?.Reason ?? unavailable,
            AlreadyBumped = plan?.AlreadyBumped ?? false,
        };
    }

    private static bool HasHistory(string root)
    {
        try
        {
            using var repo = Git.LibGit2Repository.Open(root, null);
            return !repo.Head.IsUnborn;
        }
        catch (X0Exception)
        {
            return false;
        }
    }
}
