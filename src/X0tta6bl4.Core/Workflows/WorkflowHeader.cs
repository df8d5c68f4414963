using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace X0tta6bl4.Core.Workflows;

/// <summary>What a workflow file on disk is, compared with what the generator would write.</summary>
public enum WorkflowFileState
{
    /// <summary>No file yet.</summary>
    Missing,
    /// <summary>Written by the generator and unchanged since (its content hash matches).</summary>
    Generated,
    /// <summary>Written by the generator, then edited by hand (the hash no longer matches).</summary>
    HandEdited,
    /// <summary>A file the generator did not write (no header).</summary>
    HandWritten,
}

/// <summary>
/// The two comment lines a generated workflow starts with: where it came from, and the SHA-256 of the
/// rest of the file. A file whose rest no longer hashes to that value was edited by hand, and the
/// generator leaves it alone unless forced. The setup action's reference is hashed as a placeholder, so
/// moving the pin (Dependabot, or Step-X0Version with the file as a version file) is not an edit.
/// </summary>
public static partial class WorkflowHeader
{
    public const string Marker = "# x0tta6bl4-workflow-sha256: ";
    private const string Origin = "# Written by New-X0Workflow (x0tta6bl4). Regenerate it rather than edit it: New-X0Workflow keeps hand edits unless -Force.";

    /// <summary>The file's full text: header lines, then the body.</summary>
    public static string Compose(string body) => Origin + "\n" + Marker + Hash(body) + "\n" + body;

    /// <summary>Classifies an existing file (text as read, any line endings).</summary>
    public static WorkflowFileState Classify(string? text)
    {
        if (text is null) return WorkflowFileState.Missing;
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var (hash, body) = Split(normalized);
        if (hash is null) return WorkflowFileState.HandWritten;
        return string.Equals(hash, Hash(body), StringComparison.OrdinalIgnoreCase) ? WorkflowFileState.Generated : WorkflowFileState.HandEdited;
    }

    private static (string? Hash, string Body) Split(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < Math.Min(lines.Length, 4); i++)
        {
            if (!lines[i].StartsWith(Marker, StringComparison.Ordinal)) continue;
            var body = string.Join('\n', lines.Skip(i + 1));
            return (lines[i][Marker.Length..].Trim(), body);
        }
        return (null, text);
    }

    private static string Hash(string body)
    {
        var stable = SetupReference().Replace(body, "${uses}" + ActionPins.SetupRepository + "@{ref}");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(stable))).ToLowerInvariant();
    }

    [GeneratedRegex(@"(?<uses>uses:\s*)x0tta6bl4/x0tta6bl4@[^\s#]+(?:\s+#[^\n]*)?", RegexOptions.CultureInvariant)]
    private static partial Regex SetupReference();
}
