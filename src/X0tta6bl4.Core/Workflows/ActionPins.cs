namespace X0tta6bl4.Core.Workflows;

/// <summary>A third-party action pinned to the full commit of a release tag, with the tag as a comment.</summary>
public sealed record PinnedAction(string Repository, string Sha, string Tag)
{
    /// <summary>The value of a step's <c>uses:</c> (<c>actions/checkout@3d3c…  # v7.0.1</c>).</summary>
    public string Uses => $"{Repository}@{Sha} # {Tag}";
}

/// <summary>
/// The actions generated workflows use, each pinned to the commit its release tag names (read from the
/// actions' own repositories): a tag can be moved, a commit cannot. Dependabot and Renovate understand
/// the <c>@sha # vX.Y.Z</c> form and keep it current.
/// </summary>
public static class ActionPins
{
    public static readonly PinnedAction Checkout = new("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1");
    public static readonly PinnedAction SetupPython = new("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0");
    public static readonly PinnedAction SetupDotNet = new("actions/setup-dotnet", "a98b56852c35b8e3190ac28c8c2271da59106c68", "v6.0.0");
    public static readonly PinnedAction UploadArtifact = new("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0");
    public static readonly PinnedAction Cache = new("actions/cache", "27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5");

    /// <summary>The repository of x0tta6bl4's own setup action (action.yml at its root).</summary>
    public const string SetupRepository = "x0tta6bl4/x0tta6bl4";

    /// <summary>The default reference of the setup action for a module version: its release tag.</summary>
    public static string SetupUses(string moduleVersion) => $"{SetupRepository}@v{moduleVersion}";
}
