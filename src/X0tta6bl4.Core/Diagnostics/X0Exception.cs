namespace X0tta6bl4.Core.Diagnostics;

/// <summary>
/// Categories mirror PowerShell's ErrorCategory by name so the cmdlet layer maps them one to one,
/// while Core stays free of System.Management.Automation.
/// </summary>
public enum X0ErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    ResourceBusy,
    PermissionDenied,
    AuthenticationError,
    SecurityError,
    ConnectionError,
    ProtocolError,
    OperationStopped,
    OperationTimeout,
    LimitsExceeded,
    NotInstalled,
    NotImplemented,
    ParserError,
    ReadError,
    WriteError,
}

/// <summary>
/// The one exception type the engine throws on purpose. Its message always says what was expected,
/// what was found, and the one next step, so an error record built from it needs no further text.
/// </summary>
public class X0Exception : Exception
{
    public X0Exception(string errorId, X0ErrorCategory category, string expected, string found, string fix,
        object? target = null, Exception? inner = null)
        : base(Compose(expected, found, fix), inner)
    {
        ErrorId = errorId;
        Category = category;
        Expected = expected;
        Found = found;
        Fix = fix;
        Target = target;
    }

    /// <summary>Stable identifier (see <see cref="ErrorIds"/>); scripts and tests match on it.</summary>
    public string ErrorId { get; }
    public X0ErrorCategory Category { get; }
    public string Expected { get; }
    public string Found { get; }
    public string Fix { get; }
    /// <summary>The thing the error is about (a path, a tag, a URL); never a secret.</summary>
    public object? Target { get; }

    private static string Compose(string expected, string found, string fix)
    {
        var text = $"Expected {Trim(expected)}, but found {Trim(found)}.";
        return string.IsNullOrWhiteSpace(fix) ? text : $"{text} {EndSentence(fix)}";
    }

    private static string Trim(string s) => s.Trim().TrimEnd('.');

    private static string EndSentence(string s)
    {
        s = s.Trim();
        return s.EndsWith('.') || s.EndsWith('!') || s.EndsWith('?') ? s : s + ".";
    }
}
