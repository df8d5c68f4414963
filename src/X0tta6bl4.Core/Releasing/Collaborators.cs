namespace X0tta6bl4.Core.Releasing;

/// <summary>Produces the release notes for a tag (the Conventional Commits engine behind it).</summary>
public interface IReleaseNotesSource
{
    /// <summary>Notes for the range previous release tag → <paramref name="tag"/>.</summary>
    Task<ReleaseNotes> GetNotesAsync(string repositoryRoot, string tag, CancellationToken cancellation);
}

/// <summary>Runs the project's quality gates (the Invoke-X0Test engine behind it).</summary>
public interface IQualityGates
{
    /// <param name="outputDirectory">Where the gates' reports (junit.xml, coverage.xml) go.</param>
    Task<GateSummary> RunAsync(string projectRoot, string outputDirectory, Diagnostics.X0Context context);

    /// <summary>The gates as a release runs them: strict (a gate that cannot run fails unless optional), or read from earlier reports.</summary>
    Task<GateSummary> RunAsync(string projectRoot, string outputDirectory, ReleaseGateOptions options, Diagnostics.X0Context context) =>
        RunAsync(projectRoot, outputDirectory, context);
}

/// <summary>How a release gates: on reports from an earlier job, and which gates may be absent.</summary>
/// <param name="TestReports">Report files or globs relative to the project; empty = run the gates.</param>
/// <param name="OptionalGates">Gate names (test, lint, type, format, coverage, all) whose tool may be missing.</param>
public sealed record ReleaseGateOptions(IReadOnlyList<string> TestReports, IReadOnlyList<string> OptionalGates);

/// <summary>A release on GitHub as the API reports it.</summary>
public sealed record GitHubReleaseInfo(
    long Id,
    string TagName,
    bool Draft,
    bool Prerelease,
    string HtmlUrl,
    string? Body,
    IReadOnlyList<GitHubAssetInfo> Assets,
    bool Immutable = false)
{
    /// <summary>The upload URL template GitHub returns (uploads.github.com on github.com).</summary>
    public string? UploadUrl { get; init; }
}

/// <summary>An asset on a GitHub release. <see cref="State"/> is "uploaded", or "open" (the published description; "starter" has been seen too) for an upload under way or cut off.</summary>
public sealed record GitHubAssetInfo(long Id, string Name, long Size, string State, string? Digest, string DownloadUrl);

/// <summary>What the token may do on the repository, as far as the API tells.</summary>
public sealed record GitHubPermissions(bool CanWriteContents, string Evidence);

/// <summary>
/// The GitHub release operations a release needs, owned by Core so the reconcile logic is tested
/// against a contract-checked stand-in and adapters (Octokit) stay replaceable.
/// </summary>
public interface IGitHubReleaseGateway
{
    Task<GitHubPermissions> GetPermissionsAsync(string repository, CancellationToken cancellation);
    /// <summary>Every release (published or draft) whose tag is <paramref name="tag"/>, oldest first. Drafts are invisible to get-by-tag, so this lists.</summary>
    Task<IReadOnlyList<GitHubReleaseInfo>> FindReleasesAsync(string repository, string tag, CancellationToken cancellation);
    Task<GitHubReleaseInfo> CreateDraftAsync(string repository, string tag, string name, string body, bool prerelease, CancellationToken cancellation);
    Task<GitHubAssetInfo> UploadAssetAsync(string repository, GitHubReleaseInfo release, ReleaseAsset asset, IProgress<long>? progress, CancellationToken cancellation);
    Task DeleteAssetAsync(string repository, long assetId, CancellationToken cancellation);
    /// <summary>SHA-256 (hex) of an asset's bytes: from the API's digest when it gives one, else by download.</summary>
    Task<string> GetAssetSha256Async(string repository, GitHubAssetInfo asset, CancellationToken cancellation);
    /// <summary>Changes a release (PATCH): its body, draft state (false publishes it) and pre-release flag; null leaves a field as it is.</summary>
    Task<GitHubReleaseInfo> UpdateReleaseAsync(string repository, long releaseId, GitHubReleaseUpdate update, CancellationToken cancellation);
    Task DeleteReleaseAsync(string repository, long releaseId, CancellationToken cancellation);
}

/// <summary>The fields of a release update; null fields are not sent.</summary>
public sealed record GitHubReleaseUpdate(string? Body = null, bool? Draft = null, bool? Prerelease = null);
