using System.Collections.Concurrent;
using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Commands;

/// <summary>
/// Base of every x0tta6bl4 cmdlet. Work runs off the pipeline thread; Core reports through
/// <see cref="IX0Log"/> / <see cref="IProgress{T}"/>, and a queue pumps those reports (and objects,
/// errors and ShouldProcess questions) back onto the pipeline thread, where PowerShell requires them.
/// Ctrl+C (StopProcessing) cancels the token Core works with.
/// </summary>
public abstract class X0Cmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stop = new();
    private BlockingCollection<Action>? _queue;
    private readonly HashSet<int> _openActivities = new();
    private static int _maskingInstalled;

    /// <summary>Cancelled by Ctrl+C / StopProcessing.</summary>
    protected CancellationToken StopToken => _stop.Token;

    protected override void BeginProcessing()
    {
        InstallActionsMasking();
    }

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>True under -WhatIf (bound, or inherited through $WhatIfPreference).</summary>
    protected bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound) && bound is SwitchParameter s)
        {
            return s.IsPresent;
        }
        return GetVariableValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true;
    }

    /// <summary>Runs <paramref name="work"/> on a worker thread while this thread pumps its reports.</summary>
    protected void RunWorker(Func<WorkerScope, Task> work)
    {
        using var queue = new BlockingCollection<Action>();
        _queue = queue;
        var scope = new WorkerScope(this, queue, _stop.Token);
        var task = Task.Run(async () =>
        {
            try
            {
                await work(scope).ConfigureAwait(false);
            }
            finally
            {
                queue.CompleteAdding();
            }
        });

        try
        {
            foreach (var action in queue.GetConsumingEnumerable(_stop.Token))
            {
                action();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Ctrl+C: let the worker finish its rollback (it observes the same token), then stop.
            WaitQuietly(task);
            throw new PipelineStoppedException();
        }
        catch (Exception)
        {
            // Downstream stopped the pipeline (Select-Object -First) or a write failed: stop the
            // worker the same way Ctrl+C would, let it clean up, and let the exception travel on.
            _stop.Cancel();
            WaitQuietly(task);
            throw;
        }
        finally
        {
            _queue = null;
            CompleteProgress();
        }

        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception ex)
        {
            WriteError(ErrorRecordFactory.Create(ex));
        }
    }

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // The worker's own failure is secondary to the reason the pipeline is stopping.
        }
    }

    private void CompleteProgress()
    {
        foreach (var id in _openActivities.ToList())
        {
            WriteProgress(new ProgressRecord(id, MyInvocation.MyCommand.Name, "Done") { RecordType = ProgressRecordType.Completed });
        }
        _openActivities.Clear();
    }

    internal void ReportProgress(X0Progress p)
    {
        var record = new ProgressRecord(p.Id, SecretRedactor.Redact(p.Activity), SecretRedactor.Redact(string.IsNullOrEmpty(p.Status) ? " " : p.Status))
        {
            PercentComplete = Math.Clamp(p.PercentComplete, -1, 100),
            ParentActivityId = p.ParentId,
            RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (p.CurrentOperation is not null) record.CurrentOperation = SecretRedactor.Redact(p.CurrentOperation);
        if (p.Completed) _openActivities.Remove(p.Id);
        else _openActivities.Add(p.Id);
        WriteProgress(record);
    }

    private static void InstallActionsMasking()
    {
        if (Interlocked.Exchange(ref _maskingInstalled, 1) == 0)
        {
            var actions = GitHubActions.FromProcess();
            if (actions.IsActive)
            {
                SecretRedactor.SecretRegistered += actions.AddMask;
            }
        }
    }

    /// <summary>What a worker may use: a Core context and pipeline-thread marshalling.</summary>
    protected sealed class WorkerScope : IX0Log, IProgress<X0Progress>
    {
        private readonly X0Cmdlet _cmdlet;
        private readonly BlockingCollection<Action> _queue;

        internal WorkerScope(X0Cmdlet cmdlet, BlockingCollection<Action> queue, CancellationToken cancellation)
        {
            _cmdlet = cmdlet;
            _queue = queue;
            Cancellation = cancellation;
            Context = new X0Context(this, this, cancellation);
        }

        public CancellationToken Cancellation { get; }
        public X0Context Context { get; }

        public void WriteObject(object value) => Post(() => _cmdlet.WriteObject(value));
        public void WriteError(Exception error, object? target = null) => Post(() => _cmdlet.WriteError(ErrorRecordFactory.Create(error, target)));

        /// <summary>Asks ShouldProcess on the pipeline thread and waits for the answer.</summary>
        public Task<bool> ShouldProcessAsync(string target, string action) =>
            Ask(() => _cmdlet.ShouldProcess(SecretRedactor.Redact(target), SecretRedactor.Redact(action)));

        /// <summary>ShouldProcess with the full text shown under -WhatIf (the plan) and the -Confirm caption.</summary>
        public Task<bool> ShouldProcessAsync(string whatIfText, string confirmText, string caption) =>
            Ask(() => _cmdlet.ShouldProcess(SecretRedactor.Redact(whatIfText), SecretRedactor.Redact(confirmText), caption));

        public void Verbose(string message) => Post(() => _cmdlet.WriteVerbose(SecretRedactor.Redact(message)));
        public void Debug(string message) => Post(() => _cmdlet.WriteDebug(SecretRedactor.Redact(message)));
        public void Warning(string message) => Post(() => _cmdlet.WriteWarning(SecretRedactor.Redact(message)));
        public void Information(string message) => Post(() => _cmdlet.WriteInformation(new InformationRecord(SecretRedactor.Redact(message), _cmdlet.MyInvocation.MyCommand.Name)));
        public void Report(X0Progress value) => Post(() => _cmdlet.ReportProgress(value with { Activity = value.Activity }));

        private Task<bool> Ask(Func<bool> question)
        {
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!TryPost(() =>
                {
                    try
                    {
                        answer.TrySetResult(question());
                    }
                    catch (Exception ex)
                    {
                        answer.TrySetException(ex);
                    }
                }))
            {
                answer.TrySetCanceled();
            }
            return answer.Task.WaitAsync(Cancellation);
        }

        private void Post(Action action) => TryPost(action);

        private bool TryPost(Action action)
        {
            try
            {
                _queue.Add(action);
                return true;
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
                // The pipeline has stopped; nothing can be written any more.
                return false;
            }
        }
    }
}
