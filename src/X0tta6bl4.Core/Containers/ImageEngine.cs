using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>Where the Docker engine is, resolved like the docker CLI resolves it.</summary>
/// <param name="Endpoint">unix://, npipe://, tcp:// (or http(s)://) URI; null when a named context decides.</param>
/// <param name="Context">A docker context name (DOCKER_CONTEXT or currentContext) when no DOCKER_HOST is set.</param>
/// <param name="Source">What decided: DOCKER_HOST, DOCKER_CONTEXT, config.json currentContext, default.</param>
public sealed record DockerEndpointSettings(Uri? Endpoint, string? Context, bool Tls, bool TlsVerify, string? CertPath, string Source)
{
    public string Describe() => Endpoint?.ToString() ?? $"docker context '{Context}'";
}

/// <summary>DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH, DOCKER_CONTEXT — pure.</summary>
public static class DockerEndpoint
{
    public static DockerEndpointSettings Resolve(IReadOnlyDictionary<string, string?> env, string? dockerConfigDirectory = null)
    {
        string? Get(string n) => env.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        var home = Get("HOME") ?? Get("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var configDir = dockerConfigDirectory ?? Get("DOCKER_CONFIG") ?? Path.Combine(home, ".docker");
        var verify = Get("DOCKER_TLS_VERIFY") is not null;
        var tls = verify || Get("DOCKER_TLS") is not null;
        var certPath = Get("DOCKER_CERT_PATH") ?? configDir;

        if (Get("DOCKER_HOST") is { } host)
        {
            if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "npipe" or "tcp" or "http" or "https" or "ssh"))
            {
                throw new X0Exception(ErrorIds.DockerUnavailable, X0ErrorCategory.InvalidArgument,
                    "DOCKER_HOST as unix:///path, tcp://host:port or npipe:////./pipe/name", $"'{host}'",
                    "Fix or unset DOCKER_HOST", host);
            }
            if (uri.Scheme == "ssh")
            {
                throw new X0Exception(ErrorIds.DockerUnavailable, X0ErrorCategory.NotImplemented,
                    "a unix, tcp or npipe DOCKER_HOST", $"an ssh endpoint '{host}'",
                    "Forward the remote socket (ssh -L /tmp/docker.sock:/var/run/docker.sock host) and set DOCKER_HOST=unix:///tmp/docker.sock", host);
            }
            return new DockerEndpointSettings(uri, null, tls && uri.Scheme != "unix" && uri.Scheme != "npipe", verify, certPath, "DOCKER_HOST");
        }
        if (Get("DOCKER_CONTEXT") is { } ctx && ctx != "default")
        {
            return new DockerEndpointSettings(null, ctx, false, false, null, "DOCKER_CONTEXT");
        }
        var configFile = Path.Combine(configDir, "config.json");
        if (File.Exists(configFile))
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(configFile));
                if (doc.RootElement.TryGetProperty("currentContext", out var cc) && cc.GetString() is { Length: > 0 } current && current != "default")
                {
                    return new DockerEndpointSettings(null, current, false, false, null, "currentContext in " + configFile);
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // The CLI ignores an unreadable config for endpoint purposes as well.
            }
        }
        var fallback = OperatingSystem.IsWindows() ? new Uri("npipe://./pipe/docker_engine") : new Uri("unix:///var/run/docker.sock");
        return new DockerEndpointSettings(fallback, null, false, false, null, "default");
    }
}

/// <summary>The engine as found after version negotiation.</summary>
/// <param name="NoBuildKitReason">Null when the engine has BuildKit, else why not (the classic builder is used).</param>
/// <param name="HasBridgeNetwork">False on an engine started with --bridge=none: BuildKit RUN steps then need network none.</param>
public sealed record EngineInfo(string Endpoint, string ServerVersion, string ApiVersion, string Os, string Architecture,
    string? NoBuildKitReason = null, bool HasBridgeNetwork = true)
{
    public bool BuildKit => NoBuildKitReason is null;
}

