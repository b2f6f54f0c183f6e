using System.Net;
using System.Net.Sockets;
using Broadcast.ServiceDefaults.Clients;
using Broadcast.ServiceDefaults.Listeners;
using Broadcast.ServiceDefaults.Listeners.Mux;
using Broadcast.ServiceDefaults.Memory;

namespace Broadcast.Edge.Listeners;

/// <summary>A gateway's upgrade to the mux (<see cref="MuxFrames"/>), taken by the lean transport.</summary>
internal sealed class MuxRequest(IPAddress? peer) : IReadsItsConnection
{
    public IPAddress? Peer { get; } = peer;

    /// <summary>The upgrade's request line and its <c>Upgrade</c> header; anything else on that path is Kestrel's (a 404).</summary>
    public static bool Is(ReadOnlySpan<byte> head) =>
        head.StartsWith(MuxFrames.RequestLine) && head.IndexOf("\r\nUpgrade: broadcast-mux/1\r\n"u8) > 0;
}

/// <summary>
/// One gateway's mux connection on the edge: each Open frame is a listener, served by <see cref="ListenerStreams"/> as
/// one on its own connection would be (its request head parsed as on the lean path, the same refusals, burst, ICY, lag
/// policy, stall watch, listing and killclient), its bytes going out as Data frames on a <see cref="MuxLine"/>. The
/// listener's end is an End frame; the connection's end ends all its listeners. A peer that breaks the framing loses
/// the connection, nothing else.
/// </summary>
internal sealed partial class EdgeMuxSession(LeanConnection connection, IPAddress? peer, ListenerStreams streams, TrustedProxies trusted, InFlightRequests inFlight, ILogger logger)
    : IMuxFrameHandler
{
    /// <summary>Each of the writer's two buffers: a send carries the audio of up to sixty-odd listeners' batches.</summary>
    private const int WriteBufferBytes = 1024 * 1024;

    private readonly Dictionary<uint, MuxLine> _lines = [];
    private MuxWriter? _writer;

    public MuxWriter Writer => _writer!;

    public async Task RunAsync()
    {
        await connection.SendAsync(MuxFrames.Accepted.ToArray(), connection.Closed).ConfigureAwait(false);
        _writer = new MuxWriter(connection.Socket, WriteBufferBytes, _ => connection.Abort());
        MuxOpened(logger, peer?.ToString());
        try
        {
            await MuxReader.RunAsync(connection.Socket, ReadOnlyMemory<byte>.Empty, this, connection.Closed).ConfigureAwait(false);
        }
        catch (InvalidDataException exception)
        {
            MuxBroken(logger, peer?.ToString(), exception.Message);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // the gateway went away, or the edge is stopping
        }
        finally
        {
            _writer.Fail(new IOException("the mux connection ended"));
            MuxLine[] lines;
            lock (_lines)
            {
                lines = [.. _lines.Values];
            }

            foreach (var line in lines)
            {
                line.Abort();
            }

            MuxClosed(logger, peer?.ToString(), lines.Length);
        }
    }

    public bool OnFrame(MuxKind kind, uint id, ReadOnlySpan<byte> payload)
    {
        switch (kind)
        {
            case MuxKind.Open:
                return Open(id, payload);
            case MuxKind.Credit:
                if (payload.Length != 4 || System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload) is not (> 0 and var bytes))
                {
                    return false;
                }

                return Find(id) is not { } line || line.AddCredit(bytes); // a stream that ended meanwhile takes none
            case MuxKind.Close:
                Find(id)?.Abort();
                return payload.IsEmpty;
            default:
                return false; // Data and End are the edge's to send
        }
    }

    private MuxLine? Find(uint id)
    {
        lock (_lines)
        {
            return _lines.GetValueOrDefault(id);
        }
    }

    private bool Open(uint id, ReadOnlySpan<byte> head)
    {
        var line = new MuxLine(this, id);
        lock (_lines)
        {
            if (_lines.ContainsKey(id))
            {
                return false; // an id still in use
            }

            if (_lines.Count >= MuxFrames.MaxStreams)
            {
                _ = RefuseAsync(id);
                line.Dispose();
                return true;
            }

            _lines.Add(id, line);
        }

        // Parsed as a head on the lean path is; what the lean path would leave to Kestrel is answered 421, and the
        // gateway asks for it on a connection of its own.
        var whole = StreamRequestHead.Classify(new System.Buffers.ReadOnlySequence<byte>(head.ToArray()), out var length) == StreamRequestHead.Verdict.Whole && length == head.Length;
        var request = whole ? ListenerHead.Parse(head, peer, trusted) : null;
        _ = ServeAsync(line, request);
        return true;
    }

    private async Task ServeAsync(MuxLine line, ListenerRequest? request)
    {
        await Task.Yield(); // the stream runs on the pool, not on the connection's reader
        inFlight.Enter();
        try
        {
            if (request is null)
            {
                await line.SendAsync(LeanReply.Build(http10: true, head: false, StatusCodes.Status421MisdirectedRequest, "not a stream for the mux; ask on a connection of its own")).ConfigureAwait(false);
            }
            else
            {
                await streams.ServeAsync(request, line).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // the listener left, or the connection ended
        }
        finally
        {
            inFlight.Leave();
            lock (_lines)
            {
                _lines.Remove(line.Id);
            }

            try
            {
                await Writer.WriteAsync(MuxKind.End, line.Id, ReadOnlyMemory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // the connection is gone: its end ends this stream on the gateway too
            }

            line.Dispose();
        }
    }

    /// <summary>An Open past <see cref="MuxFrames.MaxStreams"/>: 503, then End, as a full edge answers a listener.</summary>
    private async Task RefuseAsync(uint id)
    {
        try
        {
            var reply = LeanReply.Build(http10: true, head: false, StatusCodes.Status503ServiceUnavailable, $"more than {MuxFrames.MaxStreams} streams on one mux connection", retryAfter: "5");
            for (var sent = 0; sent < reply.Length; sent += MuxFrames.MaxPayload)
            {
                await Writer.WriteAsync(MuxKind.Data, id, reply.AsMemory(sent, Math.Min(MuxFrames.MaxPayload, reply.Length - sent)), CancellationToken.None).ConfigureAwait(false);
            }

            await Writer.WriteAsync(MuxKind.End, id, ReadOnlyMemory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // the connection is gone
        }
    }

    [LoggerMessage(2110, LogLevel.Information, "Gateway {Peer} opened a mux connection")]
    private static partial void MuxOpened(ILogger logger, string? peer);

    [LoggerMessage(2111, LogLevel.Information, "Gateway {Peer} closed its mux connection; its {Listeners} listeners end")]
    private static partial void MuxClosed(ILogger logger, string? peer, int listeners);

    [LoggerMessage(2112, LogLevel.Warning, "Mux connection from {Peer} closed: {Reason}")]
    private static partial void MuxBroken(ILogger logger, string? peer, string reason);
}
