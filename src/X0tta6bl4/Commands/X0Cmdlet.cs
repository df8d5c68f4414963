using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Runs;

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

    /// <summary>How to start another PowerShell like this one: pwsh itself, or "dotnet pwsh.dll" for the dotnet tool.</summary>
    protected string[]? PowerShellHostCommand()
    {
        var process = Environment.ProcessPath;
        var psHome = SessionState.PSVariable.GetValue("PSHOME") as string;
        if (process is null) return null;
        var name = System.IO.Path.GetFileNameWithoutExtension(process);
        if (name.Equals("pwsh", StringComparison.OrdinalIgnoreCase)) return new[] { process };
        if (psHome is not null)
        {
            var dll = System.IO.Path.Combine(psHome, "pwsh.dll");
            if (name.Equals("dotnet", StringComparison.OrdinalIgnoreCase) && File.Exists(dll)) return new[] { process, dll };
            var exe = System.IO.Path.Combine(psHome, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
            if (File.Exists(exe)) return new[] { exe };
        }
        return null;
    }

    /// <summary>True under -WhatIf (bound, or inherited through $WhatIfPreference).</summary>
    protected bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound) && bound is SwitchParameter s)
        {
            return s.IsPresent;
        }
        return GetVariableValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true;
    }

    /// <summary>
    /// The kind of run recorded in the local run store (Version, Test, Image, Release…). Default: the
    /// noun without its X0 prefix (Step-X0Version → Version).
    /// </summary>
    protected virtual string RunKind
    {
        get
        {
            var name = MyInvocation?.MyCommand?.Name ?? GetType().Name;
            var noun = name.Contains('-') ? name[(name.IndexOf('-') + 1)..] : name;
            return noun.StartsWith("X0", StringComparison.Ordinal) ? noun[2..] : noun;
        }
    }

    /// <summary>False for cmdlets whose runs are not worth keeping (queries of the run history itself).</summary>
    protected virtual bool RecordsRuns => true;

    /// <summary>Runs <paramref name="work"/> on a worker thread while this thread pumps its reports, then records the run.</summary>
    protected void RunWorker(Func<WorkerScope, Task> work)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var conclusion = "success";
        string? failure = null;
        var run = new RunDetails { Path = BoundPath() ?? CurrentDirectory() };
        try
        {
            RunWorkerCore(work, run, ref conclusion, ref failure);
        }
        finally
        {
            if (conclusion == "success" && run.ErrorCount > 0) conclusion = "failure";
            if (conclusion == "success" && run.Declined && !run.Acted) conclusion = "skipped";
            if (RecordsRuns) RecordRun(run, started, clock.Elapsed, conclusion, failure);
        }
    }

    private void RunWorkerCore(Func<WorkerScope, Task> work, RunDetails run, ref string conclusion, ref string? failure)
    {
        using var queue = new BlockingCollection<Action>();
        _queue = queue;
        var scope = new WorkerScope(this, queue, _stop.Token, run);
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
            conclusion = "cancelled";
            WaitQuietly(task);
            throw new PipelineStoppedException();
        }
        catch (Exception)
        {
            // Downstream stopped the pipeline (Select-Object -First) or a write failed: stop the
            // worker the same way Ctrl+C would, let it clean up, and let the exception travel on.
            conclusion = "cancelled";
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
            conclusion = "cancelled";
            throw new PipelineStoppedException();
        }
        catch (PipelineStoppedException)
        {
            conclusion = "cancelled";
            throw;
        }
        catch (Exception ex)
        {
            conclusion = "failure";
            failure = ex is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerException!.Message : ex.Message;
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

    /// <summary>
    /// The -Path the cmdlet was given, as a file-system path (whether or not it exists): the run is
    /// about that project, not about the current directory.
    /// </summary>
    private string? BoundPath()
    {
        if (MyInvocation?.BoundParameters.TryGetValue("Path", out var bound) != true) return null;
        var text = (bound is PSObject ps ? ps.BaseObject : bound) as string;
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return GetUnresolvedProviderPathFromPSPath(text);
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or NotSupportedException or ArgumentException)
        {
            return text;
        }
    }

    private string? CurrentDirectory()
    {
        try
        {
            return SessionState?.Path.CurrentFileSystemLocation.ProviderPath;
        }
        catch (Exception ex) when (ex is InvalidOperationException or PSInvalidOperationException or NullReferenceException)
        {
            return null;
        }
    }

    /// <summary>Adds this run to the local run store; a store that cannot be used costs a warning, never the cmdlet's result.</summary>
    private void RecordRun(RunDetails run, DateTimeOffset started, TimeSpan duration, string conclusion, string? failure)
    {
        try
        {
            var environment = ProcessEnvironment.Snapshot();
            var actions = environment.TryGetValue("GITHUB_ACTIONS", out var a) && string.Equals(a, "true", StringComparison.OrdinalIgnoreCase);
            var summary = conclusion == "failure" && failure is not null ? failure
                : run.Summary ?? (conclusion == "skipped" ? "not run (-WhatIf or declined)" : null);
            var entry = new LocalRunEntry
            {
                Kind = RunKind,
                Command = MyInvocation?.MyCommand?.Name ?? GetType().Name,
                Path = run.Path,
                Repository = run.Repository,
                Version = run.Version,
                Event = actions && environment.TryGetValue("GITHUB_EVENT_NAME", out var ev) && !string.IsNullOrEmpty(ev) ? ev : "local",
                Actor = actions && environment.TryGetValue("GITHUB_ACTOR", out var who) && !string.IsNullOrEmpty(who) ? who : Environment.UserName,
                Host = Environment.MachineName,
                ProcessId = Environment.ProcessId,
                StartedAt = started,
                Duration = duration,
                Status = "completed",
                Conclusion = conclusion,
                Summary = summary?.Split('\n')[0],
            };
            LocalRunRecorder.Record(entry, environment, new RecordingLog(this));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            SafeWarning("This run was not recorded in the local run store: " + SecretRedactor.Redact(ex.Message));
        }
    }

    private void SafeWarning(string message)
    {
        try
        {
            WriteWarning(SecretRedactor.Redact(message));
        }
        catch (Exception ex) when (ex is PipelineStoppedException or InvalidOperationException)
        {
            // Stopped or off the pipeline thread: nowhere to write.
        }
    }

    /// <summary>Reads a SecureString token, trims it and registers it as a secret before anything else sees it.</summary>
    protected static string? ReadSecret(SecureString? secret)
    {
        if (secret is null) return null;
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secret);
        try
        {
            var value = SecretRedactor.Register(Marshal.PtrToStringUni(ptr));
            return value.Length == 0 ? null : value;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }

    /// <summary>Warnings of the recorder, written straight to the pipeline (the worker has finished).</summary>
    private sealed class RecordingLog : IX0Log
    {
        private readonly X0Cmdlet _cmdlet;
        public RecordingLog(X0Cmdlet cmdlet) => _cmdlet = cmdlet;
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) => _cmdlet.SafeWarning(message);
        public void Information(string message) { }
    }

    /// <summary>What a worker tells the run store about its run; everything optional.</summary>
    protected sealed class RunDetails
    {
        /// <summary>The project or repository path (default: the current location).</summary>
        public string? Path { get; set; }
        /// <summary>owner/name when known; else derived from the path's origin remote.</summary>
        public string? Repository { get; set; }
        public string? Version { get; set; }
        /// <summary>One short line: what the run did.</summary>
        public string? Summary { get; set; }
        internal int ErrorCount;
        internal bool Declined;
        internal bool Acted;
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

        internal WorkerScope(X0Cmdlet cmdlet, BlockingCollection<Action> queue, CancellationToken cancellation, RunDetails run)
        {
            _cmdlet = cmdlet;
            _queue = queue;
            Cancellation = cancellation;
            Run = run;
            Context = new X0Context(this, this, cancellation);
        }

        public CancellationToken Cancellation { get; }
        public X0Context Context { get; }
        /// <summary>What the local run store records about this run (path, version, summary).</summary>
        public RunDetails Run { get; }

        public void WriteObject(object value) => Post(() => _cmdlet.WriteObject(value));
        public void WriteError(Exception error, object? target = null)
        {
            Interlocked.Increment(ref Run.ErrorCount);
            Post(() => _cmdlet.WriteError(ErrorRecordFactory.Create(error, target)));
        }

        /// <summary>Asks ShouldProcess on the pipeline thread and waits for the answer.</summary>
        public Task<bool> ShouldProcessAsync(string target, string action) =>
            Decide(Ask(() => _cmdlet.ShouldProcess(SecretRedactor.Redact(target), SecretRedactor.Redact(action))));

        /// <summary>ShouldProcess with the full text shown under -WhatIf (the plan) and the -Confirm caption.</summary>
        public Task<bool> ShouldProcessAsync(string whatIfText, string confirmText, string caption) =>
            Decide(Ask(() => _cmdlet.ShouldProcess(SecretRedactor.Redact(whatIfText), SecretRedactor.Redact(confirmText), caption)));

        private async Task<bool> Decide(Task<bool> answer)
        {
            var yes = await answer.ConfigureAwait(false);
            if (yes) Run.Acted = true;
            else Run.Declined = true;
            return yes;
        }

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
