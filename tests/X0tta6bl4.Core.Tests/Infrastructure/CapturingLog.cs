using System.Collections.Concurrent;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Tests.Infrastructure;

/// <summary>An IX0Log that keeps every message, for assertions.</summary>
public sealed class CapturingLog : IX0Log
{
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<string> All { get; } = new();

    public void Verbose(string message) => All.Enqueue("verbose: " + message);
    public void Debug(string message) => All.Enqueue("debug: " + message);
    public void Warning(string message)
    {
        Warnings.Enqueue(message);
        All.Enqueue("warning: " + message);
    }
    public void Information(string message) => All.Enqueue("info: " + message);
}
