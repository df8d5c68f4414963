using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Docker.DotNet.X509;
using Version = System.Version;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>
/// <see cref="IImageEngine"/> over Docker.DotNet.Enhanced (the maintained fork of Docker.DotNet):
/// unix socket, tcp with TLS client certificates, or a Windows named pipe; the API version is
/// negotiated as min(daemon, <see cref="MaxApiVersion"/>). Third-party types stay inside this file.
/// </summary>
public sealed class DockerImageEngine : IImageEngine
{
    /// <summary>The newest API version whose build/push/inspect fields this adapter was checked against.</summary>
    public static readonly Version MaxApiVersion = new(1, 47);
    /// <summary>Build targets and labels need at least this (Docker 17.06).</summary>
    public static readonly Version MinApiVersion = new(1, 30);

    /// <summary>BuildKit's session endpoint left experimental with API 1.39 (Docker 18.09).</summary>
    public static readonly Version MinBuildKitApiVersion = new(1, 39);

    private readonly DockerEndpointSettings _settings;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private DockerClient? _client;
    private string? _apiVersion;

    public DockerImageEngine(DockerEndpointSettings settings, IReadOnlyDictionary<string, string?>? environment = null)
    {
        _settings = settings;
        _environment = environment ?? new Dictionary<string, string?>();
    }

    /// <summary>Told which secret ids and registry hosts the engine asked the build session for.</summary>
    public Action<string>? OnSessionRequest { get; set; }

    public void Dispose() => _client?.Dispose();

