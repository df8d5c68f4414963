using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Packages;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Operations;

/// <summary>What Build-X0Package was asked for.</summary>
public sealed record BuildPackagesRequest
{
    public required string Path { get; init; }
    /// <summary>null = detect (pyproject [project], a built module, dotnet_projects).</summary>
    public IReadOnlyList<PackageEcosystem>? Ecosystems { get; init; }
    /// <summary>Where the files go (default: dist/ under the project).</summary>
    public string? OutputDirectory { get; init; }
    /// <summary>The version to build and check against (SemVer or PEP 440); default: the version the project's files hold.</summary>
    public string? Version { get; init; }
    public IReadOnlyList<string>? PowerShell { get; init; }
    /// <summary>Warnings of the checks are errors (-Strict); null = [tool.x0tta6bl4.packages] strict.</summary>
    public bool? Strict { get; init; }
}

/// <summary>The read-only part of a build: what will be built from which commit, and into where.</summary>
public sealed class BuildPackagesPlan
{
    internal BuildPackagesPlan(X0Config config, string commit, Semver.SemVersion version, PackagePlan plan, string output)
    {
        Config = config;
        Commit = commit;
        SemVersion = version;
        Plan = plan;
        OutputDirectory = output;
    }

    internal X0Config Config { get; }
    internal Semver.SemVersion SemVersion { get; }
    public string Commit { get; }
    public string Version => SemVersion.ToString();
    public PackagePlan Plan { get; }
    public string OutputDirectory { get; }
    public string Description => string.Join("; ", Plan.Descriptions);
}

/// <summary>
/// Build-X0Package: the release's Packages step on its own, for the commit at HEAD — so CI can build and
/// check packages on every push, and metadata PyPI or the Gallery would refuse is found before any tag exists.
/// </summary>
public static class BuildPackages
{
    /// <summary>Every read-only check (runs under -WhatIf): the version, the static metadata checks, the commit to build.</summary>
    public static BuildPackagesPlan Plan(BuildPackagesRequest request, X0Context context)
    {
        var root = System.IO.Path.GetFullPath(request.Path);
        if (!Directory.Exists(root))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound, "a project directory", $"no directory {root}", "Pass -Path with the project root", root);
        }
        var config = ConfigLoader.Load(root);
        foreach (var w in config.Warnings) context.Log.Warning(w);
        using var repository = LibGit2Repository.Open(root);
        var head = repository.Head;
        if (head.IsUnborn)
        {
            throw new X0Exception(ErrorIds.NothingToCommit, X0ErrorCategory.InvalidOperation, "a commit to build packages from", "no commits",
                "Commit the project first", root);
        }
        var dirty = repository.GetDirtyPaths();
        if (dirty.Count > 0)
        {
            context.Log.Warning($"Packages are built from the commit {head.Sha![..12]}; uncommitted changes are not in them: {string.Join(", ", dirty.Take(10).Select(d => d.Path))}");
        }
        var version = request.Version is { } v ? VersionText.ParseLenient(v) : ProjectVersionReader.Read(config, context.Log).Version;
        var plan = PackagePlan.Create(config, version, request.Ecosystems);
        if (plan.Ecosystems.Count == 0)
        {
            throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.ObjectNotFound, "something to package: [project] in pyproject.toml, a built module or dotnet_projects",
                "none", "Pass -Package Python, PowerShell or DotNet", root);
        }
        var output = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, request.OutputDirectory ?? "dist"));
        return new BuildPackagesPlan(config, head.Sha!, version, plan, output);
    }

    public static Task<List<BuiltPackage>> RunAsync(BuildPackagesPlan plan, BuildPackagesRequest request, X0Context context) =>
        PackageBuild.BuildAsync(plan.Config, plan.Commit, plan.SemVersion, plan.Plan, _ => plan.OutputDirectory, clean: false,
            new PackageReleaseOptions { PowerShell = request.PowerShell, Strict = request.Strict, Purpose = PackagePurpose.Build }, context);
}
