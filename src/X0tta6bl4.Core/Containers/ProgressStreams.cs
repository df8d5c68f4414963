using System.Text;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>
/// Reads a classic-builder progress stream: "Step n/m : INSTRUCTION" lines become progress, every
/// output line is kept in a short per-step tail, aux.ID (or "Successfully built") gives the image id,
/// and an error inside the stream — the engine answers HTTP 200 even when a RUN fails — becomes a
/// failure naming the step and showing the end of its output. Pure; fed one message at a time.
/// </summary>
public sealed partial class BuildStreamInterpreter
{
    private const int TailLines = 25;
    private readonly Queue<string> _tail = new();
    private readonly StringBuilder _partial = new();
    private readonly Action<string>? _onLine;

    public BuildStreamInterpreter(Action<string>? onLine = null) => _onLine = onLine;

    public int Step { get; private set; }
    public int Steps { get; private set; }
    public string? Instruction { get; private set; }
    public string? ImageId { get; private set; }
    public string? Error { get; private set; }
    /// <summary>The last lines of output of the current (or failing) step.</summary>
    public IReadOnlyList<string> Tail => _tail.ToList();

    /// <summary>Raised when a new "Step n/m" begins.</summary>
    public event Action<int, int, string>? StepStarted;

    public void Accept(EngineMessage message)
    {
        if (message.AuxId is { Length: > 0 } id)
        {
            ImageId = id;
        }
        if (!string.IsNullOrEmpty(message.Stream))
        {
            _partial.Append(message.Stream);
            var text = _partial.ToString();
            var last = text.LastIndexOf('\n');
            if (last >= 0)
            {
                _partial.Clear().Append(text[(last + 1)..]);
                foreach (var line in text[..last].Split('\n'))
                {
                    Line(line.TrimEnd('\r'));
                }
            }
        }
        if (!string.IsNullOrEmpty(message.Status))
        {
            // Pull progress of base images (with -Pull) arrives as status lines.
            Line(message.Id is null ? message.Status! : $"{message.Id}: {message.Status}", keep: false);
        }
        if (!string.IsNullOrEmpty(message.Error))
        {
            Flush();
            Error ??= message.Error!.Trim();
        }
    }

    /// <summary>Call when the stream ended: throws the failure, or returns the image id.</summary>
    /// <exception cref="X0Exception">X0.ImageBuildFailed.</exception>
    public string Complete(string what)
    {
        Flush();
        if (Error is not null)
        {
            var step = Step > 0 ? $"step {Step}/{Steps} '{Instruction}'" : "the build";
            var tail = _tail.Count == 0 ? string.Empty : Environment.NewLine + "  | " + string.Join(Environment.NewLine + "  | ", _tail);
            throw new X0Exception(ErrorIds.ImageBuildFailed, X0ErrorCategory.InvalidResult,
                $"{what} to build", $"{step} failed: {Error}{tail}",
                "Fix the failing instruction (run with -Verbose for the whole output)", what);
        }
        return ImageId ?? throw new X0Exception(ErrorIds.ImageBuildFailed, X0ErrorCategory.ProtocolError,
            $"{what} to report the image it built", "a stream that ended without an image id or an error",
            "Run the build again; if it persists, check the engine's log", what);
    }

    private void Flush()
    {
        if (_partial.Length > 0)
        {
            Line(_partial.ToString());
            _partial.Clear();
        }
    }

    private void Line(string line, bool keep = true)
    {
        // The engine colours a RUN step's stderr with ANSI escapes; they are noise in a message.
        line = AnsiEscape().Replace(line, string.Empty);
        _onLine?.Invoke(line);
        var m = StepLine().Match(line);
        if (m.Success)
        {
            Step = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Steps = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Instruction = m.Groups[3].Value.Trim();
            _tail.Clear();
            StepStarted?.Invoke(Step, Steps, Instruction);
            return;
        }
        var built = Built().Match(line);
        if (built.Success && ImageId is null)
        {
            ImageId = built.Groups[1].Value;
        }
        if (keep && line.Trim().Length > 0)
        {
            _tail.Enqueue(line);
            while (_tail.Count > TailLines) _tail.Dequeue();
        }
    }

