using System.Net;
using System.Net.Sockets;

namespace Broadcast.Testing;

/// <summary>
/// A free TCP port on loopback for a server a test is about to start. Ports come from below the kernel's ephemeral
/// range (32768–60999 by default): a port from inside it can be taken, between our check and the server's bind, as
/// the local port of any outgoing connection, and the suite makes thousands of those. Each port is handed out once
/// per test process and checked free by binding it.
/// </summary>
public static class FreePort
{
    private const int First = 20000;
    private const int Last = 32000;

    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (HandedOut.Add(port) && IsFree(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last} in 1000 tries");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
