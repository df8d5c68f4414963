using System.Buffers.Binary;

namespace X0tta6bl4.Core.Containers.BuildKit.Http2;

/// <summary>Frame types of RFC 9113 section 6.</summary>
public enum FrameType : byte
{
    Data = 0x0,
    Headers = 0x1,
    Priority = 0x2,
    RstStream = 0x3,
    Settings = 0x4,
    PushPromise = 0x5,
    Ping = 0x6,
    GoAway = 0x7,
    WindowUpdate = 0x8,
    Continuation = 0x9,
}

/// <summary>Frame flags (their meaning depends on the type; ACK and END_STREAM share a bit).</summary>
public static class FrameFlags
{
    public const byte EndStream = 0x1;
    public const byte Ack = 0x1;
    public const byte EndHeaders = 0x4;
    public const byte Padded = 0x8;
    public const byte Priority = 0x20;
}

/// <summary>SETTINGS parameters (RFC 9113 6.5.2).</summary>
public enum SettingId : ushort
{
    HeaderTableSize = 0x1,
    EnablePush = 0x2,
    MaxConcurrentStreams = 0x3,
    InitialWindowSize = 0x4,
    MaxFrameSize = 0x5,
    MaxHeaderListSize = 0x6,
}

/// <summary>Error codes of RST_STREAM and GOAWAY (RFC 9113 section 7).</summary>
public enum Http2ErrorCode : uint
{
    NoError = 0x0,
    ProtocolError = 0x1,
    InternalError = 0x2,
    FlowControlError = 0x3,
    StreamClosed = 0x5,
    FrameSizeError = 0x6,
    RefusedStream = 0x7,
    Cancel = 0x8,
    CompressionError = 0x9,
}

/// <summary>A connection-level protocol violation: the connection ends with GOAWAY and this code.</summary>
public sealed class Http2ProtocolException(Http2ErrorCode code, string message) : Exception(message)
{
    public Http2ErrorCode Code { get; } = code;
}

/// <summary>One frame: the 9-byte header's fields and the payload.</summary>
public sealed record Http2Frame(FrameType Type, byte Flags, int StreamId, byte[] Payload)
{
    public bool Has(byte flag) => (Flags & flag) == flag;
}

/// <summary>Reading and writing frames (RFC 9113 section 4) on a byte stream.</summary>
public static class Http2Frames
{
    public const int HeaderSize = 9;
    public const int DefaultMaxFrameSize = 16_384;
    public const int DefaultWindowSize = 65_535;

    /// <summary>What a client sends first (RFC 9113 3.4).</summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>The next frame, or null when the stream ended cleanly between frames.</summary>
    /// <exception cref="Http2ProtocolException">FRAME_SIZE_ERROR for a frame above <paramref name="maxFrameSize"/>.</exception>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    public static async Task<Http2Frame?> ReadAsync(Stream stream, int maxFrameSize, CancellationToken cancellation)
    {
        var header = new byte[HeaderSize];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellation).ConfigureAwait(false)) return null;
        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        if (length > maxFrameSize)
        {
            throw new Http2ProtocolException(Http2ErrorCode.FrameSizeError, $"a {length}-byte frame above the {maxFrameSize}-byte limit");
        }
        var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7fff_ffff);
        var payload = new byte[length];
        if (length > 0) await stream.ReadExactlyAsync(payload, cancellation).ConfigureAwait(false);
        return new Http2Frame((FrameType)header[3], header[4], streamId, payload);
    }

    public static byte[] Encode(FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderSize + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = (byte)type;
        frame[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)streamId & 0x7fff_ffff);
        payload.CopyTo(frame.AsSpan(HeaderSize));
        return frame;
    }

    public static byte[] Settings(params (SettingId Id, uint Value)[] settings)
    {
        var payload = new byte[settings.Length * 6];
        for (var i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), (ushort)settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(i * 6 + 2), settings[i].Value);
        }
        return Encode(FrameType.Settings, 0, 0, payload);
    }

    public static IEnumerable<(SettingId Id, uint Value)> ParseSettings(byte[] payload)
    {
        if (payload.Length % 6 != 0) throw new Http2ProtocolException(Http2ErrorCode.FrameSizeError, "a SETTINGS payload that is not a multiple of 6 bytes");
        for (var i = 0; i < payload.Length; i += 6)
        {
            yield return ((SettingId)BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i)), BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2)));
        }
    }

    public static byte[] WindowUpdate(int streamId, int increment)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        return Encode(FrameType.WindowUpdate, 0, streamId, payload);
    }

    public static byte[] RstStream(int streamId, Http2ErrorCode code)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        return Encode(FrameType.RstStream, 0, streamId, payload);
    }

    public static byte[] GoAway(int lastStreamId, Http2ErrorCode code, string debug = "")
    {
        var text = System.Text.Encoding.UTF8.GetBytes(debug);
        var payload = new byte[8 + text.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), (uint)code);
        text.CopyTo(payload, 8);
        return Encode(FrameType.GoAway, 0, 0, payload);
    }

    /// <summary>The header block fragment of a HEADERS frame, without padding and priority fields.</summary>
    public static ReadOnlyMemory<byte> HeaderBlock(Http2Frame frame)
    {
        var start = 0;
        var end = frame.Payload.Length;
        if (frame.Has(FrameFlags.Padded))
        {
            if (end == 0) throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, "PADDED without a pad length");
            end -= frame.Payload[0];
            start = 1;
        }
        if (frame.Type == FrameType.Headers && frame.Has(FrameFlags.Priority)) start += 5;
        if (end < start) throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, "padding longer than the frame");
        return frame.Payload.AsMemory(start, end - start);
    }

    /// <summary>The data of a DATA frame, without padding.</summary>
    public static ReadOnlyMemory<byte> Data(Http2Frame frame) =>
        frame.Type == FrameType.Data && frame.Has(FrameFlags.Padded) ? HeaderBlock(frame with { Type = FrameType.Continuation }) : frame.Payload;

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellation)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellation).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0) return false;
                throw new EndOfStreamException("the connection ended inside a frame header");
            }
            read += n;
        }
        return true;
    }
}
