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
    public const string GitCommandFailed = "X0.GitCommandFailed";
    public const string NothingToCommit = "X0.NothingToCommit";

    // Commits and notes
    public const string NonConventionalCommits = "X0.NonConventionalCommits";
    public const string TagNotFound = "X0.TagNotFound";

    // Hosting
    public const string NativeLibraryMissing = "X0.NativeLibraryMissing";

    // Generic
    public const string Cancelled = "X0.Cancelled";
    public const string Unexpected = "X0.Unexpected";
}
