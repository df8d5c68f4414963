using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using X0tta6bl4.Core.Containers.BuildKit.Http2;
using X0tta6bl4.Core.Containers.BuildKit.Protocol;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers.BuildKit;

/// <summary>
/// What a build session hands the engine on request: secret values by id, registry credentials by
/// host. Values are read when the engine asks, never kept in a plan, never logged.
/// </summary>
public sealed class SessionServices
{
    public IReadOnlyDictionary<string, BuildSecret> Secrets { get; init; } = new Dictionary<string, BuildSecret>();
    public IReadOnlyDictionary<string, RegistryCredential> Credentials { get; init; } = new Dictionary<string, RegistryCredential>();
    /// <summary>Told what the engine asked for (ids and hosts only).</summary>
    public Action<string>? OnRequest { get; init; }

    /// <summary>The gRPC methods of the session: health, secrets, registry credentials.</summary>
    public GrpcUnaryServer CreateServer()
    {
        var server = new GrpcUnaryServer();
        server.Map("/grpc.health.v1.Health/Check", (_, _) =>
            Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving }.ToByteArray()));
        server.Map("/moby.buildkit.secrets.v1.Secrets/GetSecret", GetSecretAsync);
        server.Map("/moby.filesync.v1.Auth/Credentials", CredentialsAsync);
        return server;
    }

    private async Task<byte[]> GetSecretAsync(byte[] message, CancellationToken cancellation)
    {
        var request = GetSecretRequest.Parser.ParseFrom(message);
        OnRequest?.Invoke($"secret '{request.ID}'");
        if (!Secrets.TryGetValue(request.ID, out var secret))
        {
            // BuildKit turns NotFound into "secret X not found" (or skips a mount marked required=false).
            throw new GrpcException(GrpcStatus.NotFound, $"secret {request.ID} not found");
        }
        var value = await secret.ReadAsync(cancellation).ConfigureAwait(false);
        return new GetSecretResponse { Data = ByteString.CopyFrom(value) }.ToByteArray();
    }

    private Task<byte[]> CredentialsAsync(byte[] message, CancellationToken cancellation)
    {
        var request = CredentialsRequest.Parser.ParseFrom(message);
        OnRequest?.Invoke($"credentials for {request.Host}");
        var host = request.Host == ImageRepository.DockerHubApiHost ? ImageRepository.DockerHubHost : request.Host;
        var response = new CredentialsResponse();
        if (Credentials.TryGetValue(host, out var c) || Credentials.TryGetValue(request.Host, out c))
        {
            // An identity token travels with an empty user name, as the docker CLI sends it.
            response.Username = c.IsIdentityToken ? string.Empty : c.Username;
            response.Secret = c.Secret;
        }
        return Task.FromResult(response.ToByteArray());
    }
}

/// <summary>
/// A BuildKit session on the Docker engine: POST /session upgraded to h2c on a connection of its own,
/// on which the engine is the gRPC client and we serve <see cref="SessionServices"/>. The engine finds
/// it by the id passed as the build's session parameter; it ends when disposed.
/// </summary>
public sealed class BuildSession : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private BuildSession(string id, Stream stream, GrpcUnaryServer server)
    {
        Id = id;
        _stream = stream;
        var connection = new Http2ServerConnection(stream, server.HandleAsync);
        _serving = Task.Run(() => connection.RunAsync(_stop.Token));
    }

    public string Id { get; }

    /// <summary>Ends with the connection: an early end during a build means the engine dropped the session.</summary>
    public Task Serving => _serving;

    public static async Task<BuildSession> StartAsync(EngineDialer dialer, string apiVersion, SessionServices services, CancellationToken cancellation)
    {
        var id = NewId();
        var server = services.CreateServer();
        var stream = await dialer.OpenAsync(withTls: true, cancellation).ConfigureAwait(false);
        try
        {
            var request = new StringBuilder()
                .Append($"POST /v{apiVersion}/session HTTP/1.1\r\n")
                .Append("Host: docker\r\n")
                .Append("User-Agent: x0tta6bl4\r\n")
                .Append("Content-Length: 0\r\n")
                .Append("Connection: Upgrade\r\n")
                .Append("Upgrade: h2c\r\n")
                .Append($"X-Docker-Expose-Session-Uuid: {id}\r\n")
                .Append("X-Docker-Expose-Session-Name: x0tta6bl4\r\n")
                .Append($"X-Docker-Expose-Session-Sharedkey: {SharedKey()}\r\n");
            // The engine calls only methods listed here.
            foreach (var method in server.Methods) request.Append($"X-Docker-Expose-Session-Grpc-Method: {method}\r\n");
            request.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellation).ConfigureAwait(false);
            await stream.FlushAsync(cancellation).ConfigureAwait(false);
            var (status, head) = await ReadResponseHeadAsync(stream, cancellation).ConfigureAwait(false);
            if (status != 101)
            {
                throw new X0Exception(ErrorIds.ImageBuildFailed, X0ErrorCategory.ProtocolError,
                    "the Docker engine to open a BuildKit session (HTTP 101 to POST /session)", $"HTTP {status}: {SecretRedactor.Redact(head)}",
                    "Check that the engine supports BuildKit (Docker 18.09 or later on Linux)", "/session");
            }
            return new BuildSession(id, stream, server);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _stream.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or Http2ProtocolException or EndOfStreamException)
        {
            // Closing our side ends the read loop one way or another.
        }
        _stop.Dispose();
    }

    /// <summary>Reads "HTTP/1.1 101 ...\r\n...\r\n\r\n" byte by byte: nothing after it may be consumed.</summary>
    private static async Task<(int Status, string Head)> ReadResponseHeadAsync(Stream stream, CancellationToken cancellation)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 16_384)
        {
            if (await stream.ReadAsync(one, cancellation).ConfigureAwait(false) == 0) break;
            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n') break;
        }
        var text = Encoding.ASCII.GetString(head.ToArray());
        var parts = text.Split(' ', 3);
        var status = parts.Length > 1 && int.TryParse(parts[1], out var s) ? s : 0;
        return (status, text.Trim());
    }

    private static string NewId()
    {
        // 25 lower-case base-36 characters, as BuildKit's identity.NewID makes them.
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        return string.Concat(RandomNumberGenerator.GetBytes(25).Select(b => alphabet[b % alphabet.Length]));
    }

    private static string SharedKey() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
}
