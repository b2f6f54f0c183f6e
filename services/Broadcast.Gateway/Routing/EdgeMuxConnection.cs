using System.Net;
using System.Net.Sockets;
using System.Text;
using Broadcast.ServiceDefaults.Listeners.Mux;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// The gateway's mux connection to one edge (<see cref="MuxFrames"/>): relayed listeners' requests go out as Open
/// frames and their responses come back as <see cref="MuxStream"/>s, so a listener costs the gateway its client's
/// socket and not a second one to the edge. The reader hands each Data frame to its stream; when the connection ends
/// every stream on it fails, and their relays go on as after any edge failure (resume on another edge).
/// </summary>
internal sealed partial class EdgeMuxConnection : IMuxFrameHandler
{
    private readonly Socket _socket;
    private readonly Dictionary<uint, MuxStream> _streams = [];
    private readonly ILogger _logger;
    private uint _next;
    private bool _closed;

    private EdgeMuxConnection(Socket socket, string edge, ILogger logger)
    {
        (_socket, Edge, _logger) = (socket, edge, logger);
        Writer = new MuxWriter(socket, 64 * 1024, _ => socket.Dispose()); // requests and credit: small frames
    }

    public string Edge { get; }

    public MuxWriter Writer { get; }

    public bool Closed => Volatile.Read(ref _closed);

    /// <summary>Streams open on the connection now.</summary>
    public int Count
    {
        get
        {
            lock (_streams)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>
    /// Connects and asks for the mux; null when the edge answers the upgrade with anything but 101 (an edge without it,
    /// or with its lean path off). Connection failures are <see cref="HttpRequestException"/>s, as for a listener's own.
    /// </summary>
    public static async Task<EdgeMuxConnection?> ConnectAsync(DnsEndPoint edge, ILogger logger, CancellationToken cancellationToken)
    {
        var socket = await EdgeRequest.ConnectAsync(edge, receiveBufferBytes: 0, cancellationToken).ConfigureAwait(false);
        try
        {
            var request = Encoding.ASCII.GetBytes($"GET {MuxFrames.Path} HTTP/1.1\r\nHost: {edge.Host}:{edge.Port}\r\nUpgrade: {MuxFrames.Protocol}\r\nConnection: Upgrade\r\n\r\n");
            await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[4096];
            var received = 0;
            int end;
            while ((end = buffer.AsSpan(0, received).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (received == buffer.Length)
                {
                    throw new HttpRequestException("the edge's answer to the mux upgrade is too long");
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new HttpRequestException("the edge closed the connection before answering the mux upgrade");
                }

                received += read;
            }

            if (!buffer.AsSpan(0, end + 4).SequenceEqual(MuxFrames.Accepted))
            {
                socket.Dispose();
                return null;
            }

            var connection = new EdgeMuxConnection(socket, edge.ToString(), logger);
            _ = connection.ReadAsync(buffer.AsMemory(end + 4, received - end - 4).ToArray());
            return connection;
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new HttpRequestException(exception.Message, exception);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends a listener's request head; its response arrives on the returned stream.</summary>
    public async Task<MuxStream> OpenAsync(string head, CancellationToken cancellationToken)
    {
        MuxStream stream;
        lock (_streams)
        {
            if (_closed)
            {
                throw new HttpRequestException("the edge's mux connection is closed");
            }

            stream = new MuxStream(this, unchecked(++_next));
            _streams.Add(stream.Id, stream);
        }

        try
        {
            await Writer.WriteAsync(MuxKind.Open, stream.Id, Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch (Exception exception)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw exception is IOException ? new HttpRequestException(exception.Message, exception) : exception;
        }
    }

    public bool OnFrame(MuxKind kind, uint id, ReadOnlySpan<byte> payload)
    {
        switch (kind)
        {
            case MuxKind.Data:
                return Find(id, remove: false) is not { } stream || stream.Deliver(payload); // a stream closed here meanwhile: dropped
            case MuxKind.End:
                Find(id, remove: true)?.End();
                return payload.IsEmpty;
            default:
                return false; // Open, Credit and Close are the gateway's to send
        }
    }

    /// <summary>Gives the edge <paramref name="bytes"/> more credit for stream <paramref name="id"/>.</summary>
    public void Credit(uint id, int bytes)
    {
        try
        {
            if (!Writer.TryWriteCredit(id, bytes))
            {
                var payload = new byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(payload, bytes);
                _ = Writer.WriteAsync(MuxKind.Credit, id, payload, CancellationToken.None).AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
        }
        catch (IOException)
        {
            // the connection is gone; its streams fail on their own
        }
    }

    /// <summary>The relay let go of stream <paramref name="id"/>: the edge is told, unless it ended the stream itself.</summary>
    public void Close(uint id)
    {
        if (Find(id, remove: true) is null)
        {
            return;
        }

        try
        {
            if (!Writer.TryWrite(MuxKind.Close, id, []))
            {
                _ = Writer.WriteAsync(MuxKind.Close, id, ReadOnlyMemory<byte>.Empty, CancellationToken.None).AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
        }
        catch (IOException)
        {
            // the connection is gone: the edge ends the stream with it
        }
    }

    /// <summary>Ends the connection (the gateway stopping, or an edge gone from the config): its streams fail over.</summary>
    public void Abort() => _socket.Dispose();

    private MuxStream? Find(uint id, bool remove)
    {
        lock (_streams)
        {
            return remove ? (_streams.Remove(id, out var removed) ? removed : null) : _streams.GetValueOrDefault(id);
        }
    }

    private async Task ReadAsync(byte[] early)
    {
        Exception reason;
        try
        {
            await MuxReader.RunAsync(_socket, early, this, CancellationToken.None).ConfigureAwait(false);
            reason = new IOException("the edge closed the mux connection");
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or InvalidDataException)
        {
            reason = exception;
        }

        MuxStream[] streams;
        lock (_streams)
        {
            _closed = true;
            streams = [.. _streams.Values];
            _streams.Clear();
        }

        Writer.Fail(reason);
        _socket.Dispose();
        MuxLost(_logger, Edge, streams.Length, reason.Message);
        foreach (var stream in streams)
        {
            stream.Fail(reason);
        }
    }

    [LoggerMessage(5110, LogLevel.Warning, "The mux connection to edge {Edge} ended with {Streams} listeners on it: {Reason}")]
    private static partial void MuxLost(ILogger logger, string edge, int streams, string reason);
}
