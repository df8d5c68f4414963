using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Containers.BuildKit;
using X0tta6bl4.Core.Containers.BuildKit.Http2;
using X0tta6bl4.Core.Containers.BuildKit.Protocol;

namespace X0tta6bl4.Core.Tests.Containers.BuildKit;

/// <summary>
/// The session server against .NET's own HTTP/2 client (prior knowledge over plain TCP on loopback),
/// frame by frame where it matters; the Docker engine as client is covered by BuildKitIntegrationTests.
/// </summary>
public sealed class SessionProtocolTests
{
    [Fact]
    public async Task frames_round_trip_and_padding_is_stripped()
    {
        var frame = Http2Frames.Encode(FrameType.Headers, FrameFlags.EndHeaders, 5, new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 0, 0, 3, 1, 4, 0, 0, 0, 5, 1, 2, 3 }, frame);
        var read = (await Http2Frames.ReadAsync(new MemoryStream(frame), Http2Frames.DefaultMaxFrameSize, TestContext.Current.CancellationToken))!;
        Assert.Equal((FrameType.Headers, 5), (read.Type, read.StreamId));
        Assert.Equal(new byte[] { 1, 2, 3 }, read.Payload);

        // PADDED + PRIORITY: pad length 2, 5 priority bytes, block "ab", 2 bytes of padding.
        var padded = new Http2Frame(FrameType.Headers, FrameFlags.Padded | FrameFlags.Priority, 1, new byte[] { 2, 0, 0, 0, 0, 16, (byte)'a', (byte)'b', 0, 0 });
        Assert.Equal("ab", Encoding.ASCII.GetString(Http2Frames.HeaderBlock(padded).Span));
        var data = new Http2Frame(FrameType.Data, FrameFlags.Padded, 1, new byte[] { 1, (byte)'x', 0 });
        Assert.Equal("x", Encoding.ASCII.GetString(Http2Frames.Data(data).Span));
    }

    [Fact]
    public async Task an_oversized_frame_and_a_bad_settings_payload_are_protocol_errors()
    {
        var big = Http2Frames.Encode(FrameType.Data, 0, 1, new byte[Http2Frames.DefaultMaxFrameSize + 1]);
        var ex = await Assert.ThrowsAsync<Http2ProtocolException>(() => Http2Frames.ReadAsync(new MemoryStream(big), Http2Frames.DefaultMaxFrameSize, TestContext.Current.CancellationToken));
        Assert.Equal(Http2ErrorCode.FrameSizeError, ex.Code);
        Assert.Throws<Http2ProtocolException>(() => Http2Frames.ParseSettings(new byte[5]).ToList());
        Assert.Equal(new[] { (SettingId.InitialWindowSize, 1_048_576u) }, Http2Frames.ParseSettings(Http2Frames.Settings((SettingId.InitialWindowSize, 1_048_576))[9..]));
    }

    [Fact]
    public async Task health_secrets_and_credentials_answer_over_h2c_with_grpc_trailers()
    {
        var big = new byte[300_000];   // more than the 64 KiB windows: the answer must wait for WINDOW_UPDATEs
        new Random(7).NextBytes(big);
        var secretFile = Path.GetTempFileName();
        await File.WriteAllBytesAsync(secretFile, big, TestContext.Current.CancellationToken);
        var asked = new List<string>();
        var services = new SessionServices
        {
            Secrets = new Dictionary<string, BuildSecret>
            {
                ["token"] = BuildSecret.FromValue("token", Encoding.UTF8.GetBytes("s3cr3t-value")),
                ["big"] = BuildSecret.FromFile("big", secretFile),
            },
            Credentials = new Dictionary<string, RegistryCredential>
            {
                ["127.0.0.1:5000"] = new("ci-user", "registry-password", "test"),
                ["docker.io"] = new("hub-user", "hub-token", "test"),
            },
            OnRequest = r => { lock (asked) asked.Add(r); },
        };
        try
        {
            await using var server = await LoopbackServer.StartAsync(services);
            using var http = server.Client();

            var health = HealthCheckResponse.Parser.ParseFrom(await CallAsync(http, "/grpc.health.v1.Health/Check", new HealthCheckRequest()));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

            var secret = GetSecretResponse.Parser.ParseFrom(await CallAsync(http, "/moby.buildkit.secrets.v1.Secrets/GetSecret", new GetSecretRequest { ID = "token" }));
            Assert.Equal("s3cr3t-value", secret.Data.ToStringUtf8());
            var large = GetSecretResponse.Parser.ParseFrom(await CallAsync(http, "/moby.buildkit.secrets.v1.Secrets/GetSecret", new GetSecretRequest { ID = "big" }));
            Assert.Equal(big, large.Data.ToByteArray());

            var (status, message) = await CallFailingAsync(http, "/moby.buildkit.secrets.v1.Secrets/GetSecret", new GetSecretRequest { ID = "nope" });
            Assert.Equal(("5", "secret nope not found"), (status, message));
            Assert.Equal("12", (await CallFailingAsync(http, "/moby.filesync.v1.FileSync/DiffCopy", new HealthCheckRequest())).Status);

            var local = CredentialsResponse.Parser.ParseFrom(await CallAsync(http, "/moby.filesync.v1.Auth/Credentials", new CredentialsRequest { Host = "127.0.0.1:5000" }));
            Assert.Equal(("ci-user", "registry-password"), (local.Username, local.Secret));
            var hub = CredentialsResponse.Parser.ParseFrom(await CallAsync(http, "/moby.filesync.v1.Auth/Credentials", new CredentialsRequest { Host = "registry-1.docker.io" }));
            Assert.Equal("hub-user", hub.Username);
            var anonymous = CredentialsResponse.Parser.ParseFrom(await CallAsync(http, "/moby.filesync.v1.Auth/Credentials", new CredentialsRequest { Host = "ghcr.io" }));
            Assert.Equal((string.Empty, string.Empty), (anonymous.Username, anonymous.Secret));

            // Many calls on one connection, concurrently, as the engine's health probe runs beside the build.
            var calls = Enumerable.Range(0, 40).Select(_ => CallAsync(http, "/grpc.health.v1.Health/Check", new HealthCheckRequest()));
            Assert.All(await Task.WhenAll(calls), r => Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, HealthCheckResponse.Parser.ParseFrom(r).Status));
            Assert.Contains("secret 'token'", asked);
            Assert.Contains("credentials for registry-1.docker.io", asked);
            Assert.DoesNotContain(asked, a => a.Contains("s3cr3t", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    [Fact]
    public async Task a_connection_that_does_not_start_with_the_preface_gets_goaway()
    {
        using var input = new MemoryStream(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        var output = new MemoryStream();
        var connection = new Http2ServerConnection(new Duplex(input, output), (_, _) => throw new InvalidOperationException());
        var ex = await Assert.ThrowsAsync<Http2ProtocolException>(() => connection.RunAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Http2ErrorCode.ProtocolError, ex.Code);
        var frame = await Http2Frames.ReadAsync(new MemoryStream(output.ToArray()), Http2Frames.DefaultMaxFrameSize, TestContext.Current.CancellationToken);
        Assert.Equal(FrameType.GoAway, frame!.Type);
    }

    private static async Task<byte[]> CallAsync(HttpClient http, string method, IMessage request)
    {
        using var response = await SendAsync(http, method, request);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        return GrpcUnaryServer.Unframe(body);
    }

    private static async Task<(string Status, string? Message)> CallFailingAsync(HttpClient http, string method, IMessage request)
    {
        using var response = await SendAsync(http, method, request);
        await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        // A trailers-only answer: grpc-status arrives with the headers.
        var status = response.Headers.GetValues("grpc-status").Single();
        var message = response.Headers.TryGetValues("grpc-message", out var m) ? m.Single() : null;
        return (status, message);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string method, IMessage request)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(GrpcUnaryServer.Frame(request.ToByteArray())),
        };
        message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        message.Headers.TryAddWithoutValidation("te", "trailers");
        return http.SendAsync(message, HttpCompletionOption.ResponseContentRead, TestContext.Current.CancellationToken);
    }

    /// <summary>One loopback connection served by <see cref="Http2ServerConnection"/>, as the engine's would be.</summary>
    private sealed class LoopbackServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private Task _serving = Task.CompletedTask;

        private LoopbackServer(TcpListener listener) => _listener = listener;

        public static Task<LoopbackServer> StartAsync(SessionServices services)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var server = new LoopbackServer(listener);
            var grpc = services.CreateServer();
            server._serving = Task.Run(async () =>
            {
                using var client = await listener.AcceptTcpClientAsync(server._stop.Token);
                await new Http2ServerConnection(client.GetStream(), grpc.HandleAsync).RunAsync(server._stop.Token);
            });
            return Task.FromResult(server);
        }

        public HttpClient Client() => new(new SocketsHttpHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/") };

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            try { await _serving; } catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException) { }
        }
    }

    private sealed class Duplex(Stream input, Stream output) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => output.Flush();
        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
    }
}
