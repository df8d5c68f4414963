using System.Management.Automation;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Hosting;

namespace X0tta6bl4.Commands;

/// <summary>
/// The one way the module builds an ErrorRecord: stable ID, the right category, a target, the next
/// step as the recommended action, and every message redacted. SDK exceptions are copied into
/// redacted exceptions, so a token inside an HTTP error never reaches <c>$Error</c>.
/// </summary>
internal static class ErrorRecordFactory
{
    public static ErrorRecord Create(Exception exception, object? target = null)
    {
        exception = Unwrap(exception);
        if (exception is X0Exception x0)
        {
            var record = new ErrorRecord(Redacted(x0), x0.ErrorId, Map(x0.Category), Redact(x0.Target ?? target));
            if (!string.IsNullOrWhiteSpace(x0.Fix))
            {
                record.ErrorDetails = new ErrorDetails(SecretRedactor.Redact(x0.Message))
                {
                    RecommendedAction = SecretRedactor.Redact(x0.Fix),
                };
            }
            return record;
        }
        var (id, category, fix) = exception switch
        {
            OperationCanceledException => (ErrorIds.Cancelled, ErrorCategory.OperationStopped, "Run the command again to resume"),
            UnauthorizedAccessException => ("X0.AccessDenied", ErrorCategory.PermissionDenied, "Check file permissions"),
            DllNotFoundException => (ErrorIds.NativeLibraryMissing, ErrorCategory.NotInstalled, NativeLibraryHint()),
            TypeInitializationException { InnerException: DllNotFoundException } => (ErrorIds.NativeLibraryMissing, ErrorCategory.NotInstalled, NativeLibraryHint()),
            FileNotFoundException or DirectoryNotFoundException => (ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, "Check the path"),
            IOException => ("X0.IOError", ErrorCategory.WriteError, "Check the disk and permissions, then run again"),
            ArgumentException => ("X0.InvalidArgument", ErrorCategory.InvalidArgument, "Check the parameter values"),
            _ => (ErrorIds.Unexpected, ErrorCategory.NotSpecified, "This is a bug in x0tta6bl4: please report it with the output of -Debug"),
        };
        var message = exception is DllNotFoundException or TypeInitializationException
            ? $"{exception.Message} {fix}"
            : exception.Message;
        var result = new ErrorRecord(new RedactedException(SecretRedactor.Redact(message), exception), id, category, Redact(target))
        {
            ErrorDetails = new ErrorDetails(SecretRedactor.Redact(message)) { RecommendedAction = fix },
        };
        return result;
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } agg) e = agg.InnerException!;
        return e;
    }

    private static ErrorCategory Map(X0ErrorCategory category) =>
        Enum.TryParse<ErrorCategory>(category.ToString(), out var c) ? c : ErrorCategory.NotSpecified;

    private static Exception Redacted(X0Exception x)
    {
        // Keep the original type when nothing needed masking; otherwise copy with masked text.
        var masked = SecretRedactor.Redact(x.Message);
        return masked == x.Message && (x.InnerException is null || SecretRedactor.Redact(x.InnerException.Message) == x.InnerException.Message)
            ? x
            : new RedactedException(masked, x);
    }

    private static object? Redact(object? target) => target is string s ? SecretRedactor.Redact(s) : target;

    private static string NativeLibraryHint()
    {
        var rid = string.Join(", ", DependencyLoadContext.RuntimeIdentifiers());
        var searched = ModuleInitializer.Context?.LastNativeSearch ?? Array.Empty<string>();
        var failure = ModuleInitializer.Context?.LastNativeFailure;
        var what = failure is null
            ? $"The native library for runtime '{rid}' was not found"
            : $"The native library for runtime '{rid}' was found but could not be loaded ({failure})";
        return $"{what}; searched: {(searched.Count == 0 ? "(nothing)" : string.Join("; ", searched))}. Reinstall the module, or report the platform if it is not linux-x64/arm64, osx-x64/arm64 or win-x64.";
    }
}

/// <summary>An exception whose message (and inner chain) had secrets masked. Type name of the original is kept for diagnosis.</summary>
public sealed class RedactedException : Exception
{
    internal RedactedException(string message, Exception original)
        : base(message, original.InnerException is null ? null : new RedactedException(SecretRedactor.Redact(original.InnerException.Message), original.InnerException))
    {
        OriginalType = original.GetType().FullName ?? original.GetType().Name;
    }

    /// <summary>Full name of the exception type this one stands for.</summary>
    public string OriginalType { get; }
}
