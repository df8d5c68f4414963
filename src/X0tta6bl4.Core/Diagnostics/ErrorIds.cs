namespace X0tta6bl4.Core.Diagnostics;

/// <summary>
/// Stable error identifiers. They end up in ErrorRecord.FullyQualifiedErrorId, are matched by user
/// scripts and pinned by tests: add new ones, never rename.
/// </summary>
public static class ErrorIds
{
    // Input and configuration
    public const string PathNotFound = "X0.PathNotFound";
    public const string NotAGitRepository = "X0.NotAGitRepository";
    public const string ConfigInvalid = "X0.ConfigInvalid";
    public const string InvalidVersion = "X0.InvalidVersion";
    public const string InvalidBump = "X0.InvalidBump";

    // Version files
    public const string NoVersionFiles = "X0.NoVersionFiles";
    public const string VersionMismatch = "X0.VersionMismatch";
    public const string PatternNotFound = "X0.PatternNotFound";
    public const string PatternAmbiguous = "X0.PatternAmbiguous";
    public const string FileEncodingUnsupported = "X0.FileEncodingUnsupported";
    public const string FileWriteFailed = "X0.FileWriteFailed";

    // Git state
    public const string DirtyWorkingTree = "X0.DirtyWorkingTree";
    public const string DetachedHead = "X0.DetachedHead";
    public const string ShallowClone = "X0.ShallowClone";
    public const string TagsMissing = "X0.TagsMissing";
    public const string TagExists = "X0.TagExists";
    public const string TagExistsOnRemote = "X0.TagExistsOnRemote";
    public const string BranchBehindRemote = "X0.BranchBehindRemote";
    public const string RemoteNotFound = "X0.RemoteNotFound";
    public const string PushRejected = "X0.PushRejected";
    public const string RemoteMovedOn = "X0.RemoteMovedOn";
    public const string ReleaseNotPushed = "X0.ReleaseNotPushed";
    public const string GitCommandFailed = "X0.GitCommandFailed";
    public const string NothingToCommit = "X0.NothingToCommit";

    // Quality gates (Invoke-X0Test)
    public const string NotAProject = "X0.NotAProject";
    public const string GatesFailed = "X0.GatesFailed";
    public const string ToolNotAvailable = "X0.ToolNotAvailable";
    public const string ReportMalformed = "X0.ReportMalformed";
    public const string NoGateRan = "X0.NoGateRan";
    public const string ReportNotFound = "X0.ReportNotFound";
    // Container images
    public const string DockerUnavailable = "X0.DockerUnavailable";
    public const string DockerApiUnsupported = "X0.DockerApiUnsupported";
    public const string DockerfileNotFound = "X0.DockerfileNotFound";
    public const string BuildContextInvalid = "X0.BuildContextInvalid";
    public const string BuildContextLinkEscapes = "X0.BuildContextLinkEscapes";
    public const string ImageBuildFailed = "X0.ImageBuildFailed";
    public const string ImageTagsEmpty = "X0.ImageTagsEmpty";
    public const string ImageTagInvalid = "X0.ImageTagInvalid";
    public const string ImageRepositoryUnknown = "X0.ImageRepositoryUnknown";
    public const string ImageNotFound = "X0.ImageNotFound";
    public const string ImagePushFailed = "X0.ImagePushFailed";
    public const string ImageDigestMismatch = "X0.ImageDigestMismatch";
    public const string ImageSecretMissing = "X0.ImageSecretMissing";
    public const string DockerfileSyntaxUnsupported = "X0.DockerfileSyntaxUnsupported";
    public const string ImagePlatformUnsupported = "X0.ImagePlatformUnsupported";
    public const string RegistryAuthenticationFailed = "X0.RegistryAuthenticationFailed";
    public const string RegistryPermissionDenied = "X0.RegistryPermissionDenied";
    public const string RegistryUnavailable = "X0.RegistryUnavailable";
    public const string RegistryProtocolError = "X0.RegistryProtocolError";
    public const string CredentialHelperFailed = "X0.CredentialHelperFailed";
    // Commits and notes
    public const string NonConventionalCommits = "X0.NonConventionalCommits";
    public const string TagNotFound = "X0.TagNotFound";

