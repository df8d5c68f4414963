using System.Security.Cryptography;

namespace X0tta6bl4.Core.Packages;

/// <summary>Where a package goes: PyPI (wheel + sdist), a NuGet feed or the PowerShell Gallery (nupkg).</summary>
public enum PackageEcosystem
{
    Python,
    PowerShell,
    DotNet,
}

/// <summary>One built file with its digest; <see cref="Kind"/> is wheel, sdist or nupkg.</summary>
public sealed record PackageFile(string Path, long Size, string Sha256, string Kind)
{
    public string Name => System.IO.Path.GetFileName(Path);

    public static PackageFile Of(string path, string kind)
    {
        using var stream = File.OpenRead(path);
        var hash = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        return new PackageFile(path, new FileInfo(path).Length, hash, kind);
    }
}

/// <summary>A package of the release: what was built, under which name and version (as the index spells them).</summary>
public sealed record BuiltPackage(PackageEcosystem Ecosystem, string Name, string Version, IReadOnlyList<PackageFile> Files)
{
    /// <summary>What the checks found (one line each), for the release account.</summary>
    public IReadOnlyList<string> Checks { get; init; } = Array.Empty<string>();
    /// <summary>What the index accepts but twine check warns about (no long description, no content type...); errors under strict checks.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}

/// <summary>Who asked for the packages: the message of a refusal fits the command (Build-X0Package uploads nothing).</summary>
public enum PackagePurpose { Release, Build }

/// <summary>What Publish-X0Release was told about packages (parameters; environment and config fill the rest).</summary>
public sealed record PackageReleaseOptions
{
    /// <summary>Ecosystems to build; null = detect from the project (pyproject [project], a staged module, configured .NET projects).</summary>
    public IReadOnlyList<PackageEcosystem>? Ecosystems { get; init; }
    /// <summary>No package steps at all.</summary>
    public bool Skip { get; init; }

    /// <summary>PyPI upload URL or a name (pypi, testpypi, or one under [tool.x0tta6bl4.pypi.repositories]).</summary>
    public string? PyPIRepository { get; init; }
    /// <summary>An API token (or password, with <see cref="PyPIUser"/>) given as a parameter or from SecretManagement.</summary>
    public string? PyPIToken { get; init; }
    public string? PyPIUser { get; init; }
    /// <summary>Insist on trusted publishing (GitHub Actions OIDC), even when a token is around.</summary>
    public bool TrustedPublishing { get; init; }

    /// <summary>NuGet feeds: v3 service index URLs, v2 push URLs, local folders, or PSGallery / nuget.org.</summary>
    public IReadOnlyList<string> NuGetRepositories { get; init; } = Array.Empty<string>();
    public string? NuGetApiKey { get; init; }

    /// <summary>How to start a child pwsh (packing a module with PSResourceGet).</summary>
    public IReadOnlyList<string>? PowerShell { get; init; }
    /// <summary>Treat the checks' warnings as errors, as twine check --strict does (-Strict; else [tool.x0tta6bl4.packages] strict).</summary>
    public bool? Strict { get; init; }
    /// <summary>Build-X0Package or a release: decides the next step a refusal names.</summary>
    public PackagePurpose Purpose { get; init; } = PackagePurpose.Release;
    /// <summary>The process environment (tests pass their own).</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
    /// <summary>The HTTP handler under every index client (tests, proxies).</summary>
    public Func<HttpMessageHandler>? Handler { get; init; }
}
