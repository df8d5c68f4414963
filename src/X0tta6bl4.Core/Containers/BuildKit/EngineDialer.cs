using System.IO.Pipes;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers.BuildKit;

/// <summary>
/// Raw connections to the Docker engine for what an HTTP client library cannot do: the /session
/// upgrade that hands the connection over to HTTP/2, and the BuildKit build request beside it.
/// unix://, tcp:// (TLS with the client certificates of DOCKER_CERT_PATH), npipe://, or a docker
/// context's endpoint read from the CLI's context store.
/// </summary>
public sealed class EngineDialer
{
    private readonly Uri _endpoint;
    private readonly bool _tls;
    private readonly bool _verify;
    private readonly string? _certPath;

    public EngineDialer(DockerEndpointSettings settings, IReadOnlyDictionary<string, string?> environment)
    {
        if (settings.Endpoint is { } endpoint)
        {
            (_endpoint, _tls, _verify, _certPath) = (endpoint, settings.Tls, settings.TlsVerify, settings.CertPath);
        }
        else
        {
            (_endpoint, _tls, _verify, _certPath) = FromContextStore(settings.Context!, environment);
        }
    }

    /// <summary>The URI HTTP requests name (the host part is ignored on sockets and pipes).</summary>
    public Uri BaseAddress => _endpoint.Scheme is "tcp" or "http" or "https"
        ? new Uri($"{(_tls ? "https" : "http")}://{_endpoint.Host}:{(_endpoint.IsDefaultPort ? (_tls ? 2376 : 2375) : _endpoint.Port)}/")
        : new Uri("http://docker/");

    public bool UsesTls => _tls;

    /// <summary>A new connection; on TLS endpoints already authenticated when <paramref name="withTls"/>.</summary>
    public async Task<Stream> OpenAsync(bool withTls, CancellationToken cancellation)
    {
        Stream stream;
        switch (_endpoint.Scheme)
        {
            case "unix":
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(_endpoint.LocalPath), cancellation).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                return new NetworkStream(socket, ownsSocket: true);
            case "npipe":
                var pipeName = _endpoint.Segments.Length > 2 ? string.Concat(_endpoint.Segments.Skip(2)) : "docker_engine";
                var pipe = new NamedPipeClientStream(".", pipeName, PipeDirection.InOut, PipeOptions.Asynchronous);
                await pipe.ConnectAsync(cancellation).ConfigureAwait(false);
                return pipe;
            default:
                var tcp = new TcpClient { NoDelay = true };
                await tcp.ConnectAsync(_endpoint.Host, BaseAddress.Port, cancellation).ConfigureAwait(false);
                stream = tcp.GetStream();
                break;
        }
        if (!_tls || !withTls) return stream;
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, cert, chain, errors) => !_verify || errors == SslPolicyErrors.None || TrustedByCa(cert, chain));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = _endpoint.Host,
            ClientCertificates = ClientCertificate() is { } c ? new X509CertificateCollection { c } : null,
        }, cancellation).ConfigureAwait(false);
        return ssl;
    }

    /// <summary>An HTTP/1.1 client whose every connection comes from <see cref="OpenAsync"/> (TLS done by the handler).</summary>
    public HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) => await OpenAsync(withTls: false, ct).ConfigureAwait(false),
            UseProxy = false,
        };
        if (_tls)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, chain, errors) => !_verify || errors == SslPolicyErrors.None || TrustedByCa(cert, chain);
            if (ClientCertificate() is { } certificate) handler.SslOptions.ClientCertificates = new X509CertificateCollection { certificate };
        }
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The client certificate (cert.pem + key.pem of the cert path) for an HTTP handler.</summary>
    public X509Certificate2? ClientCertificate()
    {
        if (_certPath is null) return null;
        var cert = Path.Combine(_certPath, "cert.pem");
        var key = Path.Combine(_certPath, "key.pem");
        if (!File.Exists(cert) || !File.Exists(key)) return null;
        using var pem = X509Certificate2.CreateFromPemFile(cert, key);
        // An ephemeral key is refused by SslStream on some platforms: round-trip through PKCS#12.
        return new X509Certificate2(pem.Export(X509ContentType.Pkcs12));
    }

    public bool TrustedByCa(X509Certificate? certificate, X509Chain? chain)
    {
        var caFile = _certPath is null ? null : Path.Combine(_certPath, "ca.pem");
        if (certificate is null || caFile is null || !File.Exists(caFile)) return false;
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(new X509Certificate2(certificate));
    }

    private static (Uri, bool, bool, string?) FromContextStore(string name, IReadOnlyDictionary<string, string?> env)
    {
        string? Get(string n) => env.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        var home = Get("HOME") ?? Get("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var config = Get("DOCKER_CONFIG") ?? Path.Combine(home, ".docker");
        // The CLI stores each context under the hex SHA-256 of its name.
        var id = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name))).ToLowerInvariant();
        var meta = Path.Combine(config, "contexts", "meta", id, "meta.json");
        if (!File.Exists(meta))
        {
            throw new X0Exception(ErrorIds.DockerUnavailable, X0ErrorCategory.ObjectNotFound,
                $"docker context '{name}' in {Path.Combine(config, "contexts")}", "no such context",
                "Run docker context ls, or set DOCKER_HOST", name);
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(meta));
        var docker = doc.RootElement.GetProperty("Endpoints").GetProperty("docker");
        var host = docker.GetProperty("Host").GetString()!;
        var skipVerify = docker.TryGetProperty("SkipTLSVerify", out var s) && s.ValueKind == JsonValueKind.True;
        var tlsDir = Path.Combine(config, "contexts", "tls", id, "docker");
        var tls = Directory.Exists(tlsDir);
        return (new Uri(host), tls, tls && !skipVerify, tls ? tlsDir : null);
    }
}
