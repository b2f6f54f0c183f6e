using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// One listener's request to an edge on a socket of its own (issue #17): the HTTP/1.0 request head written here, the
/// response head parsed into an <see cref="HttpResponseMessage"/> whose content reads that socket directly. Through
/// <c>HttpClient</c> each relayed listener kept, for as long as it listened, the connection's two 4 KiB buffers, its
/// pool entry and the request message with its headers and URIs (a gcdump at 5,000 listeners: 10,005 arrays of 4 KiB,
/// about 8 KiB per listener in buffers alone). Here a listener keeps its socket, the parsed head and its body stream.
/// </summary>
internal static class EdgeRequest
{
    /// <summary>Longest response head accepted from an edge; a longer one is not an edge's.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    /// <summary>
    /// Sends <paramref name="head"/> (a whole request head, ASCII) to <paramref name="edge"/> and returns its answer, the
    /// body still to be read. The connection and the response head must arrive within <paramref name="timeout"/>
    /// (<see cref="TimeoutException"/>); a refused connection or a malformed answer is an <see cref="HttpRequestException"/>.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(DnsEndPoint edge, string head, int receiveBufferBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Socket? socket = null;
        byte[]? buffer = null;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            socket = await ConnectAsync(edge, receiveBufferBytes, limit.Token).ConfigureAwait(false);
            buffer = ArrayPool<byte>.Shared.Rent(Math.Max(Encoding.ASCII.GetMaxByteCount(head.Length), 4096));
            var length = Encoding.ASCII.GetBytes(head, buffer);
            // Sent synchronously: a head of a few hundred bytes always fits a new socket's empty send buffer, and an
            // asynchronous send would cache its event args on the socket for the stream's life (296 bytes per listener).
            for (var sent = 0; sent < length;)
            {
                sent += socket.Send(buffer.AsSpan(sent, length - sent), SocketFlags.None);
            }

            var received = 0;
            while (true)
            {
                if (received == buffer.Length)
                {
                    if (buffer.Length >= MaxHeadBytes)
                    {
                        throw new HttpRequestException($"the edge's response head is longer than {MaxHeadBytes} bytes");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, received).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, limit.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new HttpRequestException("the edge closed the connection before its response head");
                }

                var searchFrom = Math.Max(0, received - (EndOfHead.Length - 1));
                received += read;
                var end = buffer.AsSpan(searchFrom, received - searchFrom).IndexOf(EndOfHead);
                if (end >= 0)
                {
                    var headLength = searchFrom + end + EndOfHead.Length;
                    var reply = Parse(buffer.AsSpan(0, headLength), buffer.AsSpan(headLength, received - headLength), socket);
                    socket = null; // the reply's content owns it now
                    return reply;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the edge did not answer within {timeout.TotalSeconds:F0} s");
        }
        catch (SocketException exception)
        {
            throw new HttpRequestException(exception.Message, exception);
        }
        finally
        {
            socket?.Dispose();
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// A connection to an edge whose receive buffer is as small as a listener's send buffer: a listener that stops
    /// reading stops this side reading too, and what the kernel then holds for it here is bounded the same way.
    /// </summary>
    public static async ValueTask<Socket> ConnectAsync(DnsEndPoint edge, int receiveBufferBytes, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (receiveBufferBytes > 0)
            {
                socket.ReceiveBufferSize = receiveBufferBytes;
            }

            await socket.ConnectAsync(edge, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The status line and header lines of a response head (ending in CR LF CR LF); <paramref name="early"/> is body already read.</summary>
    internal static HttpResponseMessage Parse(ReadOnlySpan<byte> head, ReadOnlySpan<byte> early, Socket? socket) =>
        Parse(head, new EdgeBodyStream(socket, early.IsEmpty ? null : early.ToArray()));

    /// <summary>A response head (ending in CR LF CR LF) whose body is <paramref name="body"/> (a socket's, or a <see cref="MuxStream"/>).</summary>
    internal static HttpResponseMessage Parse(ReadOnlySpan<byte> head, Stream body)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = head[..lineEnd];
        // "HTTP/1.x NNN reason": the edge answers 1.0 or 1.1; the status is three digits after the first space.
        if (!statusLine.StartsWith("HTTP/1."u8) || statusLine.Length < 12 || statusLine[8] != (byte)' '
            || !int.TryParse(statusLine.Slice(9, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status)
            || status < 100 || (statusLine.Length > 12 && statusLine[12] != (byte)' '))
        {
            throw new HttpRequestException("the edge's status line is not HTTP/1.x: " + Encoding.ASCII.GetString(statusLine[..Math.Min(statusLine.Length, 64)]));
        }

        var reply = new HttpResponseMessage((HttpStatusCode)status) { Version = HttpVersion.Version10, Content = new StreamContent(body) };
        var rest = head[(lineEnd + 2)..];
        while (rest.IndexOf("\r\n"u8) is > 0 and var end)
        {
            var line = rest[..end];
            rest = rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                reply.Dispose();
                throw new HttpRequestException("the edge sent a header line without a name");
            }

            var name = Encoding.ASCII.GetString(line[..colon].TrimEnd((byte)' '));
            var value = Encoding.Latin1.GetString(line[(colon + 1)..].Trim((byte)' '));
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !value.Equals("identity", StringComparison.OrdinalIgnoreCase))
            {
                reply.Dispose(); // asked in HTTP/1.0, an edge never chunks; a body we would pass on with its framing is refused
                throw new HttpRequestException("the edge answered an HTTP/1.0 request with Transfer-Encoding: " + value);
            }

            if (!reply.Headers.TryAddWithoutValidation(name, value))
            {
                reply.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return reply;
    }

    /// <summary>
    /// An edge's body: the bytes that came with the head, then the socket until the edge closes it. A zero-byte read
    /// waits for data holding no buffer, as the proxy's copy loop expects; socket errors are <see cref="IOException"/>s.
    /// </summary>
    private sealed class EdgeBodyStream(Socket? socket, byte[]? early) : EdgeBody
    {
        private byte[]? _early = early;
        private int _earlyOffset;

        // Pooled: a relay's reads mostly wait (the zero-byte read for the next batch), and each wait of a plain async
        // ValueTask method boxes its state anew: about a hundred bytes per batch per listener (issue #17).
        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_early is { } early)
            {
                if (buffer.IsEmpty)
                {
                    return 0; // data is here already
                }

                var count = Math.Min(buffer.Length, early.Length - _earlyOffset);
                early.AsMemory(_earlyOffset, count).CopyTo(buffer);
                _earlyOffset += count;
                if (_earlyOffset == early.Length)
                {
                    _early = null;
                }

                return count;
            }

            if (socket is null)
            {
                return 0;
            }

            try
            {
                return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException exception)
            {
                throw new IOException(exception.Message, exception);
            }
            catch (ObjectDisposedException exception)
            {
                throw new IOException("the edge connection was closed", exception);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                socket?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
