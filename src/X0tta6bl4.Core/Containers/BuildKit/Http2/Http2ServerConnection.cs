using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace X0tta6bl4.Core.Containers.BuildKit.Http2;

/// <summary>A complete request: its header fields and its body (the stream ended after it).</summary>
public sealed record Http2Request(int StreamId, IReadOnlyList<HeaderField> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name == name).Value;
    public string Path => Header(":path") ?? string.Empty;
}

/// <summary>An answer: headers, a body (possibly empty) and trailers (possibly none).</summary>
public sealed record Http2Response(IReadOnlyList<HeaderField> Headers, byte[] Body, IReadOnlyList<HeaderField> Trailers);

/// <summary>
/// The server side of one HTTP/2 connection with prior knowledge (RFC 9113 3.3), as the Docker
/// engine opens it on a hijacked /session connection: it reads the client preface, answers SETTINGS
/// and PING, collects each request's HEADERS/CONTINUATION/DATA until END_STREAM, runs the handler
/// off the read loop, and writes the answer within the peer's flow-control windows. Requests are
/// small unary calls; no server push, no priorities.
/// </summary>
public sealed class Http2ServerConnection
{
    private const int MaxRequestBytes = 4 << 20;
    private readonly Stream _stream;
    private readonly Func<Http2Request, CancellationToken, Task<Http2Response>> _handler;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly HpackDecoder _decoder = new();
    private readonly ConcurrentDictionary<int, StreamState> _streams = new();
    private readonly object _windowLock = new();
    private TaskCompletionSource _windowOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _connectionWindow = Http2Frames.DefaultWindowSize;
    private int _initialStreamWindow = Http2Frames.DefaultWindowSize;
    private int _peerMaxFrameSize = Http2Frames.DefaultMaxFrameSize;
    private int _lastStreamId;

    public Http2ServerConnection(Stream stream, Func<Http2Request, CancellationToken, Task<Http2Response>> handler)
    {
        _stream = stream;
        _handler = handler;
    }

    /// <summary>Requests answered so far (for tests and diagnostics).</summary>
    public int Answered => _answered;
    private int _answered;

    /// <summary>Serves until the peer closes the connection or sends GOAWAY, or until cancelled.</summary>
    /// <exception cref="Http2ProtocolException">The peer broke the protocol (GOAWAY was sent first).</exception>
    public async Task RunAsync(CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        try
        {
            await ReadPrefaceAsync(stop.Token).ConfigureAwait(false);
            await WriteAsync(Http2Frames.Settings((SettingId.EnablePush, 0)), stop.Token).ConfigureAwait(false);
            while (await Http2Frames.ReadAsync(_stream, Http2Frames.DefaultMaxFrameSize, stop.Token).ConfigureAwait(false) is { } frame)
            {
                if (!await DispatchAsync(frame, stop.Token).ConfigureAwait(false)) break;
            }
        }
        catch (Http2ProtocolException ex)
        {
            await TryWriteAsync(Http2Frames.GoAway(_lastStreamId, ex.Code, ex.Message)).ConfigureAwait(false);
            throw;
        }
        catch (HpackException ex)
        {
            await TryWriteAsync(Http2Frames.GoAway(_lastStreamId, Http2ErrorCode.CompressionError, ex.Message)).ConfigureAwait(false);
            throw new Http2ProtocolException(Http2ErrorCode.CompressionError, ex.Message);
        }
        finally
        {
            stop.Cancel();
            foreach (var s in _streams.Values) s.Cancel.Cancel();
            lock (_windowLock) _windowOpened.TrySetResult();
        }
    }

