using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// One listener's connection as its stream sees it: the socket the audio is sent on, straight from the station's ring,
/// a short plain answer for refusals, and a way to end it. Made once per listener.
/// </summary>
internal abstract class ListenerLine(Socket socket)
{
    private long _sendingSince;

    public Socket Socket { get; } = socket;

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

/// <summary>A connection served on the lean path: Kestrel accepted it, <see cref="ListenerConnectionMiddleware"/> has it.</summary>
internal sealed class ConnectionLine(ConnectionContext connection, Socket socket) : ListenerLine(socket)
{
    public override CancellationToken Closed => connection.ConnectionClosed;

    public override void Abort() => connection.Abort();

    public override async Task ReplyAsync(ListenerRequest request, int status, string message, string? retryAfter = null)
    {
        var body = Encoding.UTF8.GetBytes(message + "\n");
        var head = new StringBuilder()
            .Append(request.Http10 ? "HTTP/1.0 " : "HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Access-Control-Allow-Origin: *\r\n")
            .Append("Connection: close\r\n");
        if (retryAfter is not null)
        {
            head.Append("Retry-After: ").Append(retryAfter).Append("\r\n");
        }

        var output = connection.Transport.Output;
        await output.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), connection.ConnectionClosed).ConfigureAwait(false);
        if (!request.Head)
        {
            await output.WriteAsync(body, connection.ConnectionClosed).ConfigureAwait(false);
        }
    }
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
