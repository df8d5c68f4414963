using System.Text;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Containers.BuildKit.Protocol;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers.BuildKit;

/// <summary>One BuildKit step as the status stream describes it.</summary>
public sealed record BuildKitStep(int Number, string Name, int Completed, int Known, bool Cached);

/// <summary>
/// Reads a BuildKit build's progress stream (POST /build?version=2): the protobuf StatusResponse of each
/// "moby.buildkit.trace" message updates the steps (vertexes), their sub-task progress and their output;
/// "moby.image.id" gives the image. An error in the stream — the HTTP status stays 200 — becomes a failure
/// naming the failing step and the last lines of its output. Pure; fed one message at a time.
/// </summary>
public sealed partial class BuildKitStreamInterpreter
{
    private const int TailLines = 25;
    private readonly Dictionary<string, Vertex> _vertices = new(StringComparer.Ordinal);
    private readonly Action<string>? _onLine;

    public BuildKitStreamInterpreter(Action<string>? onLine = null) => _onLine = onLine;

    public string? ImageId { get; private set; }
    public string? Error { get; private set; }
    public IReadOnlyCollection<string> StepNames => _vertices.Values.OrderBy(v => v.Number).Select(v => v.Name).ToList();
    public int CachedSteps => _vertices.Values.Count(v => v.Cached);

    /// <summary>Raised when a step starts (or is found in the cache).</summary>
    public event Action<BuildKitStep>? StepStarted;
    /// <summary>Sub-task progress of a step: name, current, total (0 when unknown).</summary>
    public event Action<string, string, long, long>? Transfer;

    public void Accept(EngineMessage message)
    {
        if (message.BuildKitTrace is { } trace) Accept(StatusResponse.Parser.ParseFrom(trace));
        if (message.Id == "moby.image.id" && message.AuxId is { Length: > 0 } id) ImageId = id;
        if (!string.IsNullOrEmpty(message.Stream)) Line(message.Stream.TrimEnd('\n', '\r'));
        if (!string.IsNullOrEmpty(message.Error)) Error ??= message.Error.Trim();
    }

    public void Accept(StatusResponse status)
    {
        foreach (var v in status.Vertexes) Update(v);
        foreach (var s in status.Statuses)
        {
            if (_vertices.TryGetValue(s.Vertex, out var owner) && s.Current > 0)
            {
                Transfer?.Invoke(owner.Name, s.ID, s.Current, s.Total);
            }
        }
        foreach (var log in status.Logs)
        {
            if (_vertices.TryGetValue(log.Vertex, out var owner)) Output(owner, log.Msg.ToByteArray());
        }
    }

    /// <summary>Call when the stream ended: throws the failure, or returns the image id.</summary>
    /// <exception cref="X0Exception">X0.ImageBuildFailed.</exception>
    public string Complete(string what)
    {
        foreach (var v in _vertices.Values) Flush(v);
        var failed = _vertices.Values.Where(v => v.Error is { Length: > 0 } e && !e.Contains("context canceled", StringComparison.Ordinal))
            .OrderBy(v => v.Number).FirstOrDefault();
        if (Error is not null || failed is not null)
        {
            var step = failed is null ? "the build" : $"step #{failed.Number} '{failed.Name}'";
            var reason = Error ?? failed!.Error!;
            var tail = failed is null || failed.Tail.Count == 0 ? string.Empty : Environment.NewLine + "  | " + string.Join(Environment.NewLine + "  | ", failed.Tail);
            throw new X0Exception(ErrorIds.ImageBuildFailed, X0ErrorCategory.InvalidResult,
                $"{what} to build", SecretRedactor.Redact($"{step} failed: {reason}{tail}"),
                "Fix the failing instruction (run with -Verbose for the whole output)", what);
        }
        return ImageId ?? throw new X0Exception(ErrorIds.ImageBuildFailed, X0ErrorCategory.ProtocolError,
            $"{what} to report the image it built", "a stream that ended without an image id or an error",
            "Run the build again; if it persists, check the engine's log", what);
    }

    private void Update(Protocol.Vertex update)
    {
        if (!_vertices.TryGetValue(update.Digest, out var v))
        {
            v = new Vertex(_vertices.Count + 1, update.Name);
            _vertices[update.Digest] = v;
        }
        var wasStarted = v.Started;
        v.Started |= update.Started is not null || update.Cached;
        v.Cached |= update.Cached;
        if (update.Completed is not null && !v.Completed)
        {
            v.Completed = true;
            Flush(v);
        }
        if (update.Error.Length > 0) v.Error = update.Error;
        if (v.Started && !wasStarted)
        {
            Line($"#{v.Number} {v.Name}{(v.Cached ? " (cached)" : string.Empty)}");
            StepStarted?.Invoke(new BuildKitStep(v.Number, v.Name, _vertices.Values.Count(x => x.Completed), _vertices.Count, v.Cached));
        }
        if (update.Error.Length > 0) Line($"#{v.Number} ERROR: {update.Error}");
    }

    private void Output(Vertex v, byte[] bytes)
    {
        v.Partial.Append(Encoding.UTF8.GetString(bytes));
        var text = v.Partial.ToString();
        var last = text.LastIndexOf('\n');
        if (last < 0) return;
        v.Partial.Clear().Append(text[(last + 1)..]);
        foreach (var line in text[..last].Split('\n')) Keep(v, line);
    }

    private void Flush(Vertex v)
    {
        if (v.Partial.Length == 0) return;
        Keep(v, v.Partial.ToString());
        v.Partial.Clear();
    }

    private void Keep(Vertex v, string line)
    {
        // A RUN step's own colours and carriage returns are noise in a message.
        line = AnsiEscape().Replace(line.TrimEnd('\r'), string.Empty);
        var cr = line.LastIndexOf('\r');
        if (cr >= 0) line = line[(cr + 1)..];
        if (line.Trim().Length == 0) return;
        Line($"#{v.Number} {line}");
        v.Tail.Enqueue(line);
        while (v.Tail.Count > TailLines) v.Tail.Dequeue();
    }

    private void Line(string line) => _onLine?.Invoke(line);

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiEscape();

    private sealed class Vertex(int number, string name)
    {
        public int Number { get; } = number;
        public string Name { get; } = name;
        public bool Started;
        public bool Completed;
        public bool Cached;
        public string? Error;
        public StringBuilder Partial { get; } = new();
        public Queue<string> Tail { get; } = new();
    }
}
