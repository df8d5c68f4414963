using System.Text;
using System.Text.Json;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Processes;

namespace X0tta6bl4.Core.Containers;

/// <summary>Credentials for one registry. <see cref="Source"/> says where they came from (never the secret).</summary>
public sealed record RegistryCredential
{
    public RegistryCredential(string username, string secret, string source, bool isIdentityToken = false)
    {
        Username = username;
        Secret = SecretRedactor.Register(secret);
        Source = source;
        IsIdentityToken = isIdentityToken;
    }

    public string Username { get; }
    public string Secret { get; }
    /// <summary>-Credential, GITHUB_TOKEN, docker config auths, docker-credential-&lt;helper&gt;…</summary>
    public string Source { get; }
    /// <summary>An OAuth refresh token (docker login with identity tokens) rather than a password.</summary>
    public bool IsIdentityToken { get; }

    public override string ToString() => $"{Username} ({Source})";
}

/// <summary>
/// Finds registry credentials the way a user expects: an explicit credential first, then GITHUB_TOKEN
/// for ghcr.io, then the docker CLI's configuration ($DOCKER_CONFIG/config.json or ~/.docker/config.json):
/// credHelpers for the host, the credsStore, and plain auths entries. Helpers are the real
/// docker-credential-* programs, run with the server address on standard input.
/// </summary>
public sealed class RegistryCredentialResolver
{
    private readonly IReadOnlyDictionary<string, string?> _env;

    public RegistryCredentialResolver(IReadOnlyDictionary<string, string?> environment) => _env = environment;