/// <summary>Which builder of the engine runs the Dockerfile.</summary>
public enum ImageBuilder
{
    /// <summary>POST /build?version=2 with a session: cache and secret mounts, inline cache, platforms.</summary>
    BuildKit,
    /// <summary>The legacy builder (engines without BuildKit).</summary>
    Classic,
}

/// <summary>One message of a build or push progress stream, in Core terms.</summary>
/// <param name="Error">errorDetail.message / error: the only sign of failure (the HTTP status stays 200).</param>
/// <param name="AuxId">aux.ID of a build (the image id).</param>
/// <param name="AuxDigest">aux.Digest of a push.</param>
public sealed record EngineMessage(
    string? Stream = null,
    string? Status = null,
    string? Id = null,
    string? Error = null,
    long? ProgressCurrent = null,
    long? ProgressTotal = null,
    string? AuxId = null,
    string? AuxDigest = null,
    string? AuxTag = null,
    long? AuxSize = null,
    byte[]? BuildKitTrace = null);

/// <summary>What to build.</summary>
public sealed record ImageBuildSpec
{
    public ImageBuilder Builder { get; init; } = ImageBuilder.BuildKit;
    /// <summary>The Dockerfile's path inside the context.</summary>
    public required string Dockerfile { get; init; }
    /// <summary>repository:tag references to apply.</summary>
    public IReadOnlyList<string> References { get; init; } = Array.Empty<string>();
    public string? Target { get; init; }
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public bool NoCache { get; init; }
    public bool Pull { get; init; }
    /// <summary>Credentials for base-image pulls and cache imports, by registry host.</summary>
    public IReadOnlyDictionary<string, RegistryCredential> RegistryCredentials { get; init; } = new Dictionary<string, RegistryCredential>();
    /// <summary>os/arch[/variant] of the image; null for the engine's own.</summary>
    public string? Platform { get; init; }
    /// <summary>Images whose inline cache the build may reuse (BuildKit).</summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = Array.Empty<string>();
    /// <summary>Write cache metadata into the image so a later build can use it with cache-from (BuildKit).</summary>
    public bool InlineCache { get; init; }
    /// <summary>"default", "none" or "host" for RUN steps.</summary>
    public string? NetworkMode { get; init; }
    /// <summary>Secrets for RUN --mount=type=secret (BuildKit only), served through the session.</summary>
    public IReadOnlyDictionary<string, BuildSecret> Secrets { get; init; } = new Dictionary<string, BuildSecret>();
}

/// <summary>An image as the engine knows it.</summary>
public sealed record EngineImage(string Id, IReadOnlyList<string> RepoTags, IReadOnlyList<string> RepoDigests, long Size,
    DateTimeOffset? Created, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// The Docker Engine operations the module needs, owned by Core. Progress streams are handed over
/// message by message, in order; interpreting them (an error inside an HTTP 200 stream is a failure)
/// is Core logic, not the adapter's.
/// </summary>
public interface IImageEngine : IDisposable
{
    /// <summary>Reaches the daemon and negotiates the API version.</summary>
    /// <exception cref="X0Exception">X0.DockerUnavailable, X0.DockerApiUnsupported.</exception>
    Task<EngineInfo> ConnectAsync(CancellationToken cancellation);

    /// <summary>
    /// POST /build with <see cref="ImageBuildSpec.Builder"/>; returns when the progress stream ends. A
    /// BuildKit build runs with a session of its own for secrets and registry credentials.
    /// </summary>
    Task BuildAsync(ImageBuildSpec spec, Stream context, Action<EngineMessage> onMessage, CancellationToken cancellation);

    /// <summary>The image, or null when the engine has none by that name or id.</summary>
    Task<EngineImage?> InspectAsync(string reference, CancellationToken cancellation);

    /// <summary>GET /images/{name}/get: the image as docker save writes it (manifest.json, config, layer tars).</summary>
    Task<Stream> ExportAsync(string reference, CancellationToken cancellation);

    /// <summary>POST /images/{name}/push for one tag; returns when the progress stream ends.</summary>
    Task PushAsync(ImageRepository repository, string tag, RegistryCredential? credential, Action<EngineMessage> onMessage, CancellationToken cancellation);
}
