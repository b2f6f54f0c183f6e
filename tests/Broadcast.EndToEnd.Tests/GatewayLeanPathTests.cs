using System.Net.Sockets;
using System.Text;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// The gateway's two listener paths (issue #17): a connection's first request for a stream is relayed on the lean
/// path, answered as Icecast answers (a plain body to the connection's close, for HTTP/1.0 and 1.1 alike) with the
/// CORS headers browsers need, once; a stream asked for after another request on a kept-alive connection is Kestrel's,
/// and plays as well.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GatewayLeanPathTests(ClusterFixture fixture)
{
    private const string Mount = "/e2e-lean-gateway.mp3";

    [Theory]
    [InlineData("HTTP/1.0")]
    [InlineData("HTTP/1.1")]
    public async Task FirstRequest_IsRelayedPlain_WithTheEdgesHeadersAndCorsOnce(string version)
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = fixture.Cluster;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingest, Mount, "mp3", seconds: 40);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, Mount), LivePathTests.LiveTimeout, cluster.Logs);
        using var client = new TcpClient();
        await client.ConnectAsync(cluster.Gateway.Host, cluster.Gateway.Port, ct);
        var stream = client.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {Mount} {version}\r\nHost: radio.example\r\nIcy-MetaData: 1\r\nUser-Agent: lean-test\r\n\r\n"), ct);
        var (head, body) = await ReadHeadAsync(stream, ct);

        Assert.StartsWith(version + " 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nicy-metaint: 16000\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nContent-Type: audio/mpeg", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nConnection: close\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Transfer-Encoding", head, StringComparison.OrdinalIgnoreCase);
        Assert.Single(Lines(head), line => line.StartsWith("Access-Control-Allow-Origin:", StringComparison.OrdinalIgnoreCase));
        Assert.Single(Lines(head), line => line.StartsWith("Access-Control-Expose-Headers:", StringComparison.OrdinalIgnoreCase) && line.Contains("icy-metaint", StringComparison.Ordinal));
        Assert.True(await ReadAtLeastAsync(stream, body, 20_000, ct) >= 20_000, "the stream's bytes after the head");
    }

    [Fact]
    public async Task SecondRequestOnAKeptAliveConnection_IsKestrels_AndStreams()
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = fixture.Cluster;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingest, Mount, "mp3", seconds: 40);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, Mount), LivePathTests.LiveTimeout, cluster.Logs);
        using var client = new TcpClient();
        await client.ConnectAsync(cluster.Gateway.Host, cluster.Gateway.Port, ct);
        var stream = client.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes("HEAD /healthz/live HTTP/1.1\r\nHost: radio.example\r\n\r\n"), ct);
        var (first, rest) = await ReadHeadAsync(stream, ct);
        Assert.StartsWith("HTTP/1.1 200", first, StringComparison.Ordinal);
        Assert.Empty(rest); // a HEAD's answer has no body: the next bytes are the next answer's
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {Mount} HTTP/1.1\r\nHost: radio.example\r\n\r\n"), ct);
        var (head, body) = await ReadHeadAsync(stream, ct);

        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("\r\nTransfer-Encoding: chunked", head, StringComparison.OrdinalIgnoreCase); // Kestrel's framing: not the lean path
        Assert.True(await ReadAtLeastAsync(stream, body, 20_000, ct) >= 20_000, "the stream's bytes after the head");
    }

    private static string[] Lines(string head) => head.Split("\r\n");

    /// <summary>The response head (through its blank line) and the bytes that came with it, within 20 s.</summary>
    private static async Task<(string Head, byte[] Body)> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        var received = new List<byte>();
        var buffer = new byte[1024];
        while (true)
        {
            var text = Encoding.Latin1.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return (text[..(end + 4)], [.. received.Skip(end + 4)]);
            }

            var read = await stream.ReadAsync(buffer, limit.Token);
            Assert.True(read > 0, "closed before a whole head: " + text);
            received.AddRange(buffer.AsSpan(0, read));
        }
    }

    /// <summary>Bytes of the body read (counting those that came with the head) until <paramref name="wanted"/>, within 20 s.</summary>
    private static async Task<int> ReadAtLeastAsync(NetworkStream stream, byte[] already, int wanted, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        var total = already.Length;
        var buffer = new byte[8192];
        while (total < wanted)
        {
            var read = await stream.ReadAsync(buffer, limit.Token);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
