using System.Net;
using System.Net.Sockets;
using System.Text;
using Broadcast.Gateway.Routing;

namespace Broadcast.Gateway.Tests.Routing;

/// <summary>
/// The gateway's own HTTP/1.0 client toward edges: the response head as edges send it, split anywhere, and the
/// ways an answer can be wrong. The far end is a loopback socket in the test that writes exactly the bytes given.
/// </summary>
public sealed class EdgeRequestTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>An answer split inside a header name, between CR and LF of the blank line, and in the body.</summary>
    private static readonly string[] Pieces = ["HTTP/1.0 200 OK\r\nContent-Ty", "pe: audio/mpeg\r\n\r", "\nfirst", "-second"];

    [Fact]
    public void Parse_SplitsResponseAndContentHeaders_AndKeepsTheBodyThatCameWithTheHead()
    {
        var head = "HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint: 16000\r\nBroadcast-Offset: 4711\r\nCache-Control: no-cache, no-store\r\n\r\n"u8;
        using var reply = EdgeRequest.Parse(head, "ID3"u8, socket: null);

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("audio/mpeg", reply.Content.Headers.ContentType?.MediaType);
        Assert.Equal("16000", Assert.Single(reply.Headers.GetValues("icy-metaint")));
        Assert.Equal("4711", Assert.Single(reply.Headers.GetValues("Broadcast-Offset")));
        using var body = reply.Content.ReadAsStream(TestContext.Current.CancellationToken);
        var bytes = new byte[16];
        Assert.Equal(3, body.Read(bytes));
        Assert.Equal("ID3", Encoding.ASCII.GetString(bytes, 0, 3));
        Assert.Equal(0, body.Read(bytes)); // no socket: the body ends with what came
    }

    [Theory]
    [InlineData("HTTP/1.0 404 Not Found\r\n\r\n", HttpStatusCode.NotFound)]
    [InlineData("HTTP/1.0 416\r\n\r\n", HttpStatusCode.RequestedRangeNotSatisfiable)]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n\r\n", HttpStatusCode.ServiceUnavailable)]
    public void Parse_StatusLines_AsEdgesSendThem(string head, HttpStatusCode status)
    {
        using var reply = EdgeRequest.Parse(Encoding.ASCII.GetBytes(head), [], socket: null);
        Assert.Equal(status, reply.StatusCode);
    }

    [Theory]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 abc OK\r\n\r\n")]
    [InlineData("HTTP/2 200\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public void Parse_AnAnswerThatIsNoEdgesHttp10_IsRefused(string head)
    {
        Assert.Throws<HttpRequestException>(() => EdgeRequest.Parse(Encoding.ASCII.GetBytes(head), [], socket: null));
    }

    [Fact]
    public async Task SendAsync_HeadAndBodyInPieces_ComeBackWhole_AndTheRequestIsWhatWasGiven()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var edge = Task.Run(
            async () =>
            {
                using var peer = await listener.AcceptSocketAsync(ct);
                var request = await ReadHeadAsync(peer, ct);
                foreach (var piece in Pieces)
                {
                    await peer.SendAsync(Encoding.ASCII.GetBytes(piece), ct);
                    await Task.Delay(20, ct); // separate segments, so the reader meets each split
                }

                peer.Shutdown(SocketShutdown.Send);
                return request;
            },
            ct);

        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        using var reply = await EdgeRequest.SendAsync(new DnsEndPoint("127.0.0.1", endpoint.Port), "GET /live.mp3?from=5 HTTP/1.0\r\nHost: edge\r\n\r\n", 0, Timeout, ct);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("audio/mpeg", reply.Content.Headers.ContentType?.MediaType);
        using var body = await reply.Content.ReadAsStreamAsync(ct);
        var received = new MemoryStream();
        var buffer = new byte[64];
        while (true)
        {
            Assert.Equal(0, await body.ReadAsync(Memory<byte>.Empty, ct)); // waits for data holding no buffer
            var read = await body.ReadAsync(buffer, ct);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        Assert.Equal("first-second", Encoding.ASCII.GetString(received.ToArray()));
        Assert.Equal("GET /live.mp3?from=5 HTTP/1.0\r\nHost: edge\r\n\r\n", await edge.WaitAsync(Timeout, ct));
    }

    [Fact]
    public async Task SendAsync_AnEdgeThatAcceptsAndNeverAnswers_TimesOut()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(); // the kernel accepts; nobody ever answers, as with a frozen edge
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        await Assert.ThrowsAsync<TimeoutException>(() => EdgeRequest.SendAsync(new DnsEndPoint("127.0.0.1", endpoint.Port), "GET / HTTP/1.0\r\n\r\n", 0, TimeSpan.FromMilliseconds(300), ct).WaitAsync(Timeout, ct));
    }

    [Fact]
    public async Task SendAsync_NobodyListening_IsAnHttpRequestException()
    {
        var ct = TestContext.Current.CancellationToken;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await Assert.ThrowsAsync<HttpRequestException>(() => EdgeRequest.SendAsync(new DnsEndPoint("127.0.0.1", port), "GET / HTTP/1.0\r\n\r\n", 0, Timeout, ct).WaitAsync(Timeout, ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_AHeadTooLong_OrClosedBeforeItEnds_IsAnHttpRequestException(bool endless)
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var edge = Task.Run(
            async () =>
            {
                using var peer = await listener.AcceptSocketAsync(ct);
                await ReadHeadAsync(peer, ct);
                var line = Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nX-Padding: " + new string('x', 1000) + "\r\n");
                for (var i = 0; i < (endless ? 40 : 1); i++)
                {
                    try
                    {
                        await peer.SendAsync(line, ct);
                    }
                    catch (SocketException)
                    {
                        return; // the client gave up, as it should
                    }
                }

                peer.Shutdown(SocketShutdown.Send);
            },
            ct);

        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        await Assert.ThrowsAsync<HttpRequestException>(() => EdgeRequest.SendAsync(new DnsEndPoint("127.0.0.1", endpoint.Port), "GET / HTTP/1.0\r\n\r\n", 0, Timeout, ct).WaitAsync(Timeout, ct));
        await edge.WaitAsync(Timeout, ct);
    }

    private static async Task<string> ReadHeadAsync(Socket peer, CancellationToken ct)
    {
        var head = new StringBuilder();
        var buffer = new byte[256];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await peer.ReceiveAsync(buffer, ct);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return head.ToString();
    }
}
