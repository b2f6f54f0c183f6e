using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Broadcast.ServiceDefaults.Listeners;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// A listener on the lean path (<see cref="Listeners.LeanListenerMiddleware"/>): the request as read off the
/// connection, the edge's answer written to the socket by hand (a body delimited by the connection's close, as
/// Icecast and the edge send it), and the stream sent straight from a shared pool's buffer to the socket. Between
/// reads the listener holds no buffer: one is taken from the pool when the edge has bytes, and given back once the
/// listener's socket has taken them.
/// </summary>
internal sealed class ConnectionExchange : ListenerExchange
{
    /// <summary>The headers read off the head, in <see cref="StreamRequestHead.Values"/>' order (the first four are <see cref="ListenerExchange.ForwardedNames"/>).</summary>
    public static readonly string[] Names = [.. ForwardedNames, "Host", "X-Forwarded-For", "Forwarded", "traceparent", "tracestate"];

    /// <summary>Most bytes read from the edge and sent on at a time: a burst in a few sends, a batch of audio in one.</summary>
    private const int BufferBytes = 16 * 1024;

    private readonly LeanConnection _connection;
    private readonly Socket _socket;
    private readonly StreamRequestHead _head;
    private readonly StalledListenerOptions _stalled;
    private readonly TimeProvider _time;
    private byte[]? _buffer;

    public ConnectionExchange(LeanConnection connection, StreamRequestHead head, IPAddress? client, StalledListenerOptions stalled, TimeProvider time)
    {
        (_connection, _socket, _head, _stalled, _time) = (connection, connection.Socket, head, stalled, time);
        Client = client;
        Query = head.Query is null ? string.Empty : "?" + head.Query;
        ActivityContext.TryParse(head.Values[7], head.Values[8], out var parent);
        SpanParent = parent;
    }

    public override string Path => _head.Path;

    public override string PathForEdge => _head.Path; // one segment without escapes (StreamRequestHead)

    public override string Query { get; }

    public override bool Head => _head.Head;

    public override IPAddress? Client { get; }

    public override CancellationToken Aborted => _connection.Closed;

    public override ActivityKind SpanKind => ActivityKind.Server;

    public override ActivityContext SpanParent { get; }

    public override IEnumerable<(string Name, string? Value)> ForwardedHeaders()
    {
        for (var i = 0; i < ForwardedNames.Length; i++)
        {
            yield return (ForwardedNames[i], _head.Values[i]);
        }

        yield return ("X-Forwarded-For", Client?.ToString());
        yield return ("X-Forwarded-Proto", "http"); // the lean path sees plain connections only (TLS is not "GET /")
        yield return ("X-Forwarded-Host", _head.Values[4]);
    }

    public override Task PlainAsync(int status, string message, string? retryAfter = null) =>
        LeanReply.WriteAsync(_connection, _head.Http10, _head.Head, status, message, Aborted, retryAfter);

    public override Task RedirectAsync(string location) =>
        LeanReply.WriteAsync(_connection, _head.Http10, _head.Head, StatusCodes.Status302Found, "see " + location, Aborted, location: location);

    /// <summary>The status line and the edge's headers (but the hop-by-hop ones), CORS where the edge set none, and <c>Connection: close</c>.</summary>
    public override async ValueTask AnswerAsync(HttpResponseMessage reply)
    {
        var status = (int)reply.StatusCode;
        var text = new StringBuilder(512)
            .Append(_head.Http10 ? "HTTP/1.0 " : "HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)).Append("\r\n");
        bool origin = false, exposed = false;
        foreach (var (name, values) in reply.Headers.Concat(reply.Content.Headers))
        {
            if (HttpExchange.IsHopByHop(name))
            {
                continue;
            }

            origin |= name.Equals("Access-Control-Allow-Origin", StringComparison.OrdinalIgnoreCase);
            exposed |= name.Equals("Access-Control-Expose-Headers", StringComparison.OrdinalIgnoreCase);
            foreach (var value in values)
            {
                text.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        if (!origin)
        {
            text.Append("Access-Control-Allow-Origin: *\r\n");
        }

        if (!exposed)
        {
            text.Append("Access-Control-Expose-Headers: ").Append(Listeners.CorsPolicy.ExposedHeaders).Append("\r\n");
        }

        var bytes = Encoding.ASCII.GetBytes(text.Append("Connection: close\r\n\r\n").ToString());
        if (reply.IsSuccessStatusCode && !Head && _stalled.SendBufferBytes > 0)
        {
            _socket.SendBufferSize = _stalled.SendBufferBytes;
        }

        await SendAllAsync(bytes).ConfigureAwait(false);
    }

    public override Memory<byte> GetBuffer(int sizeHint = 0) => _buffer ??= ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, BufferBytes));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a send that waits for the socket boxes no state per wait
    public override async ValueTask<bool> SendAsync(int count)
    {
        try
        {
            await SendAllAsync(_buffer.AsMemory(0, count)).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return false; // the listener left, or was closed for accepting nothing
        }
        finally
        {
            Release();
        }
    }

    public override void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Resets the connection: a graceful close would queue its FIN behind the bytes the listener never took, so the
    /// listener's side would stay open and the kernel would keep those bytes for as long as it probes the closed window.
    /// </summary>
    public override void Abort()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // already closed
        }

        _connection.Abort();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var pending = _socket.SendAsync(bytes, SocketFlags.None);
            if (!pending.IsCompleted)
            {
                SendingSince = _time.GetTimestamp(); // the socket's buffer is full: the watchdog times this wait
            }

            try
            {
                bytes = bytes[await pending.ConfigureAwait(false)..];
            }
            finally
            {
                SendingSince = 0;
            }
        }
    }
}