    // Workflows (New-X0Workflow)
    public const string WorkflowEdited = "X0.WorkflowEdited";

    // Hosting
    public const string NativeLibraryMissing = "X0.NativeLibraryMissing";

    // Generic
    public const string Cancelled = "X0.Cancelled";
    public const string Unexpected = "X0.Unexpected";

    // Added later (append only)
    /// <summary>Parameters that contradict each other or the configuration (same ID the error-record factory uses for ArgumentException).</summary>
    public const string InvalidArgument = "X0.InvalidArgument";
    /// <summary>HEAD moved between planning and applying a change (another commit, a checkout, a -Confirm pause).</summary>
    public const string HeadMoved = "X0.HeadMoved";
    // GitHub
    public const string GitHubAuthenticationFailed = "X0.GitHubAuthenticationFailed";
    public const string GitHubPermissionDenied = "X0.GitHubPermissionDenied";
    public const string GitHubNotFound = "X0.GitHubNotFound";
    public const string GitHubRequestInvalid = "X0.GitHubRequestInvalid";
    public const string GitHubRateLimited = "X0.GitHubRateLimited";
    public const string GitHubServerError = "X0.GitHubServerError";
    public const string GitHubUnreachable = "X0.GitHubUnreachable";
    public const string GitHubRepositoryUnknown = "X0.GitHubRepositoryUnknown";
    public const string GitHubWorkflowNotFound = "X0.GitHubWorkflowNotFound";

    // Runs
    public const string RunNotFound = "X0.RunNotFound";
    public const string RunLogUnavailable = "X0.RunLogUnavailable";
    public const string RunStoreUnavailable = "X0.RunStoreUnavailable";
    public const string RunWaitTimeout = "X0.RunWaitTimeout";
    public const string RunSourceMismatch = "X0.RunSourceMismatch";

    // Releases (Publish-X0Release)
    public const string ReleaseTagNotFound = "X0.ReleaseTagNotFound";
    public const string ReleaseNotAtHead = "X0.ReleaseNotAtHead";
    public const string ChangelogMissingVersion = "X0.ChangelogMissingVersion";
    public const string NotesEmpty = "X0.NotesEmpty";
    public const string AssetNotFound = "X0.AssetNotFound";
    public const string AssetDiffers = "X0.AssetDiffers";
    public const string PermissionMissing = "X0.PermissionMissing";
    /// <summary>Another run holds the draft of the same release (its lease) longer than -MaxWait.</summary>
    public const string ReleaseInProgress = "X0.ReleaseInProgress";
    /// <summary>A published immutable release lacks an asset or holds a broken one: it can no longer be changed.</summary>
    public const string ReleaseImmutable = "X0.ReleaseImmutable";

    // Packages (build, validate, publish to PyPI / NuGet feeds / the PowerShell Gallery)
    public const string PackageBuildFailed = "X0.PackageBuildFailed";
    public const string PackageInvalid = "X0.PackageInvalid";
    /// <summary>PyPI: the file name is taken by other bytes (PyPI never allows a file name to be reused).</summary>
    public const string PackageFileReused = "X0.PackageFileReused";
    /// <summary>NuGet / Gallery: the version exists with other content.</summary>
    public const string PackageVersionExists = "X0.PackageVersionExists";
    public const string PackageIndexAuthenticationFailed = "X0.PackageIndexAuthenticationFailed";
    /// <summary>The index refuses the distribution name: another account's project, or too similar to one.</summary>
    public const string PackageNameConflict = "X0.PackageNameConflict";
    public const string PackageIndexRejected = "X0.PackageIndexRejected";
    public const string PackageIndexUnavailable = "X0.PackageIndexUnavailable";
    public const string PackageCredentialMissing = "X0.PackageCredentialMissing";
    /// <summary>Trusted publishing: the job has no OIDC token (permissions: id-token: write).</summary>
    public const string TrustedPublishingUnavailable = "X0.TrustedPublishingUnavailable";
    /// <summary>Trusted publishing: the index knows no publisher for these claims (invalid-publisher).</summary>
    public const string TrustedPublisherNotRegistered = "X0.TrustedPublisherNotRegistered";
    public const string PackageRepositoryUnknown = "X0.PackageRepositoryUnknown";
}
