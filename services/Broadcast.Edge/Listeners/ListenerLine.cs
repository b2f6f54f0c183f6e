using System.Net.Sockets;
using Broadcast.ServiceDefaults.Listeners;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// One listener's connection as its stream sees it: the socket the audio is sent on, straight from the station's ring,
/// a short plain answer for refusals, and a way to end it. Made once per listener.
/// </summary>
internal abstract class ListenerLine(Socket? socket)
{
    private long _sendingSince;

    /// <summary>The listener's own connection; null for a listener relayed on a gateway's mux (<see cref="MuxLine"/>).</summary>
    public Socket? Socket { get; } = socket;

    /// <summary>Sends every byte (the ring's memory is only lent for the call).</summary>
    public virtual ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes) => Socket!.SendAsync(bytes, SocketFlags.None);

    /// <summary>Fires when the connection is gone (the client closed it, or it was aborted).</summary>
    public abstract CancellationToken Closed { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the pending send began; 0 while none waits (<see cref="ListenerStallWatch"/>).</summary>
    public long SendingSince
    {
        get => Volatile.Read(ref _sendingSince);
        set => Volatile.Write(ref _sendingSince, value);
    }

    public abstract void Abort();

    /// <summary>A plain-text answer after which the connection closes: the refusals (404, 416, 400, 503).</summary>
    public abstract Task ReplyAsync(ListenerRequest request, int status, string message, string? retryAfter = null);
}

/// <summary>A connection served on the lean path: the lean transport or <see cref="ListenerConnectionMiddleware"/> has it.</summary>
internal sealed class ConnectionLine(LeanConnection connection) : ListenerLine(connection.Socket)
{
    public override CancellationToken Closed => connection.Closed;

    public override void Abort() => connection.Abort();

    public override Task ReplyAsync(ListenerRequest request, int status, string message, string? retryAfter = null) =>
        LeanReply.WriteAsync(connection, request.Http10, request.Head, status, message, connection.Closed, retryAfter);
}

/// <summary>
/// A stream asked for on a connection Kestrel already serves (a second request on a kept-alive connection): the
/// stream goes on its socket as on the lean path, and the connection is aborted at its end so Kestrel writes nothing.
/// </summary>
internal sealed class HttpLine(HttpContext context, Socket socket) : ListenerLine(socket)
{
    public override CancellationToken Closed => context.RequestAborted;

    public override void Abort() => context.Abort();

    public override Task ReplyAsync(ListenerRequest request, int status, string message, string? retryAfter = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.AccessControlAllowOrigin = "*";
        if (retryAfter is not null)
        {
            response.Headers.RetryAfter = retryAfter;
        }

        return request.Head ? Task.CompletedTask : response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
