using System.Net;
using System.Net.Sockets;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// HTTP clients that connect from another loopback address (127.0.0.2 …): a second "host" on this machine, for the
/// rules that depend on who is asking (trusted proxies, the source's own address).
/// </summary>
internal static class LoopbackAddress
{
    public static HttpClient ClientFrom(string address) =>
        new(new SocketsHttpHandler { ConnectCallback = (context, ct) => ConnectFromAsync(IPAddress.Parse(address), context, ct) }) { Timeout = TimeSpan.FromSeconds(10) };

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress local, SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
