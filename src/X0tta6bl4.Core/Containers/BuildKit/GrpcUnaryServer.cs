using System.Buffers.Binary;
using System.Text;
using X0tta6bl4.Core.Containers.BuildKit.Http2;

namespace X0tta6bl4.Core.Containers.BuildKit;

/// <summary>gRPC status codes (the ones a session service answers with).</summary>
public enum GrpcStatus
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    NotFound = 5,
    PermissionDenied = 7,
    Internal = 13,
    Unimplemented = 12,
}

/// <summary>A handler's refusal, sent as grpc-status and grpc-message trailers.</summary>
public sealed class GrpcException(GrpcStatus status, string message) : Exception(message)
{
    public GrpcStatus Status { get; } = status;
}

/// <summary>
/// Unary gRPC over <see cref="Http2ServerConnection"/>: each request body is one length-prefixed
/// message (flag byte 0, 4-byte big-endian length), each answer one message followed by the
/// grpc-status trailer; errors are trailers-only answers. Methods are "/package.Service/Method".
/// </summary>
public sealed class GrpcUnaryServer
{
    private readonly Dictionary<string, Func<byte[], CancellationToken, Task<byte[]>>> _methods = new(StringComparer.Ordinal);

    /// <summary>Method paths served, for the session's X-Docker-Expose-Session-Grpc-Method headers.</summary>
    public IReadOnlyCollection<string> Methods => _methods.Keys;

    public void Map(string method, Func<byte[], CancellationToken, Task<byte[]>> handler) => _methods[method] = handler;

    public async Task<Http2Response> HandleAsync(Http2Request request, CancellationToken cancellation)
    {
        if (!_methods.TryGetValue(request.Path, out var handler))
        {
            return Failure(GrpcStatus.Unimplemented, $"unknown method {request.Path}");
        }
        if (request.Header("content-type") is not { } type || !type.StartsWith("application/grpc", StringComparison.Ordinal))
        {
            return Failure(GrpcStatus.InvalidArgument, "content-type is not application/grpc");
        }
        byte[] message;
        try
        {
            message = Unframe(request.Body);
        }
        catch (GrpcException ex)
        {
            return Failure(ex.Status, ex.Message);
        }
        try
        {
            var answer = await handler(message, cancellation).ConfigureAwait(false);
            return new Http2Response(ResponseHeaders, Frame(answer), Trailers(GrpcStatus.Ok, null));
        }
        catch (GrpcException ex)
        {
            return Failure(ex.Status, ex.Message);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            return Failure(GrpcStatus.InvalidArgument, ex.Message);
        }
    }

    /// <summary>The one message of a unary request body.</summary>
    public static byte[] Unframe(byte[] body)
    {
        if (body.Length < 5) throw new GrpcException(GrpcStatus.InvalidArgument, "a request without a message");
        if (body[0] != 0) throw new GrpcException(GrpcStatus.Unimplemented, "compressed messages are not accepted (no grpc-accept-encoding was offered)");
        var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1));
        if (length != body.Length - 5) throw new GrpcException(GrpcStatus.InvalidArgument, "the message length does not match the body");
        return body[5..];
    }

    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        var framed = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed.AsSpan(5));
        return framed;
    }

    private static readonly HeaderField[] ResponseHeaders = { new(":status", "200"), new("content-type", "application/grpc") };

    private static Http2Response Failure(GrpcStatus status, string message) =>
        new(ResponseHeaders.Concat(Trailers(status, message)).ToArray(), Array.Empty<byte>(), Array.Empty<HeaderField>());

    private static HeaderField[] Trailers(GrpcStatus status, string? message) => message is null
        ? new[] { new HeaderField("grpc-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)) }
        : new[] { new HeaderField("grpc-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)), new HeaderField("grpc-message", PercentEncode(message)) };

    /// <summary>grpc-message is percent-encoded outside printable ASCII (and '%' itself).</summary>
    public static string PercentEncode(string message)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7e && b != (byte)'%') sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
