using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Releasing;

namespace X0tta6bl4.Core.Operations;

/// <summary>What a release run produced.</summary>
public sealed record PublishReleaseResult(
    string Version,
    string Tag,
    string Commit,
    string? Repository,
    string? Url,
    bool Draft,
    bool Prerelease,
    string? Notes,
    string OutputDirectory,
    IReadOnlyList<StepResult> Steps,
    IReadOnlyList<ReleaseAsset> Assets,
    GateSummary? Gates,
    bool TestsSkipped,
    IReadOnlyList<ReleaseImage>? Images = null)
{
    /// <summary>The packages of the release (built, checked, published by the package steps).</summary>
    public IReadOnlyList<Packages.BuiltPackage> Packages { get; init; } = Array.Empty<Packages.BuiltPackage>();

    public bool Succeeded => Steps.All(s => s.Status != StepStatus.Failed);
    public StepResult? FirstFailure => Steps.FirstOrDefault(s => s.Status == StepStatus.Failed);
}

/// <summary>Creates the collaborators a release needs; the defaults are the real engines.</summary>
public sealed class ReleaseCollaborators
{
    public required IReleaseNotesSource Notes { get; init; }
    public required IQualityGates Gates { get; init; }
    /// <summary>Builds a GitHub gateway for an API base and token.</summary>
    public required Func<Uri, string, IGitHubReleaseGateway> GitHub { get; init; }
    /// <summary>Steps that produce files for the release (packages), run after the notes and before the assets.</summary>
    public IReadOnlyList<ReleaseStep> BuildSteps { get; init; } = Array.Empty<ReleaseStep>();
    /// <summary>Steps that publish to package indexes, run before the GitHub release announces the version.</summary>
    public IReadOnlyList<ReleaseStep> PublishSteps { get; init; } = Array.Empty<ReleaseStep>();
    /// <summary>Further steps, run after the images and before the index uploads.</summary>
    public IReadOnlyList<ReleaseStep> ExtraSteps { get; init; } = Array.Empty<ReleaseStep>();
}

/// <summary>
/// The use case behind Publish-X0Release: a list of reconcile-then-act steps over one shared state.
/// Resumable by construction: every step reads the target's truth first, so a re-run after a failure
/// does only the missing work and a re-run after success changes nothing.
/// </summary>
public sealed class PublishRelease
{
    private readonly ReleaseCollaborators _collaborators;

    public PublishRelease(ReleaseCollaborators collaborators) => _collaborators = collaborators;

