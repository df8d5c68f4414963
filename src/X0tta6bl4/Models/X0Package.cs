namespace X0tta6bl4.Models;

/// <summary>A package of a release: Python (sdist + wheel), PowerShell (module nupkg) or DotNet (nupkg).</summary>
public sealed class X0Package
{
    public string Ecosystem { get; init; } = string.Empty;
    /// <summary>The name as the index knows it (PyPI project, NuGet/Gallery id).</summary>
    public string Name { get; init; } = string.Empty;
    /// <summary>The version as the index spells it (PEP 440 for Python, NuGet's for nupkgs).</summary>
    public string Version { get; init; } = string.Empty;
    public X0PackageFile[] Files { get; init; } = Array.Empty<X0PackageFile>();
    /// <summary>What the validation found (one line each).</summary>
    public string[] Checks { get; init; } = Array.Empty<string>();
    /// <summary>What the index accepts but twine check warns about; each was also written as a warning. -Strict makes them errors.</summary>
    public string[] Warnings { get; init; } = Array.Empty<string>();

    public override string ToString() => $"{Name} {Version}";
}

/// <summary>A built file with its digest; Kind is wheel, sdist or nupkg.</summary>
public sealed class X0PackageFile
{
    public string Name { get; init; } = string.Empty;
    public string Kind { get; init; } = string.Empty;
    public long Size { get; init; }
    public string Sha256 { get; init; } = string.Empty;
    public string Path { get; init; } = string.Empty;

    public override string ToString() => Name;
}
