using System.Collections.Concurrent;

namespace X0tta6bl4.Core.Diagnostics;

/// <summary>
/// Process-wide set of secret values. Anything the module writes (log lines, error messages, CI
/// summaries, run-store rows) passes through <see cref="Redact"/>, so a token that slips into an
/// exception message from an SDK is still never printed.
/// </summary>
public static class SecretRedactor
{
    public const string Mask = "***";
    private static readonly ConcurrentDictionary<string, byte> Secrets = new(StringComparer.Ordinal);

    /// <summary>Fired once per new secret, so the Actions surface can emit <c>::add-mask::</c> before first use.</summary>
    public static event Action<string>? SecretRegistered;

    /// <summary>Registers a secret (trimmed; a trailing newline in a token file is common) and returns the trimmed value.</summary>
    public static string Register(string? secret)
    {
        var value = (secret ?? string.Empty).Trim();
        // Very short values would mask ordinary words; real tokens are long.
        if (value.Length >= 4 && Secrets.TryAdd(value, 0))
        {
            SecretRegistered?.Invoke(value);
        }
        return value;
    }

    public static bool IsRegistered(string value) => Secrets.ContainsKey(value);

    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text) || Secrets.IsEmpty)
        {
            return text ?? string.Empty;
        }
        foreach (var secret in Secrets.Keys.OrderByDescending(s => s.Length))
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }
        return text;
    }
}
