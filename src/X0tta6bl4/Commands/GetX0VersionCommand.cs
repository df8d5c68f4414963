using System.Management.Automation;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Gets the project's version, every file it is read from and why, the last release tag and the next version -Auto would choose.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "X0Version")]
[OutputType(typeof(X0VersionInfo))]
public sealed class GetX0VersionCommand : X0Cmdlet
{
    /// <summary>Project root (default: the current location). Binds from FullName/Path of piped objects.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var root = string.IsNullOrEmpty(Path)
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(Path);
        RunWorker(scope => RunAsync(scope, root));
    }

    private static async Task RunAsync(WorkerScope scope, string root)
    {
        scope.Run.Path = root;
        var report = await new GetVersion().RunAsync(root, scope.Context).ConfigureAwait(false);
        scope.Run.Version = report.Version;
        scope.Run.Summary = report.NextVersion is null ? $"{report.Version}, no release" : $"{report.Version}, next {report.NextVersion}";
        scope.WriteObject(new X0VersionInfo
        {
            Path = report.ProjectRoot,
            Version = report.Version,
            Sources = report.Sources.Select(s => new X0VersionSource { Path = s.Path, Anchor = s.Anchor, Written = s.Written, Reason = s.Reason }).ToArray(),
            TagSource = report.TagSource,
            ConfigSources = report.ConfigSources.ToArray(),
            TagFormat = report.TagFormat,
            LastReleaseTag = report.LastReleaseTag,
            NextVersion = report.NextVersion,
            NextTag = report.NextTag,
            Level = report.Level,
            Reason = report.Reason,
            AlreadyBumped = report.AlreadyBumped,
        });
    }
}