    public async Task<PublishReleaseResult> RunAsync(ReleaseRequest request, X0Context context, bool whatIf, ConfirmStep confirm)
    {
        var root = Path.GetFullPath(request.Path);
        if (!Directory.Exists(root))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound, "a project directory", $"no directory {root}",
                "Pass -Path with the project root", root);
        }
        var config = ConfigLoader.Load(root);
        foreach (var w in config.Warnings) context.Log.Warning(w);
        using var repository = LibGit2Repository.Open(root, request.Token);
        var state = new ReleaseState(request, config, repository);

        // Where the release goes: GitHub when the remote is a GitHub repository and a token exists.
        var enterpriseHosts = new List<string>();
        if (request.ApiUrl is not null && Uri.TryCreate(request.ApiUrl, UriKind.Absolute, out var api)) enterpriseHosts.Add(api.Host);
        var serverUrl = Environment.GetEnvironmentVariable("GITHUB_SERVER_URL");
        if (serverUrl is not null && Uri.TryCreate(serverUrl, UriKind.Absolute, out var server)) enterpriseHosts.Add(server.Host);
        var remoteUrl = repository.GetRemoteUrl(request.Remote);
        var remote = request.Repository is { } explicitRepo
            ? ParseOwnerName(explicitRepo)
            : GitHubRemote.TryParse(remoteUrl, enterpriseHosts);

        IGitHubReleaseGateway? github = null;
        string? skipReason = null;
        if (remote is null)
        {
            skipReason = remoteUrl is null
                ? $"no '{request.Remote}' remote: the release was produced locally"
                : $"'{request.Remote}' ({remoteUrl}) is not a GitHub repository: the release was produced locally";
        }
        else if (string.IsNullOrWhiteSpace(request.Token))
        {
            skipReason = $"no token for {remote.Repository} (set GITHUB_TOKEN or pass -Token): the release was produced locally";
            context.Log.Warning($"No GitHub token: the GitHub release of {remote.Repository} is skipped, not published.");
        }
        else
        {
            var apiBase = request.ApiUrl is not null ? new Uri(request.ApiUrl.TrimEnd('/') + "/")
                : Environment.GetEnvironmentVariable("GITHUB_API_URL") is { Length: > 0 } envApi && remote.Host == new Uri(serverUrl ?? "https://github.com").Host
                    ? new Uri(envApi.TrimEnd('/') + "/")
                    : remote.ApiUrl;
            github = _collaborators.GitHub(apiBase, request.Token!);
            state.GitHubRepository = remote.Repository;
        }

        var steps = new List<ReleaseStep>
        {
            new PreflightStep(_collaborators.Notes, github),
            new GatesStep(_collaborators.Gates),
            new NotesStep(),
        };
        steps.AddRange(_collaborators.BuildSteps);
        // Nothing public names the version before the gates passed and the packages were checked.
        steps.Add(new PushStep());
        steps.Add(new AssetsStep());
        steps.Add(new ImagesStep());
        steps.AddRange(_collaborators.ExtraSteps);
        // Index uploads and every other target go out before the GitHub release is published, so a
        // published release always means everything it announces exists.
        steps.AddRange(_collaborators.PublishSteps);
        steps.Add(new GitHubReleaseStep(github, skipReason));

        IReadOnlyList<StepResult> results;
        try
        {
            results = await ReleaseRunner.RunAsync(steps, state, context, whatIf, confirm).ConfigureAwait(false);
        }
        finally
        {
            (github as IDisposable)?.Dispose();
        }

        // A run stopped by the read-only preflight changed nothing, so it leaves nothing behind either.
        var preflightOnly = results.Count > 0 && results[0].Status == StepStatus.Failed && results.Skip(1).All(r => r.Status == StepStatus.Skipped);
        if (!whatIf && state.Tag.Length > 0 && state.OutputDirectory.Length > 0 && !(preflightOnly && state.PreviousRecord is null))
        {
            var record = state.PreviousRecord ?? new ReleaseRecord();
            record.Tag = state.Tag;
            record.Commit = state.Commit;
            var gates = results.FirstOrDefault(r => r.Name == "Gates");
            if (gates?.Status is StepStatus.Done && state.Gates?.Succeeded == true)
            {
                record.GatesPassedAt = state.Commit;
                record.GatesSummary = state.Gates.Summary;
                record.GatesPassed = state.Gates.Passed;
                record.GatesFailed = state.Gates.Failed;
                record.GatesSkipped = state.Gates.Skipped;
                record.GatesLineCoverage = state.Gates.LineCoverage;
            }
            record.Completed = results.All(r => r.Status is StepStatus.Done or StepStatus.AlreadyDone or StepStatus.Skipped)
                               && results.All(r => !r.Detail.StartsWith("declined", StringComparison.Ordinal));
            if (record.Completed) record.CompletedAt ??= DateTimeOffset.UtcNow;
            record.ReleaseUrl = state.ReleaseUrl ?? record.ReleaseUrl;
            try
            {
                record.Save(state.OutputDirectory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Log.Warning($"Could not write the release record in {state.OutputDirectory}: {ex.Message}");
            }
        }

        return new PublishReleaseResult(state.VersionText, state.Tag, state.Commit, state.GitHubRepository, state.ReleaseUrl,
            Draft: state.GitHubRepository is not null && !state.Published, state.IsPrerelease, state.Notes?.Markdown,
            state.OutputDirectory, results, state.Assets.ToList(), state.Gates, request.SkipTests, state.Images.ToList())
        {
            Packages = state.Packages.ToList(),
        };
    }

    private static GitHubRemote ParseOwnerName(string repository)
    {
        var parts = repository.Split('/');
        if (parts.Length != 2 || parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidArgument, "-Repository as owner/name",
                $"'{repository}'", "Pass -Repository like x0tta6bl4/x0tta6bl4", repository);
        }
        return new GitHubRemote("github.com", parts[0], parts[1]);
    }
}