    public async Task<EngineInfo> ConnectAsync(CancellationToken cancellation)
    {
        using var probe = CreateClient(null);
        VersionResponse version;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            version = await probe.System.GetVersionAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested && IsConnectionFailure(ex))
        {
            throw Unavailable(ex);
        }
        var daemonMax = ParseVersion(version.APIVersion) ?? MinApiVersion;
        var daemonMin = ParseVersion(version.MinAPIVersion) ?? new Version(1, 12);
        if (daemonMax < MinApiVersion || daemonMin > MaxApiVersion)
        {
            throw new X0Exception(ErrorIds.DockerApiUnsupported, X0ErrorCategory.NotImplemented,
                $"a Docker engine speaking API {MinApiVersion}–{MaxApiVersion}",
                $"Docker {version.Version} at {_settings.Describe()} with API {version.MinAPIVersion}–{version.APIVersion}",
                "Upgrade the Docker engine (Docker 17.06 or later)", _settings.Describe());
        }
        var negotiated = daemonMax < MaxApiVersion ? daemonMax : MaxApiVersion;
        _client?.Dispose();
        _client = CreateClient(negotiated);
        _apiVersion = negotiated.ToString();
        var os = version.Os ?? "?";
        string? noBuildKit = os != "linux" ? $"the {os} engine has no BuildKit builder"
            : negotiated < MinBuildKitApiVersion ? $"Docker {version.Version} (API {negotiated}) predates BuildKit sessions (API {MinBuildKitApiVersion}, Docker 18.09)"
            : null;
        var bridge = noBuildKit is not null || await HasBridgeNetworkAsync(cancellation).ConfigureAwait(false);
        return new EngineInfo(_settings.Describe(), version.Version ?? "?", negotiated.ToString(), os, version.Arch ?? "?", noBuildKit, bridge);
    }

    private async Task<bool> HasBridgeNetworkAsync(CancellationToken cancellation)
    {
        try
        {
            await Client.Networks.InspectNetworkAsync("bridge", cancellation).ConfigureAwait(false);
            return true;
        }
        catch (DockerNetworkNotFoundException)
        {
            return false;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task BuildAsync(ImageBuildSpec spec, Stream context, Action<EngineMessage> onMessage, CancellationToken cancellation)
    {
        if (spec.Builder == ImageBuilder.BuildKit)
        {
            var buildKit = new BuildKit.BuildKitClient(new BuildKit.EngineDialer(_settings, _environment), _apiVersion ?? throw new InvalidOperationException("ConnectAsync must be called first."));
            try
            {
                await buildKit.BuildAsync(spec, context, onMessage, OnSessionRequest, cancellation).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellation.IsCancellationRequested && ex is not X0Exception && IsConnectionFailure(ex))
            {
                if (Find<X0Exception>(ex) is { } own) throw own;
                throw Unavailable(ex);
            }
            return;
        }
        var client = Client;
        var parameters = new ImageBuildParameters
        {
            Dockerfile = spec.Dockerfile,
            Tags = spec.References.ToList(),
            Target = string.IsNullOrEmpty(spec.Target) ? null : spec.Target,
            BuildArgs = spec.BuildArgs.Count == 0 ? null : spec.BuildArgs.ToDictionary(k => k.Key, v => v.Value),
            Labels = spec.Labels.Count == 0 ? null : spec.Labels.ToDictionary(k => k.Key, v => v.Value),
            NoCache = spec.NoCache ? true : null,
            Pull = spec.Pull ? "1" : null,
            Remove = true,
            // The classic builder: BuildKit over the raw API needs its session protocol (gRPC over a hijacked connection).
            Version = "1",
        };
        var auths = spec.RegistryCredentials.Select(kv => ToAuth(kv.Key, kv.Value)).ToList();
        try
        {
            await client.Images.BuildImageFromDockerfileAsync(parameters, context, auths, null,
                new Relay(m => onMessage(Convert(m))), cancellation).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new X0Exception(ErrorIds.ImageBuildFailed, X0ErrorCategory.InvalidResult,
                "the Docker engine to accept the build", $"HTTP {(int)ex.StatusCode}: {ApiMessage(ex)}",
                "Check the Dockerfile and the build arguments", spec.Dockerfile, ex);
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested && IsConnectionFailure(ex) && ex is not X0Exception)
        {
            // A context producer failure (e.g. a link escaping the context) arrives wrapped; surface ours.
            if (Find<X0Exception>(ex) is { } own) throw own;
            throw Unavailable(ex);
        }
    }

    public async Task<EngineImage?> InspectAsync(string reference, CancellationToken cancellation)
    {
        try
        {
            var i = await Client.Images.InspectImageAsync(reference, cancellation).ConfigureAwait(false);
            return new EngineImage(i.ID, i.RepoTags?.ToList() ?? new List<string>(), i.RepoDigests?.ToList() ?? new List<string>(), i.Size,
                i.Created is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : null,
                i.Config?.Labels is { } labels ? new Dictionary<string, string>(labels) : new Dictionary<string, string>());
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested && IsConnectionFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    public async Task<Stream> ExportAsync(string reference, CancellationToken cancellation)
    {
        try
        {
            // Docker.DotNet's chunked reader ends this stream early; a plain HTTP client reads it whole.
            var http = new BuildKit.EngineDialer(_settings, _environment).CreateHttpClient();
            var response = await http.GetAsync($"v{_apiVersion}/images/{Uri.EscapeDataString(reference)}/get", HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
                http.Dispose();
                throw new X0Exception(ErrorIds.ImageNotFound, X0ErrorCategory.ObjectNotFound, $"image {reference} in the engine",
                    $"HTTP {(int)response.StatusCode}: {SecretRedactor.Redact(body.Trim())}", "Run the build again", reference);
            }
            return new OwningStream(await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false), response, http);
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested && IsConnectionFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    public async Task PushAsync(ImageRepository repository, string tag, RegistryCredential? credential, Action<EngineMessage> onMessage, CancellationToken cancellation)
    {
        var auth = credential is null ? new AuthConfig { ServerAddress = repository.Registry } : ToAuth(repository.Registry, credential);
        try
        {
            await Client.Images.PushImageAsync(repository.Name, new ImagePushParameters { Tag = tag }, auth,
                new Relay(m => onMessage(Convert(m))), cancellation).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new X0Exception(ErrorIds.ImagePushFailed, X0ErrorCategory.InvalidResult,
                $"the Docker engine to push {repository.Reference(tag)}", $"HTTP {(int)ex.StatusCode}: {ApiMessage(ex)}",
                "Check that the image exists locally and the registry is reachable from the engine", repository.Reference(tag), ex);
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested && IsConnectionFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    private DockerClient Client => _client ?? throw new InvalidOperationException("ConnectAsync must be called first.");

    private DockerClient CreateClient(Version? apiVersion)
    {
        var builder = new DockerClientBuilder();
        builder = _settings.Endpoint is not null ? builder.WithEndpoint(_settings.Endpoint) : builder.WithContext(_settings.Context!);
        if (apiVersion is not null) builder = builder.WithApiVersion(apiVersion);
        if (_settings.Tls)
        {
            var certs = DockerTlsCertificates.LoadFromDirectory(_settings.CertPath!, loadCertificateAuthority: _settings.TlsVerify);
            builder = builder.WithAuthProvider(certs.CreateCredentials());
        }
        return builder.Build();
    }

    private static AuthConfig ToAuth(string server, RegistryCredential c) => c.IsIdentityToken
        ? new AuthConfig { ServerAddress = server, IdentityToken = c.Secret }
        : new AuthConfig { ServerAddress = server, Username = c.Username, Password = c.Secret };

    private static EngineMessage Convert(JSONMessage m)
    {
        string? auxId = null, auxDigest = null, auxTag = null;
        long? auxSize = null;
        if (m.Aux?.ExtensionData is { } aux)
        {
            auxId = AuxString(aux, "ID");
            auxDigest = AuxString(aux, "Digest");
            auxTag = AuxString(aux, "Tag");
            if (aux.TryGetValue("Size", out var size) && size is JsonElement { ValueKind: JsonValueKind.Number } se) auxSize = se.GetInt64();
        }
        return new EngineMessage(m.Stream, m.Status, m.ID, m.Error?.Message, m.Progress?.Current, m.Progress?.Total, auxId, auxDigest, auxTag, auxSize);
    }

    private static string? AuxString(IDictionary<string, object> aux, string key) => aux.TryGetValue(key, out var v)
        ? v switch
        {
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            string s => s,
            _ => null,
        }
        : null;

    private X0Exception Unavailable(Exception ex)
    {
        var found = Find<SocketException>(ex) is { } se ? $"{se.SocketErrorCode}: {se.Message}"
            : Find<TimeoutException>(ex) is { } te ? "no answer: " + te.Message
            : ex.GetBaseException().Message;
        var fix = _settings.Source == "default"
            ? "Start Docker (e.g. sudo systemctl start docker, or Docker Desktop), or set DOCKER_HOST to a running engine"
            : $"Start the engine {_settings.Describe()} names, or fix {_settings.Source.Split(' ')[0]}";
        return new X0Exception(ErrorIds.DockerUnavailable, X0ErrorCategory.ConnectionError,
            $"a Docker engine answering at {_settings.Describe()} (from {_settings.Source})",
            $"no daemon running there ({SecretRedactor.Redact(found)})", fix, _settings.Describe(), ex);
    }

    private static bool IsConnectionFailure(Exception ex) =>
        Find<SocketException>(ex) is not null || Find<HttpRequestException>(ex) is not null || Find<TimeoutException>(ex) is not null
        || Find<IOException>(ex) is not null || ex is OperationCanceledException || Find<X0Exception>(ex) is not null;

    private static T? Find<T>(Exception? ex) where T : Exception
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is T t) return t;
            if (e is AggregateException agg)
            {
                foreach (var inner in agg.InnerExceptions)
                {
                    if (Find<T>(inner) is { } found) return found;
                }
            }
        }
        return null;
    }

    private static string ApiMessage(DockerApiException ex)
    {
        var body = ex.ResponseBody ?? string.Empty;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("message", out var m) && m.GetString() is { } text) return SecretRedactor.Redact(text);
        }
        catch (JsonException)
        {
        }
        return SecretRedactor.Redact(body.Trim());
    }

    private static Version? ParseVersion(string? text) => Version.TryParse(text, out var v) ? v : null;

    /// <summary>A response stream that disposes its response and client with it.</summary>
    private sealed class OwningStream(Stream inner, params IDisposable[] owned) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                foreach (var o in owned) o.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    // Progress<T> would post to the thread pool and reorder messages; this reports inline, in order.
    private sealed class Relay(Action<JSONMessage> report) : IProgress<JSONMessage>
    {
        public void Report(JSONMessage value) => report(value);
    }
}
