using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Testing;

namespace X0tta6bl4.Core.Releasing;

/// <summary>The real engines behind a release: Conventional Commits notes, the quality gates, GitHub over HTTP.</summary>
public static class ReleaseCollaboratorsFactory
{
    public const string TokenSecretKey = "github_token_secret";

    /// <param name="powerShell">How to start a child pwsh for PowerShell projects' gates (the cmdlet knows its host).</param>
    public static ReleaseCollaborators Create(X0Context context, TimeSpan maxWait, IReadOnlyList<string>? powerShell = null,
        Func<HttpMessageHandler>? innerHandler = null, IReadOnlyList<ReleaseStep>? extraSteps = null,
        Packages.PackageReleaseOptions? packages = null) => new()
    {
        BuildSteps = packages is null ? Array.Empty<ReleaseStep>() : PackageSteps.Build(packages),
        PublishSteps = packages is null ? Array.Empty<ReleaseStep>() : PackageSteps.Publish(packages),
        Notes = new ConventionalNotesSource(context),
        Gates = new TestGateAdapter(powerShell is { Count: > 0 } ? new ToolCommand(powerShell[0], powerShell.Skip(1).ToArray()) : null),
        GitHub = (api, token) => new HttpReleaseGateway(
            GitHubOptions.Resolve(api.AbsoluteUri, token, ProcessEnvironment.Snapshot(), maxWait, innerHandler), context),
        ExtraSteps = extraSteps ?? Array.Empty<ReleaseStep>(),
    };

    /// <summary>The SecretManagement secret that holds the GitHub token, when configured.</summary>
    public static string? TokenSecretName(string root) =>
        ConfigLoader.Load(root).Settings.TryGetValue(TokenSecretKey, out var v) ? v as string : null;

    private sealed class ConventionalNotesSource(X0Context context) : IReleaseNotesSource
    {
        public Task<ReleaseNotes> GetNotesAsync(string repositoryRoot, string tag, CancellationToken cancellation) => Task.Run(() =>
        {
            var rendered = new GetReleaseNotes().Run(new ReleaseNotesRequest { Path = repositoryRoot, Tag = tag }, context).First();
            var note = rendered.Note;
            // What a reader sees: hidden sections (chore, ci, …) do not make notes, and a breaking feat counts once.
            var breaking = new HashSet<Notes.NoteEntry>(note.Breaking, ReferenceEqualityComparer.Instance);
            var shown = breaking.Count + note.Sections.Where(s => !s.Hidden).Sum(s => s.Entries.Count(e => !breaking.Contains(e)))
                        + (note.ShowOther ? note.NonConventional.Count : 0);
            return new ReleaseNotes(rendered.Markdown, note.PreviousTag, shown);
        }, cancellation);
    }

    private sealed class TestGateAdapter(ToolCommand? powerShell) : IQualityGates
    {
        public Task<GateSummary> RunAsync(string projectRoot, string outputDirectory, X0Context context) =>
            RunAsync(projectRoot, outputDirectory, new ReleaseGateOptions(Array.Empty<string>(), Array.Empty<string>()), context);

        /// <summary>Strict, as a release must be: a gate that could not run fails it, unless the user made it optional.</summary>
        public async Task<GateSummary> RunAsync(string projectRoot, string outputDirectory, ReleaseGateOptions options, X0Context context)
        {
            var optional = options.OptionalGates.Count == 0 ? null : GateSettings.ParseGateNames(options.OptionalGates, "-OptionalGate");
            TestRunResult result;
            if (options.TestReports.Count > 0)
            {
                var files = TestReportImport.Expand(projectRoot, options.TestReports);
                if (files.Count == 0)
                {
                    throw new X0Exception(ErrorIds.ReportNotFound, X0ErrorCategory.ObjectNotFound,
                        $"test reports matching {string.Join(", ", options.TestReports)} under {projectRoot}", "no file",
                        "Download the test job's reports there first, or pass -TestReport with their paths; -SkipTests releases without gates", projectRoot);
                }
                var threshold = GateSettings.LoadThreshold(projectRoot);
                result = await TestReportImport.ImportAsync(new TestReportImportRequest
                {
                    Files = files,
                    BasePath = projectRoot,
                    CoverageThreshold = threshold,
                    OutputDirectory = outputDirectory,
                }, context).ConfigureAwait(false);
            }
            else
            {
                result = await new TestGateRunner().RunAsync(new TestGateRequest
                {
                    Path = projectRoot,
                    OutputDirectory = outputDirectory,
                    PowerShell = powerShell,
                    Strict = true,
                    OptionalGates = optional?.ToList(),
                }, context).ConfigureAwait(false);
            }
            var t = result.Tests;
            var gates = string.Join(", ", result.Gates.Select(g => $"{g.Gate}{(g.Variant is null ? "" : " " + g.Variant)} {g.Status}"));
            var coverage = result.Coverage?.LinePercent;
            var text = $"{t.Passed} passed, {t.Failed + t.Errors} failed, {t.Skipped} skipped" +
                       (coverage is null ? "" : $", line coverage {coverage:0.#} %") + $" ({gates})";
            if (result.NothingRan)
            {
                text = "no gate ran; " + text;
            }
            if (!result.Succeeded)
            {
                var problem = result.Problems.FirstOrDefault(p => p.ErrorId is ErrorIds.ToolNotAvailable or ErrorIds.NoGateRan or ErrorIds.ReportMalformed);
                if (problem is not null) text += "; " + problem.Message;
                var first = result.Failures.FirstOrDefault();
                var failedGates = result.Gates.Where(g => g.Status is GateStatus.Failed or GateStatus.NotAvailable)
                    .Select(g => $"{g.Gate} ({g.Tool}): {g.Message}");
                text += "; failing: " + string.Join("; ", failedGates) + (first is null ? "" : $"; first failure: {first.Suite}.{first.Test}: {first.Message}");
            }
            return new GateSummary(result.Succeeded, t.Passed, t.Failed + t.Errors, t.Skipped, text, coverage);
        }
    }
}