    private async Task ReadPrefaceAsync(CancellationToken cancellation)
    {
        var preface = new byte[Http2Frames.ClientPreface.Length];
        await _stream.ReadExactlyAsync(preface, cancellation).ConfigureAwait(false);
        if (!preface.AsSpan().SequenceEqual(Http2Frames.ClientPreface))
        {
            throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, "the connection did not start with the HTTP/2 client preface");
        }
    }

    /// <returns>False when the peer said GOAWAY.</returns>
    private async Task<bool> DispatchAsync(Http2Frame frame, CancellationToken cancellation)
    {
        switch (frame.Type)
        {
            case FrameType.Settings:
                if (!frame.Has(FrameFlags.Ack))
                {
                    ApplySettings(frame.Payload);
                    await WriteAsync(Http2Frames.Encode(FrameType.Settings, FrameFlags.Ack, 0, ReadOnlySpan<byte>.Empty), cancellation).ConfigureAwait(false);
                }
                break;
            case FrameType.Ping:
                if (!frame.Has(FrameFlags.Ack))
                {
                    await WriteAsync(Http2Frames.Encode(FrameType.Ping, FrameFlags.Ack, 0, frame.Payload), cancellation).ConfigureAwait(false);
                }
                break;
            case FrameType.WindowUpdate:
                OpenWindow(frame.StreamId, (int)(BinaryPrimitives.ReadUInt32BigEndian(frame.Payload) & 0x7fff_ffff));
                break;
            case FrameType.Headers:
            case FrameType.Continuation:
                await OnHeadersAsync(frame, cancellation).ConfigureAwait(false);
                break;
            case FrameType.Data:
                await OnDataAsync(frame, cancellation).ConfigureAwait(false);
                break;
            case FrameType.RstStream:
                if (_streams.TryRemove(frame.StreamId, out var reset)) reset.Cancel.Cancel();
                break;
            case FrameType.GoAway:
                return false;
            case FrameType.PushPromise:
                throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, "PUSH_PROMISE from a client");
        }
        return true;
    }

    private void ApplySettings(byte[] payload)
    {
        foreach (var (id, value) in Http2Frames.ParseSettings(payload))
        {
            if (id == SettingId.InitialWindowSize)
            {
                if (value > int.MaxValue) throw new Http2ProtocolException(Http2ErrorCode.FlowControlError, "initial window above 2^31-1");
                lock (_windowLock)
                {
                    // RFC 9113 6.9.2: the change applies to every open stream's window.
                    var delta = (int)value - _initialStreamWindow;
                    _initialStreamWindow = (int)value;
                    foreach (var s in _streams.Values) s.SendWindow += delta;
                    _windowOpened.TrySetResult();
                }
            }
            else if (id == SettingId.MaxFrameSize)
            {
                if (value is < Http2Frames.DefaultMaxFrameSize or > 16_777_215) throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, $"SETTINGS_MAX_FRAME_SIZE {value}");
                _peerMaxFrameSize = (int)value;
            }
        }
    }

    private async Task OnHeadersAsync(Http2Frame frame, CancellationToken cancellation)
    {
        if (frame.StreamId == 0) throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, "HEADERS on stream 0");
        StreamState state;
        if (frame.Type == FrameType.Headers && !_streams.ContainsKey(frame.StreamId))
        {
            if (frame.StreamId % 2 == 0 || frame.StreamId <= _lastStreamId)
            {
                throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, $"HEADERS opening stream {frame.StreamId} after {_lastStreamId}");
            }
            _lastStreamId = frame.StreamId;
            lock (_windowLock) state = new StreamState(_initialStreamWindow, CancellationTokenSource.CreateLinkedTokenSource(cancellation));
            _streams[frame.StreamId] = state;
        }
        else if (!_streams.TryGetValue(frame.StreamId, out state!))
        {
            // Trailers or continuation for a stream we already reset: decode to keep the table in step.
            state = new StreamState(0, new CancellationTokenSource()) { Discard = true };
        }
        state.HeaderBlock.Write(Http2Frames.HeaderBlock(frame).Span);
        if (frame.Type == FrameType.Headers && frame.Has(FrameFlags.EndStream)) state.EndStreamSeen = true;
        if (!frame.Has(FrameFlags.EndHeaders)) return;

        var fields = _decoder.Decode(state.HeaderBlock.ToArray());
        state.HeaderBlock.SetLength(0);
        if (state.Discard) return;
        if (state.Headers is null) state.Headers = fields;
        if (state.EndStreamSeen) await StartAsync(frame.StreamId, state).ConfigureAwait(false);
    }

    private async Task OnDataAsync(Http2Frame frame, CancellationToken cancellation)
    {
        if (frame.StreamId == 0) throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, "DATA on stream 0");
        if (frame.Payload.Length > 0)
        {
            // Give the credit back at once: request bodies are bounded by MaxRequestBytes instead.
            await WriteAsync(Http2Frames.WindowUpdate(0, frame.Payload.Length), cancellation).ConfigureAwait(false);
        }
        if (!_streams.TryGetValue(frame.StreamId, out var state) || state.Headers is null) return;
        state.Body.Write(Http2Frames.Data(frame).Span);
        if (state.Body.Length > MaxRequestBytes)
        {
            _streams.TryRemove(frame.StreamId, out _);
            await WriteAsync(Http2Frames.RstStream(frame.StreamId, Http2ErrorCode.RefusedStream), cancellation).ConfigureAwait(false);
            return;
        }
        if (frame.Has(FrameFlags.EndStream))
        {
            await StartAsync(frame.StreamId, state).ConfigureAwait(false);
        }
        else if (frame.Payload.Length > 0)
        {
            await WriteAsync(Http2Frames.WindowUpdate(frame.StreamId, frame.Payload.Length), cancellation).ConfigureAwait(false);
        }
    }

    private Task StartAsync(int streamId, StreamState state)
    {
        var request = new Http2Request(streamId, state.Headers!, state.Body.ToArray());
        // Off the read loop: a handler may wait (flow control) for frames the loop has yet to read.
        _ = Task.Run(() => AnswerAsync(request, state));
        return Task.CompletedTask;
    }

    private async Task AnswerAsync(Http2Request request, StreamState state)
    {
        var ct = state.Cancel.Token;
        try
        {
            var response = await _handler(request, ct).ConfigureAwait(false);
            var endAfterHeaders = response.Body.Length == 0 && response.Trailers.Count == 0;
            await WriteHeadersAsync(request.StreamId, response.Headers, endAfterHeaders, ct).ConfigureAwait(false);
            if (response.Body.Length > 0) await WriteDataAsync(request.StreamId, state, response.Body, response.Trailers.Count == 0, ct).ConfigureAwait(false);
            if (response.Trailers.Count > 0) await WriteHeadersAsync(request.StreamId, response.Trailers, true, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _answered);
        }
        catch (OperationCanceledException)
        {
            // The peer reset the stream or the connection ended.
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _streams.TryRemove(request.StreamId, out _);
            state.Cancel.Dispose();
        }
    }

    private async Task WriteHeadersAsync(int streamId, IReadOnlyList<HeaderField> fields, bool endStream, CancellationToken cancellation)
    {
        var block = HpackEncoder.Encode(fields);
        if (block.Length > _peerMaxFrameSize) throw new Http2ProtocolException(Http2ErrorCode.InternalError, "a header block larger than one frame");
        var flags = (byte)(FrameFlags.EndHeaders | (endStream ? FrameFlags.EndStream : 0));
        await WriteAsync(Http2Frames.Encode(FrameType.Headers, flags, streamId, block), cancellation).ConfigureAwait(false);
    }

    private async Task WriteDataAsync(int streamId, StreamState state, byte[] body, bool endStream, CancellationToken cancellation)
    {
        var sent = 0;
        while (sent < body.Length)
        {
            var chunk = await ReserveWindowAsync(state, Math.Min(body.Length - sent, _peerMaxFrameSize), cancellation).ConfigureAwait(false);
            var last = sent + chunk == body.Length;
            await WriteAsync(Http2Frames.Encode(FrameType.Data, last && endStream ? FrameFlags.EndStream : (byte)0, streamId, body.AsSpan(sent, chunk)), cancellation).ConfigureAwait(false);
            sent += chunk;
        }
    }

    /// <summary>Waits until both the connection's and the stream's send windows allow some bytes, and takes them.</summary>
    private async Task<int> ReserveWindowAsync(StreamState state, int wanted, CancellationToken cancellation)
    {
        while (true)
        {
            Task opened;
            lock (_windowLock)
            {
                var available = (int)Math.Min(Math.Min(_connectionWindow, state.SendWindow), wanted);
                if (available > 0)
                {
                    _connectionWindow -= available;
                    state.SendWindow -= available;
                    return available;
                }
                if (_windowOpened.Task.IsCompleted) _windowOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                opened = _windowOpened.Task;
            }
            await opened.WaitAsync(cancellation).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
        }
    }

    private void OpenWindow(int streamId, int increment)
    {
        if (increment == 0) throw new Http2ProtocolException(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE of 0");
        lock (_windowLock)
        {
            if (streamId == 0) _connectionWindow += increment;
            else if (_streams.TryGetValue(streamId, out var s)) s.SendWindow += increment;
            _windowOpened.TrySetResult();
        }
    }

    private async Task WriteAsync(byte[] frame, CancellationToken cancellation)
    {
        await _writeLock.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(frame, cancellation).ConfigureAwait(false);
            await _stream.FlushAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task TryWriteAsync(byte[] frame)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await WriteAsync(frame, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is going away anyway.
        }
    }

    private sealed class StreamState(int sendWindow, CancellationTokenSource cancel)
    {
        public int SendWindow = sendWindow;
        public CancellationTokenSource Cancel { get; } = cancel;
        public MemoryStream HeaderBlock { get; } = new();
        public MemoryStream Body { get; } = new();
        public List<HeaderField>? Headers;
        public bool EndStreamSeen;
        public bool Discard;
    }
}
