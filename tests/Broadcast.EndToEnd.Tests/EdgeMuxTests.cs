using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// The gateway–edge mux (issue #17, <c>Gateway:EdgeMux</c>) with real processes: relayed listeners share one connection
/// to their edge and each hears the stream; a peer that speaks the mux badly gets clear refusals and then loses its
/// connection, and no relayed listener notices; an edge that does not take the mux serves the gateway's listeners on
/// connections of their own.
/// </summary>
public sealed class EdgeMuxTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly string[] TcpTables = ["/proc/net/tcp", "/proc/net/tcp6"];

    private static readonly Dictionary<string, string> MuxOn = new() { ["Gateway__EdgeMux"] = "true" };

    [Fact]
    public async Task RelayedListeners_ShareOneConnectionToTheEdge_AndEachHearsTheStream()
    {
        const string Mount = "/mux-shared.mp3";
        const int Listeners = 6;
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1, gatewaySettings: MuxOn);
        using var http = new HttpClient { Timeout = Timeout };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 60);
        var viaGateway = new Uri(cluster.Gateway, Mount);
        await Listener.WaitLiveAsync(http, viaGateway, Timeout, cluster.Logs);

        var listeners = new List<StreamRecorder>();
        try
        {
            for (var i = 0; i < Listeners; i++)
            {
                listeners.Add(await StreamRecorder.StartAsync(http, viaGateway, ct));
            }

            foreach (var listener in listeners)
            {
                await listener.WaitForMoreAsync(48 * 1024, Timeout, "audio through the mux\n" + cluster.Logs);
                Assert.Null(listener.EndedBy);
            }

            // On the edge's port: the mux, and whatever the gateway's health checks keep open; not one per listener.
            var edgeConnections = EstablishedTo(cluster.Edges[0].Address.Port);
            Assert.True(edgeConnections < Listeners, $"{edgeConnections} connections to the edge for {Listeners} relayed listeners\n{cluster.Logs}");
            Assert.Single(Lines(cluster.Edges[0].Process.Output, "opened a mux connection"));
        }
        finally
        {
            foreach (var listener in listeners)
            {
                await listener.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task HostileMuxPeer_GetsRefusals_ThenLosesItsConnection_AndRelayedListenersPlayOn()
    {
        const string Mount = "/mux-hostile.mp3";
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1, gatewaySettings: MuxOn);
        using var http = new HttpClient { Timeout = Timeout };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 60);
        var viaGateway = new Uri(cluster.Gateway, Mount);
        await Listener.WaitLiveAsync(http, viaGateway, Timeout, cluster.Logs);
        await using var relayed = await StreamRecorder.StartAsync(http, viaGateway, ct);
        await relayed.WaitForMoreAsync(16 * 1024, Timeout, "audio through the mux");

        using var peer = new TcpClient();
        var edge = cluster.Edges[0].Address;
        await peer.ConnectAsync(edge.Host, edge.Port, ct);
        var stream = peer.GetStream();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(Timeout);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /.broadcast/mux HTTP/1.1\r\nHost: {edge.Authority}\r\nUpgrade: broadcast-mux/1\r\nConnection: Upgrade\r\n\r\n"), limit.Token);
        Assert.StartsWith("HTTP/1.1 101 ", await ReadHeadAsync(stream, limit.Token), StringComparison.Ordinal);

        // A station that is not live, and a head that is no listener's: each answered, then ended.
        await WriteFrameAsync(stream, 1, 1, Encoding.ASCII.GetBytes("GET /not-live.mp3 HTTP/1.0\r\nUser-Agent: mux-test\r\n\r\n"), limit.Token);
        var (notLive, _) = await ReadResponseAsync(stream, 1, limit.Token);
        Assert.StartsWith("HTTP/1.0 404 ", notLive, StringComparison.Ordinal);
        await WriteFrameAsync(stream, 1, 2, Encoding.ASCII.GetBytes("BREW /pot HTTP/1.0\r\n\r\n"), limit.Token);
        var (garbage, _) = await ReadResponseAsync(stream, 2, limit.Token);
        Assert.StartsWith("HTTP/1.0 421 ", garbage, StringComparison.Ordinal);

        // A Data frame is the edge's to send: the connection ends.
        await WriteFrameAsync(stream, 4, 3, new byte[100], limit.Token);
        await ReadToEndAsync(stream, limit.Token);

        // Each of these, on a connection of its own, ends that connection too: an Open for a stream id in use, credit of
        // nothing, credit past any window (frames of unknown kinds or lengths: MuxTests).
        byte[] stationHead = Encoding.ASCII.GetBytes($"GET {Mount} HTTP/1.0\r\nUser-Agent: mux-test\r\n\r\n");
        (byte Kind, uint Id, byte[] Payload)[][] breaking =
        [
            [(1, 9, stationHead), (1, 9, stationHead)],
            [(1, 9, stationHead), (2, 9, BitConverter.GetBytes(0))],
            [(1, 9, stationHead), (2, 9, BitConverter.GetBytes(32 * 1024 * 1024))],
        ];
        foreach (var frames in breaking)
        {
            using var other = new TcpClient();
            await other.ConnectAsync(edge.Host, edge.Port, ct);
            var otherStream = other.GetStream();
            await otherStream.WriteAsync(Encoding.ASCII.GetBytes($"GET /.broadcast/mux HTTP/1.1\r\nHost: {edge.Authority}\r\nUpgrade: broadcast-mux/1\r\nConnection: Upgrade\r\n\r\n"), limit.Token);
            Assert.StartsWith("HTTP/1.1 101 ", await ReadHeadAsync(otherStream, limit.Token), StringComparison.Ordinal);
            foreach (var (kind, id, payload) in frames)
            {
                await WriteFrameAsync(otherStream, kind, id, payload, limit.Token);
            }

            await ReadToEndAsync(otherStream, limit.Token);
        }

        await WaitForAsync(() => Lines(cluster.Edges[0].Process.Output, "Mux connection from").Length == 1 + breaking.Length, "the edge's log of each broken mux", cluster);
        await relayed.WaitForMoreAsync(48 * 1024, Timeout, "audio after the hostile peer\n" + cluster.Logs);
        Assert.Null(relayed.EndedBy);
    }

    [Fact]
    public async Task EdgeWithoutTheMux_GatewayListenersGetConnectionsOfTheirOwn()
    {
        const string Mount = "/mux-refused.mp3";
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(
            ingests: 1,
            edges: 1,
            gatewaySettings: MuxOn,
            edgeSettings: new Dictionary<string, string> { ["Listeners__LeanTransport"] = "false" }); // the upgrade then reaches Kestrel: 404
        using var http = new HttpClient { Timeout = Timeout };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 60);
        var viaGateway = new Uri(cluster.Gateway, Mount);
        await Listener.WaitLiveAsync(http, viaGateway, Timeout, cluster.Logs);

        await using var first = await StreamRecorder.StartAsync(http, viaGateway, ct);
        await using var second = await StreamRecorder.StartAsync(http, viaGateway, ct);
        await first.WaitForMoreAsync(48 * 1024, Timeout, "audio on a connection of its own\n" + cluster.Logs);
        await second.WaitForMoreAsync(48 * 1024, Timeout, "audio on a connection of its own\n" + cluster.Logs);
        Assert.Empty(Lines(cluster.Edges[0].Process.Output, "opened a mux connection"));
    }

    /// <summary>Reads until the peer closes (or resets) the connection; the caller's token bounds the wait.</summary>
    private static async Task ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        catch (IOException)
        {
            // reset rather than closed: ended all the same
        }
    }

    private static string[] Lines(string output, string containing) =>
        [.. output.Split('\n').Where(line => line.Contains(containing, StringComparison.Ordinal))];

    /// <summary>Established TCP connections whose local port is <paramref name="port"/> (the server's side), from /proc.</summary>
    private static int EstablishedTo(int port)
    {
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return TcpTables.Where(File.Exists).SelectMany(File.ReadLines).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(fields => fields.Length > 3 && fields[1].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] == "01");
    }

    private static async Task WaitForAsync(Func<bool> condition, string what, DirectoryCluster cluster)
    {
        using var limit = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            Assert.False(limit.IsCancellationRequested, $"timed out waiting for {what}\n{cluster.Logs}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static async Task WriteFrameAsync(NetworkStream stream, byte kind, uint id, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = kind;
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(1), id);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(5), payload.Length);
        payload.CopyTo(frame, 9);
        await stream.WriteAsync(frame, cancellationToken);
    }

    /// <summary>The Data frames of stream <paramref name="id"/> up to its End frame, as text, and the kinds seen.</summary>
    private static async Task<(string Text, List<byte> Kinds)> ReadResponseAsync(NetworkStream stream, uint id, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var kinds = new List<byte>();
        var head = new byte[9];
        while (true)
        {
            await stream.ReadExactlyAsync(head, cancellationToken);
            var length = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(5));
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, cancellationToken);
            Assert.Equal(id, BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(1)));
            kinds.Add(head[0]);
            if (head[0] == 5)
            {
                return (text.ToString(), kinds);
            }

            Assert.Equal(4, head[0]);
            text.Append(Encoding.Latin1.GetString(payload));
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            head.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. head]);
    }
}
