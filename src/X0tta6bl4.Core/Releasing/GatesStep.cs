using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Releasing;

/// <summary>The quality gates on the tagged commit; a failure stops the release before anything is published.</summary>
public sealed class GatesStep : ReleaseStep
{
    private readonly IQualityGates _gates;

    public GatesStep(IQualityGates gates) => _gates = gates;

    public override string Name => "Gates";

    public override Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        if (state.Request.SkipTests)
        {
            return Task.FromResult(StepPlan.Skip("-SkipTests: the gates were not run for this release"));
        }
        if (state.PreviousRecord?.GatesPassedAt == state.Commit)
        {
            var r = state.PreviousRecord;
            state.Gates = new GateSummary(true, r.GatesPassed ?? 0, r.GatesFailed ?? 0, r.GatesSkipped ?? 0, r.GatesSummary ?? "passed earlier", r.GatesLineCoverage);
            return Task.FromResult(StepPlan.AlreadyDone($"passed on {state.Commit[..12]} in an earlier run ({state.PreviousRecord.GatesSummary})"));
        }
        // Running tests changes nothing outside the working tree's artifacts: no confirmation, and
        // -WhatIf reports it as planned without running it.
        var reports = state.Request.TestReports.Count > 0 ? state.Request.TestReports : ConfiguredReports(state);
        return Task.FromResult(new StepPlan(StepStatus.Planned,
            reports.Count > 0 ? $"gate {state.Commit[..12]} on the reports {string.Join(", ", reports)}" : $"run the quality gates on {state.Commit[..12]}",
            ConfirmTarget: state.Config.Root, ConfirmAction: "Run the quality gates"));
    }

    /// <summary>test_reports in [tool.x0tta6bl4]: the release gates on an earlier job's reports.</summary>
    internal static IReadOnlyList<string> ConfiguredReports(ReleaseState state) =>
        state.Config.Settings.TryGetValue(Testing.GateSettings.TestReportsKey, out var v)
            ? v switch
            {
                Tomlyn.Model.TomlArray a => a.OfType<string>().ToList(),
                string s => [s],
                _ => throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData, $"{Testing.GateSettings.TestReportsKey} as a list of report paths or globs",
                    v?.GetType().Name ?? "nothing", "Write test_reports = [\"artifacts/**/junit.xml\", \"artifacts/**/coverage.xml\"]", state.Config.Root),
            }
            : Array.Empty<string>();

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var summary = await _gates.RunAsync(state.Config.Root, Path.Combine(state.OutputDirectory, "gates"),
            new ReleaseGateOptions(state.Request.TestReports.Count > 0 ? state.Request.TestReports : ConfiguredReports(state), state.Request.OptionalGates), context).ConfigureAwait(false);
        state.Gates = summary;
        if (!summary.Succeeded)
        {
            throw new X0Exception(ErrorIds.GatesFailed, X0ErrorCategory.InvalidResult,
                "every quality gate to pass before publishing", summary.Summary,
                "Fix the failures (Invoke-X0Test shows them as objects) and publish again; nothing was published", state.Tag);
        }
        return summary.Summary;
    }
}
