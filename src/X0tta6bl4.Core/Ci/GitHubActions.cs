using System.Text;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Ci;

/// <summary>Severity of a workflow annotation.</summary>
public enum AnnotationLevel { Notice, Warning, Error }

/// <summary>
/// The GitHub Actions surface every cmdlet uses: step outputs, the job summary, annotations, log
/// groups and masks. Outside Actions (GITHUB_ACTIONS != "true") every call is a no-op, so callers
/// never branch on the environment themselves.
/// </summary>
public sealed class GitHubActions
{
    private readonly IReadOnlyDictionary<string, string?> _env;
    private readonly TextWriter _commands;
    private readonly object _gate = new();

    /// <param name="environment">The process environment (injected for tests).</param>
    /// <param name="commandWriter">Where workflow commands go; the runner reads them from stdout.</param>
    public GitHubActions(IReadOnlyDictionary<string, string?> environment, TextWriter commandWriter)
    {
        _env = environment;
        _commands = commandWriter;
        IsActive = string.Equals(Get("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The surface for the current process, writing commands to stdout.</summary>
    public static GitHubActions FromProcess() => new(ProcessEnvironment.Snapshot(), Console.Out);

    public bool IsActive { get; }

    public string? Repository => Get("GITHUB_REPOSITORY");
    public string? Ref => Get("GITHUB_REF");
    public string? RefName => Get("GITHUB_REF_NAME");
    public string? Sha => Get("GITHUB_SHA");
    public string? EventName => Get("GITHUB_EVENT_NAME");
    public string? EventPath => Get("GITHUB_EVENT_PATH");
    public string ApiUrl => Get("GITHUB_API_URL") ?? "https://api.github.com";
    public string ServerUrl => Get("GITHUB_SERVER_URL") ?? "https://github.com";
    public string? Workspace => Get("GITHUB_WORKSPACE");

    /// <summary>Writes <c>name=value</c> to $GITHUB_OUTPUT (heredoc form for multi-line values).</summary>
    public void SetOutput(string name, string? value)
    {
        if (!IsActive)
        {
            return;
        }
        var file = Get("GITHUB_OUTPUT");
        var text = SecretRedactor.Redact(value ?? string.Empty);
        if (string.IsNullOrEmpty(file))
        {
            // Older runners: the deprecated set-output command is all there is.
            WriteCommand("set-output", new() { ["name"] = name }, text);
            return;
        }
        AppendKeyValue(file, name, text);
    }

    /// <summary>Appends Markdown to the job summary ($GITHUB_STEP_SUMMARY).</summary>
    public void AppendSummary(string markdown)
    {
        if (!IsActive)
        {
            return;
        }
        var file = Get("GITHUB_STEP_SUMMARY");
        if (string.IsNullOrEmpty(file))
        {
            return;
        }
        var text = SecretRedactor.Redact(markdown);
        lock (_gate)
        {
            File.AppendAllText(file, text.EndsWith('\n') ? text : text + "\n", new UTF8Encoding(false));
        }
    }

    /// <summary>Emits <c>::error file=…,line=…::message</c> (or warning/notice).</summary>
    public void Annotate(AnnotationLevel level, string message, string? file = null, int? line = null,
        int? column = null, string? title = null)
    {
        if (!IsActive)
        {
            return;
        }
        var props = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(title)) props["title"] = title!;
        if (!string.IsNullOrEmpty(file)) props["file"] = RelativeToWorkspace(file!);
        if (line is > 0) props["line"] = line.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (column is > 0) props["col"] = column.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var command = level switch
        {
            AnnotationLevel.Error => "error",
            AnnotationLevel.Warning => "warning",
            _ => "notice",
        };
        WriteCommand(command, props, SecretRedactor.Redact(message));
    }

    /// <summary>Opens a collapsible log group; dispose the result to close it.</summary>
    public IDisposable Group(string title)
    {
        if (!IsActive)
        {
            return NoopDisposable.Instance;
        }
        WriteCommand("group", null, SecretRedactor.Redact(title));
        return new GroupScope(this);
    }

    /// <summary>Masks a value in the runner's log. Called for every secret before its first use.</summary>
    public void AddMask(string secret)
    {
        if (!IsActive || string.IsNullOrEmpty(secret))
        {
            return;
        }
        // The mask command itself must carry the value; it is the one place it may appear.
        lock (_gate)
        {
            _commands.WriteLine("::add-mask::" + EscapeData(secret));
            _commands.Flush();
        }
    }

    private void WriteCommand(string command, Dictionary<string, string>? properties, string message)
    {
        var sb = new StringBuilder("::").Append(command);
        if (properties is { Count: > 0 })
        {
            sb.Append(' ');
            // Titles and paths may carry a secret as easily as the message (a URL with a token in it).
            sb.Append(string.Join(",", properties.Select(p => p.Key + "=" + EscapeProperty(SecretRedactor.Redact(p.Value)))));
        }
        sb.Append("::").Append(EscapeData(message));
        lock (_gate)
        {
            _commands.WriteLine(sb.ToString());
            _commands.Flush();
        }
    }

    private void AppendKeyValue(string file, string name, string value)
    {
        string entry;
        if (value.Contains('\n') || value.Contains('\r'))
        {
            // Delimiter must not occur in the value; a random one cannot collide in practice.
            var delimiter = "x0_" + Guid.NewGuid().ToString("N");
            entry = $"{name}<<{delimiter}\n{value}\n{delimiter}\n";
        }
        else
        {
            entry = $"{name}={value}\n";
        }
        lock (_gate)
        {
            File.AppendAllText(file, entry, new UTF8Encoding(false));
        }
    }

    private string RelativeToWorkspace(string file)
    {
        var workspace = Workspace;
        if (string.IsNullOrEmpty(workspace) || !Path.IsPathRooted(file))
        {
            return file.Replace('\\', '/');
        }
        var relative = Path.GetRelativePath(workspace!, file);
        return (relative.StartsWith("..", StringComparison.Ordinal) ? file : relative).Replace('\\', '/');
    }

    private string? Get(string name) => _env.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    // Escaping rules of the Actions runner's command parser.
    internal static string EscapeData(string s) =>
        s.Replace("%", "%25", StringComparison.Ordinal)
         .Replace("\r", "%0D", StringComparison.Ordinal)
         .Replace("\n", "%0A", StringComparison.Ordinal);

    internal static string EscapeProperty(string s) =>
        EscapeData(s).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    private sealed class GroupScope(GitHubActions owner) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.WriteCommand("endgroup", null, string.Empty);
            }
        }
    }
}

internal sealed class NoopDisposable : IDisposable
{
    public static readonly NoopDisposable Instance = new();
    public void Dispose() { }
}

/// <summary>Reads the process environment once into a dictionary (case-sensitive on Unix, insensitive on Windows).</summary>
public static class ProcessEnvironment
{
    public static IReadOnlyDictionary<string, string?> Snapshot()
    {
        var comparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var result = new Dictionary<string, string?>(comparer);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            result[(string)e.Key] = e.Value as string;
        }
        return result;
    }
}