    /// <summary>The docker configuration file in effect.</summary>
    public string ConfigPath
    {
        get
        {
            var dir = Get("DOCKER_CONFIG");
            if (dir is null)
            {
                var home = Get("HOME") ?? Get("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                dir = Path.Combine(home, ".docker");
            }
            return Path.Combine(dir, "config.json");
        }
    }

    /// <exception cref="X0Exception">X0.CredentialHelperFailed when a configured helper fails; X0.ConfigInvalid for a broken config.json.</exception>
    public async Task<RegistryCredential?> ResolveAsync(ImageRepository repository, RegistryCredential? explicitCredential, CancellationToken cancellation)
    {
        if (explicitCredential is not null)
        {
            return explicitCredential;
        }
        if (repository.IsGitHubContainerRegistry && Get("GITHUB_TOKEN") is { } token)
        {
            return new RegistryCredential(Get("GITHUB_ACTOR") ?? "x-access-token", token, "GITHUB_TOKEN");
        }
        return await FromDockerConfigAsync(repository, cancellation).ConfigureAwait(false);
    }

    private async Task<RegistryCredential?> FromDockerConfigAsync(ImageRepository repository, CancellationToken cancellation)
    {
        var path = ConfigPath;
        if (!File.Exists(path))
        {
            return null;
        }
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path, cancellation).ConfigureAwait(false));
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.ParserError, "a valid docker config.json",
                $"{path}: {ex.Message}", "Fix the JSON, or point DOCKER_CONFIG at another directory", path, ex);
        }
        var host = repository.Registry;
        var serverAddress = repository.IsDockerHub ? ImageRepository.DockerHubCredentialKey : host;

        if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
        {
            foreach (var h in helpers.EnumerateObject())
            {
                if (SameRegistry(h.Name, repository) && h.Value.GetString() is { Length: > 0 } helper)
                {
                    return await FromHelperAsync(helper, serverAddress, cancellation).ConfigureAwait(false);
                }
            }
        }
        if (root.TryGetProperty("credsStore", out var store) && store.GetString() is { Length: > 0 } storeName)
        {
            var found = await FromHelperAsync(storeName, serverAddress, cancellation).ConfigureAwait(false);
            if (found is not null) return found;
        }
        if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
        {
            foreach (var a in auths.EnumerateObject())
            {
                if (!SameRegistry(a.Name, repository) || a.Value.ValueKind != JsonValueKind.Object) continue;
                var source = $"docker config auths ({path})";
                if (a.Value.TryGetProperty("identitytoken", out var it) && it.GetString() is { Length: > 0 } identity)
                {
                    return new RegistryCredential(UserOf(a.Value) ?? "<token>", identity, source, isIdentityToken: true);
                }
                if (a.Value.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
                {
                    string decoded;
                    try
                    {
                        decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                    }
                    catch (FormatException)
                    {
                        throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData, "base64 user:password in auths",
                            $"an undecodable auth value for {a.Name} in {path}", "Run docker login again", path);
                    }
                    SecretRedactor.Register(encoded);
                    var colon = decoded.IndexOf(':');
                    if (colon > 0) return new RegistryCredential(decoded[..colon], decoded[(colon + 1)..], source);
                }
                if (UserOf(a.Value) is { } user && a.Value.TryGetProperty("password", out var pw) && pw.GetString() is { Length: > 0 } password)
                {
                    return new RegistryCredential(user, password, source);
                }
            }
        }
        return null;
    }

    private async Task<RegistryCredential?> FromHelperAsync(string helper, string serverAddress, CancellationToken cancellation)
    {
        var program = "docker-credential-" + helper;
        var exe = FindOnPath(program);
        if (exe is null)
        {
            throw new X0Exception(ErrorIds.CredentialHelperFailed, X0ErrorCategory.NotInstalled,
                $"the credential helper {program} that {ConfigPath} names", "no such program on PATH",
                $"Install {program}, or remove it from credsStore/credHelpers in {ConfigPath}, or pass -Credential", program);
        }
        var result = await ProcessRunner.RunAsync(new ProcessSpec(exe, new[] { "get" }, Path.GetTempPath()) { StandardInput = serverAddress },
            cancellation).ConfigureAwait(false);
        var output = result.StandardOutput.Trim();
        if (!result.Succeeded)
        {
            // The protocol's "not found" answer is an empty result, not a failure.
            if ((output + result.StandardError).Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            throw new X0Exception(ErrorIds.CredentialHelperFailed, X0ErrorCategory.AuthenticationError,
                $"{program} get to return credentials for {serverAddress}",
                $"exit code {result.ExitCode}: {SecretRedactor.Redact(GitTail(result.StandardError + " " + output))}",
                $"Run 'echo {serverAddress} | {program} get' to see the problem, or pass -Credential", program);
        }
        try
        {
            using var doc = JsonDocument.Parse(output);
            var username = doc.RootElement.TryGetProperty("Username", out var u) ? u.GetString() : null;
            var secret = doc.RootElement.TryGetProperty("Secret", out var s) ? s.GetString() : null;
            if (string.IsNullOrEmpty(secret))
            {
                return null;
            }
            var source = program;
            return username == "<token>"
                ? new RegistryCredential(username, secret, source, isIdentityToken: true)
                : new RegistryCredential(username ?? string.Empty, secret, source);
        }
        catch (JsonException)
        {
            SecretRedactor.Register(output);
            throw new X0Exception(ErrorIds.CredentialHelperFailed, X0ErrorCategory.ProtocolError,
                $"JSON with Username and Secret from {program}", "output that is not JSON",
                $"Check {program} (docker-credential-helpers protocol), or pass -Credential", program);
        }
    }

    /// <summary>Whether a config key (https://host/v1/, host, http://host) names the repository's registry.</summary>
    internal static bool SameRegistry(string key, ImageRepository repository)
    {
        var k = key.Trim();
        var scheme = k.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) k = k[(scheme + 3)..];
        var slash = k.IndexOf('/');
        if (slash >= 0) k = k[..slash];
        k = k.ToLowerInvariant();
        if (repository.IsDockerHub)
        {
            return k is "index.docker.io" or "docker.io" or "registry-1.docker.io";
        }
        return k == repository.Registry;
    }

    private static string? UserOf(JsonElement e) =>
        e.TryGetProperty("username", out var u) && u.GetString() is { Length: > 0 } s ? s : null;

    private string? FindOnPath(string name)
    {
        var path = Get("PATH") ?? string.Empty;
        var exts = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", ".bat", string.Empty } : new[] { string.Empty };
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var ext in exts)
            {
                var candidate = Path.Combine(dir, name + ext);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static string GitTail(string s) => string.Join(" | ", s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(4));

    private string? Get(string name) => _env.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;
}
