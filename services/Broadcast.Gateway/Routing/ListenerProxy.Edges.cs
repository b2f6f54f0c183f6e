using System.Net;

namespace Broadcast.Gateway.Routing;

/// <summary>The listener proxy's side toward the edges: its connections, the "did you end it on purpose?" probe, headers.</summary>
internal sealed partial class ListenerProxy
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    /// <summary>Longest wait for an edge to answer "are you still there?" after its stream ended.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After an edge's stream ended while the listener listens: true when the edge ended it on purpose (it answers
    /// and still serves the station: killclient, a lagging listener dropped; or the station is over), false when it is
    /// gone, draining or stuck, and the listener should go on elsewhere.
    /// </summary>
    private async Task<bool> EndedOnPurposeAsync(Uri edge, string path, CancellationToken aborted)
    {
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        probe.CancelAfter(ProbeTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(edge, path)) { Version = HttpVersion.Version10, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var reply = await _client.SendAsync(request, probe.Token).ConfigureAwait(false);
            return reply.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return aborted.IsCancellationRequested;
        }
    }

    /// <summary>
    /// A connection to an edge whose receive buffer is as small as a listener's send buffer: a listener that stops
    /// reading stops this side reading too, and what the kernel then holds for it here is bounded the same way.
    /// </summary>
    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint edge, int receiveBufferBytes, CancellationToken cancellationToken)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (receiveBufferBytes > 0)
            {
                socket.ReceiveBufferSize = receiveBufferBytes;
            }

            await socket.ConnectAsync(edge, cancellationToken).ConfigureAwait(false);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (!HopByHop.Contains(name))
            {
                to[name] = values.ToArray();
            }
        }
    }

    private static Task PlainAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n");
    }
}
