using System.Diagnostics;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Releasing;

/// <summary>Where a release step ended.</summary>
public enum StepStatus
{
    /// <summary>-WhatIf: the step would do <see cref="StepResult.Detail"/>.</summary>
    Planned,
    /// <summary>The step did its work in this run.</summary>
    Done,
    /// <summary>The target already held what the step would produce; nothing was changed.</summary>
    AlreadyDone,
    /// <summary>Not applicable (no token, -SkipTests, an earlier failure, declined at -Confirm).</summary>
    Skipped,
    Failed,
}

/// <summary>What reconciliation found: nothing missing, something to do, or a reason to skip.</summary>
public sealed record StepPlan(StepStatus Outcome, string Detail, string? ConfirmTarget = null, string? ConfirmAction = null)
{
    public static StepPlan AlreadyDone(string detail) => new(StepStatus.AlreadyDone, detail);
    public static StepPlan Skip(string reason) => new(StepStatus.Skipped, reason);
    /// <summary>A read-only step that did all it had to while reconciling (checks).</summary>
    public static StepPlan Checked(string detail) => new(StepStatus.Done, detail);
    /// <summary>Work is missing; <paramref name="target"/>/<paramref name="action"/> feed ShouldProcess.</summary>
    public static StepPlan Todo(string detail, string target, string action) => new(StepStatus.Planned, detail, target, action);
    /// <summary>Work that changes nothing outside the process (computation); never asks for confirmation.</summary>
    public static StepPlan Compute(string detail) => new(StepStatus.Planned, detail);
}

/// <summary>How applying a plan ended: normally Done; AlreadyDone when the step found, while acting, that someone else had done the work.</summary>
public sealed record StepApplied(StepStatus Status, string Detail);

/// <summary>The record of one step, as it appears on the release object.</summary>
public sealed record StepResult(string Name, StepStatus Status, string Detail, TimeSpan Duration, X0Exception? Error = null);

/// <summary>
/// One step of a release with the reconcile-then-act contract: <see cref="ReconcileAsync"/> reads the
/// target's truth (read-only, runs under -WhatIf too) and says what is missing; <see cref="ApplyAsync"/>
/// does only that. A re-run after success reconciles to AlreadyDone everywhere and changes nothing.
/// Later targets (packages, images) plug in as further steps.
/// </summary>
public abstract class ReleaseStep
{
    public abstract string Name { get; }

    public abstract Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context);

    /// <summary>Does the missing work and returns a one-line account of it.</summary>
    public abstract Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context);

    /// <summary>
    /// What the runner calls: <see cref="ApplyAsync"/> reported as Done. A step whose work can turn out to
    /// be done by someone else meanwhile (another run publishing the same release) overrides this.
    /// </summary>
    public virtual async Task<StepApplied> ApplyWithStatusAsync(ReleaseState state, StepPlan plan, X0Context context) =>
        new(StepStatus.Done, await ApplyAsync(state, plan, context).ConfigureAwait(false));
}

/// <summary>Asks the user (ShouldProcess) before a step changes something.</summary>
public delegate Task<bool> ConfirmStep(string target, string action);

/// <summary>
/// Runs steps in order. A failure stops the release: later steps are Skipped, so nothing is published
/// after a failed gate. Under -WhatIf every step reconciles (reads remote truth where credentials
/// allow) and reports Planned/AlreadyDone/Skipped without acting.
/// </summary>
public static class ReleaseRunner
{
    public static async Task<IReadOnlyList<StepResult>> RunAsync(IReadOnlyList<ReleaseStep> steps, ReleaseState state,
        X0Context context, bool whatIf, ConfirmStep confirm)
    {
        var results = new List<StepResult>();
        string? stoppedBy = null;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (stoppedBy is not null)
            {
                results.Add(new StepResult(step.Name, StepStatus.Skipped, $"not run: {stoppedBy} failed", TimeSpan.Zero));
                continue;
            }
            context.Cancellation.ThrowIfCancellationRequested();
            context.Progress.Report(new X0Progress("Publish-X0Release", $"{step.Name} ({i + 1}/{steps.Count})", i * 100 / steps.Count));
            var watch = Stopwatch.StartNew();
            try
            {
                var plan = await step.ReconcileAsync(state, context).ConfigureAwait(false);
                StepResult result;
                if (plan.Outcome is StepStatus.AlreadyDone or StepStatus.Skipped or StepStatus.Done)
                {
                    result = new StepResult(step.Name, plan.Outcome, plan.Detail, watch.Elapsed);
                }
                else if (whatIf && plan.ConfirmTarget is not null)
                {
                    result = new StepResult(step.Name, StepStatus.Planned, plan.Detail, watch.Elapsed);
                    // Let ShouldProcess print its "What if:" line for this step.
                    await confirm(plan.ConfirmTarget, plan.ConfirmAction ?? step.Name).ConfigureAwait(false);
                }
                else if (plan.ConfirmTarget is not null && !await confirm(plan.ConfirmTarget, plan.ConfirmAction ?? step.Name).ConfigureAwait(false))
                {
                    result = new StepResult(step.Name, StepStatus.Skipped, $"declined: {plan.Detail}", watch.Elapsed);
                    // Later steps depend on this one's output; stop rather than publish something partial.
                    stoppedBy = step.Name;
                }
                else
                {
                    var applied = await step.ApplyWithStatusAsync(state, plan, context).ConfigureAwait(false);
                    result = new StepResult(step.Name, whatIf ? StepStatus.Planned : applied.Status, applied.Detail, watch.Elapsed);
                }
                // Details end up on the output object and in summaries: an answer that echoed a token must not carry it there.
                result = result with { Detail = SecretRedactor.Redact(result.Detail) };
                context.Log.Verbose($"{step.Name}: {result.Status} — {result.Detail}");
                results.Add(result);
            }
            catch (X0Exception ex)
            {
                results.Add(new StepResult(step.Name, StepStatus.Failed, SecretRedactor.Redact(ex.Message), watch.Elapsed, ex));
                stoppedBy = step.Name;
            }
        }
        context.Progress.Report(new X0Progress("Publish-X0Release", "Done", 100, Completed: true));
        return results;
    }
}
