using System.Collections.Concurrent;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Tests.Infrastructure;

/// <summary>An IX0Log that keeps every line, for assertions on warnings and verbose output.</summary>
public sealed class RecordingLog : IX0Log
{
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<string> Lines { get; } = new();

    public void Verbose(string message) => Lines.Enqueue("VERBOSE: " + message);
    public void Debug(string message) => Lines.Enqueue("DEBUG: " + message);
    public void Information(string message) => Lines.Enqueue("INFO: " + message);

    public void Warning(string message)
    {
        Warnings.Enqueue(message);
        Lines.Enqueue("WARNING: " + message);
    }
}
