using System.Net.Sockets;
using System.Text;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Request-smuggling shapes at the public URL: each is refused with 400 on its connection and nothing reaches an edge
/// as a second request; the gateway goes on serving listeners.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GatewayInputTests(ClusterFixture fixture)
{
    public static TheoryData<string, string> Smuggling => new()
    {
        { "Content-Length with Transfer-Encoding", "GET /e2e-smuggle.mp3 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /e2e-smuggled.mp3 HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "two different Content-Lengths", "GET /e2e-smuggle.mp3 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /e2e-smuggled.mp3 HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "an unknown transfer coding", "GET /e2e-smuggle.mp3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" },
        { "a CR inside a header value", "GET /e2e-smuggle.mp3 HTTP/1.1\r\nHost: x\r\nX-Note: a\rGET /e2e-smuggled.mp3 HTTP/1.1\r\n\r\n" },
        { "a bare LF inside a header value", "GET /e2e-smuggle.mp3 HTTP/1.1\r\nHost: x\r\nX-Note: a\nContent-Length: 10\r\n\r\n" },
        { "an obsolete folded header", "GET /e2e-smuggle.mp3 HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n folded\r\n\r\n" },
        { "white space before the colon", "GET /e2e-smuggle.mp3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" },
        { "a NUL in the request line", "GET /e2e-smuggle.mp3\0 HTTP/1.1\r\nHost: x\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(Smuggling))]
    public async Task Gateway_SmugglingShape_400AndNoSecondRequest_ListenersUndisturbed(string shape, string request)
    {
        var ct = TestContext.Current.CancellationToken;
        var gateway = fixture.Cluster.Gateway;
        using var client = new TcpClient();
        await client.ConnectAsync(gateway.Host, gateway.Port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), ct);

        var reply = await ReadToEndAsync(stream, ct);

        Assert.True(reply.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), $"{shape}: expected 400, got: {reply}");
        Assert.Equal(1, Count(reply, "HTTP/1.1 ")); // one answer: the bytes after the refused request were not read as another
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var live = await http.GetAsync(new Uri(gateway, "/healthz/live"), ct);
        Assert.True(live.IsSuccessStatusCode, $"{shape}: the gateway stopped answering");
    }

    [Fact]
    public async Task SlowlorisAndSilentListeners_ClosedAfterTheHeaderTimeout_OnGatewayAndEdge_ListenersUndisturbed()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/e2e-slow-heads.mp3";
        var cluster = fixture.Cluster;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingest, Mount, "mp3", seconds: 40);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, Mount), LivePathTests.LiveTimeout, cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(cluster.Gateway, Mount), ct);
        var clients = new List<TcpClient>();
        try
        {
            // On the public URL and on an edge: heads that never end (one header line a second would still be one
            // head), and connections that never send a byte. Each is closed by the server once the header time is up.
            var started = System.Diagnostics.Stopwatch.StartNew();
            foreach (var target in new[] { cluster.Gateway, cluster.Edges[0] })
            {
                for (var i = 0; i < 40; i++)
                {
                    var client = new TcpClient();
                    clients.Add(client);
                    await client.ConnectAsync(target.Host, target.Port, ct);
                    if (i % 2 == 0)
                    {
                        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"GET {Mount} HTTP/1.1\r\nHost: x\r\nX-Slow: {i}"), ct);
                    }
                }
            }

            var replies = await Task.WhenAll(clients.Select(c => ReadToEndAsync(c.GetStream(), ct)));

            Assert.All(replies, reply => Assert.True(reply.Length == 0 || reply.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), "expected a close or a 408, got: " + reply));
            Assert.True(started.Elapsed >= TimeSpan.FromSeconds(ClusterFixture.HeaderTimeoutSeconds - 1), $"closed after {started.Elapsed}: before the header time was up");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        await listener.WaitForMoreAsync(16_000, TimeSpan.FromSeconds(20), "the listener, undisturbed by the slow heads");
        Assert.Null(listener.EndedBy);
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Reads until the gateway closes the connection (it must, after a 400), bounded by 15 s.</summary>
    private static async Task<string> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(15));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, limit.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // a reset after the answer is a close too
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Assert.Fail("the gateway kept the connection open after: " + Encoding.Latin1.GetString(received.ToArray()));
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }
}
