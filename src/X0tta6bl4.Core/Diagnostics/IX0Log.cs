namespace X0tta6bl4.Core.Diagnostics;

/// <summary>
/// The engine's only way to say something while it works. The cmdlet layer adapts it to
/// WriteVerbose/WriteDebug/WriteWarning/WriteInformation; tests capture it. Every message passes
/// through <see cref="SecretRedactor"/> on the way out, so callers may log freely.
/// </summary>
public interface IX0Log
{
    void Verbose(string message);
    void Debug(string message);
    void Warning(string message);
    void Information(string message);
}

/// <summary>A log that drops everything (for callers that have nowhere to report).</summary>
public sealed class NullLog : IX0Log
{
    public static readonly NullLog Instance = new();
    public void Verbose(string message) { }
    public void Debug(string message) { }
    public void Warning(string message) { }
    public void Information(string message) { }
}

/// <summary>One progress report: the cmdlet turns it into a ProgressRecord.</summary>
/// <param name="Activity">What is being done, e.g. "Step-X0Version".</param>
/// <param name="Status">Where it is, e.g. "Rewriting pyproject.toml".</param>
/// <param name="PercentComplete">0..100, or -1 when unknown.</param>
/// <param name="Id">Distinguishes parallel activities (one per gate, per asset...).</param>
/// <param name="ParentId">Nests an activity under another, -1 for none.</param>
/// <param name="Completed">Closes the activity; always sent last.</param>
/// <param name="CurrentOperation">The item being worked on, e.g. a file name.</param>
public sealed record X0Progress(
    string Activity,
    string Status,
    int PercentComplete = -1,
    int Id = 0,
    int ParentId = -1,
    bool Completed = false,
    string? CurrentOperation = null);

/// <summary>Everything a Core operation needs to report and be stopped.</summary>
public sealed class X0Context
{
    public X0Context(IX0Log? log = null, IProgress<X0Progress>? progress = null, CancellationToken cancellation = default)
    {
        Log = log ?? NullLog.Instance;
        Progress = progress ?? new Progress<X0Progress>();
        Cancellation = cancellation;
    }

    public IX0Log Log { get; }
    public IProgress<X0Progress> Progress { get; }
    public CancellationToken Cancellation { get; }

    public static X0Context None { get; } = new();
}