    [GeneratedRegex(@"^Step (\d+)/(\d+) : (.*)$")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"^Successfully built ([0-9a-f]{12,64})\s*$")]
    private static partial Regex Built();
}

/// <summary>
/// Reads a push progress stream: layer progress, the pushed digest (aux.Digest, or the
/// "digest: sha256:… size: N" status line), and an error inside the stream as a failure.
/// </summary>
public sealed partial class PushStreamInterpreter
{
    private readonly Dictionary<string, (long Current, long Total)> _layers = new(StringComparer.Ordinal);

    public string? Digest { get; private set; }
    public long? ManifestSize { get; private set; }
    public string? Error { get; private set; }
    public long BytesCurrent => _layers.Values.Sum(v => v.Current);
    public long BytesTotal => _layers.Values.Sum(v => v.Total);

    public void Accept(EngineMessage message)
    {
        if (message.AuxDigest is { Length: > 0 } d)
        {
            Digest = d;
            ManifestSize = message.AuxSize;
        }
        if (message.Id is { } id && message.ProgressTotal is > 0)
        {
            _layers[id] = (message.ProgressCurrent ?? 0, message.ProgressTotal.Value);
        }
        else if (message.Id is { } done && message.Status is "Pushed" or "Layer already exists" && _layers.TryGetValue(done, out var l))
        {
            _layers[done] = (l.Total, l.Total);
        }
        if (message.Status is { } status && Digest is null)
        {
            var m = DigestLine().Match(status);
            if (m.Success) Digest = m.Groups[1].Value;
        }
        if (!string.IsNullOrEmpty(message.Error))
        {
            Error ??= message.Error!.Trim();
        }
    }

    /// <summary>Throws the failure (auth errors name the registry and the permission), or returns the digest.</summary>
    public string Complete(ImageRepository repository, string tag, RegistryCredential? credential)
    {
        var reference = repository.Reference(tag);
        if (Error is not null)
        {
            var error = SecretRedactor.Redact(Error);
            var lower = error.ToLowerInvariant();
            var who = credential is null ? "no credentials" : $"user '{credential.Username}' from {credential.Source}";
            if (lower.Contains("unauthorized") || lower.Contains("authentication required") || lower.Contains("no basic auth credentials"))
            {
                throw new X0Exception(ErrorIds.RegistryAuthenticationFailed, X0ErrorCategory.AuthenticationError,
                    $"credentials that registry {repository.Registry} accepts to push {repository.Path}",
                    $"the push of {reference} was refused with {who}: {error}",
                    $"Check the user name and password or token; it needs {RegistryClient.Permission(repository, true)}", repository.Registry);
            }
            if (lower.Contains("denied") || lower.Contains("forbidden"))
            {
                throw new X0Exception(ErrorIds.RegistryPermissionDenied, X0ErrorCategory.PermissionDenied,
                    $"permission to push {repository.Name}", $"the push of {reference} was denied for {who}: {error}",
                    $"Grant {RegistryClient.Permission(repository, true)}", repository.Registry);
            }
            throw new X0Exception(ErrorIds.ImagePushFailed, X0ErrorCategory.InvalidResult,
                $"{reference} to be pushed", error, "Check the registry's status and run the command again (finished layers are not sent twice)", reference);
        }
        return Digest ?? throw new X0Exception(ErrorIds.ImagePushFailed, X0ErrorCategory.ProtocolError,
            $"the push of {reference} to report a digest", "a push stream that ended without a digest or an error",
            "Run the command again; if it persists, check the engine's log", reference);
    }

    [GeneratedRegex(@"digest: (sha256:[0-9a-f]{64})")]
    private static partial Regex DigestLine();
}
