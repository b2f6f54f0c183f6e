using System.Net;
using System.Net.Sockets;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>A gateway whose only edge is gone or goes silent: the listener is told or let go, and the gateway itself stays up.</summary>
public sealed class GatewayFailureTests
{
    [Fact]
    public async Task Listen_EdgeUnreachable_ClearErrorAndTheGatewayKeepsServing()
    {
        var ct = TestContext.Current.CancellationToken;
        var deadEdge = $"http://127.0.0.1:{FreePort.Next()}"; // nothing listens there
        var (gateway, process) = ServiceLauncher.Start("Broadcast.Gateway", new Dictionary<string, string> { ["Gateway__Edges__0"] = deadEdge });
        await using (process)
        {
            await ServiceLauncher.WaitReadyAsync([gateway], () => process.Output, TimeSpan.FromSeconds(60), "/healthz/live"); // no healthy edge: never ready
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            for (var i = 0; i < 20; i++)
            {
                using var response = await http.GetAsync(new Uri(gateway, "/any.mp3"), ct);
                Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"got {response.StatusCode}");
                Assert.Contains("edge", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            Assert.False(process.HasExited);
            Assert.True((await http.GetAsync(new Uri(gateway, "/healthz/live"), ct)).IsSuccessStatusCode);
        }
    }

    /// <summary>
    /// An edge that answers a listener, sends some audio and then nothing while keeping the connection open: the
    /// gateway's watchdog ends that stream once the activity timeout has passed (no resume is possible, as the reply
    /// carried no offsets), so the listener's connection closes, with one line in the log for the edge.
    /// </summary>
    [Fact]
    public async Task Listen_EdgeGoesSilent_StreamEndsAfterTheActivityTimeout_AndTheGatewayKeepsServing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var edge = new TcpListener(IPAddress.Loopback, 0);
        edge.Start();
        var held = new List<TcpClient>();
        var serving = SilentEdgeAsync(edge, held, ct);
        var (gateway, process) = ServiceLauncher.Start("Broadcast.Gateway", new Dictionary<string, string>
        {
            ["Gateway__Edges__0"] = $"http://127.0.0.1:{((IPEndPoint)edge.LocalEndpoint).Port}",
            ["Gateway__ActivityTimeoutSeconds"] = "5",
        });
        await using (process)
        {
            try
            {
                await ServiceLauncher.WaitReadyAsync([gateway], () => process.Output, TimeSpan.FromSeconds(60));
                using var listener = new TcpClient();
                await listener.ConnectAsync(gateway.Host, gateway.Port, ct);
                var stream = listener.GetStream();
                await stream.WriteAsync("GET /silent.mp3 HTTP/1.1\r\nHost: gateway\r\n\r\n"u8.ToArray(), ct);

                // Read to the end: the watchdog ends the stream 5-6 s after the last byte; a minute is the test's bound.
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
                bound.CancelAfter(TimeSpan.FromSeconds(60));
                var received = new MemoryStream();
                var buffer = new byte[8192];
                int read;
                while ((read = await stream.ReadAsync(buffer, bound.Token)) > 0)
                {
                    received.Write(buffer, 0, read);
                }

                var text = Encoding.Latin1.GetString(received.ToArray());
                Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
                Assert.Equal(SilentEdgeAudioBytes, text.Length - (text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4));
                await Poll.UntilAsync(() => Task.FromResult(process.Output.Contains("nothing for 5 s (the activity timeout)", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), () => "the watchdog's line in the log\n" + process.Output);

                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                Assert.True((await http.GetAsync(new Uri(gateway, "/healthz/live"), ct)).IsSuccessStatusCode);
                Assert.False(process.HasExited);
            }
            finally
            {
                edge.Stop();
                await serving;
                held.ForEach(c => c.Dispose());
            }
        }
    }

    private const int SilentEdgeAudioBytes = 4096;

    /// <summary>Answers health checks with 200; answers a listener's request with a stream head and some audio, then holds the connection silent.</summary>
    private static async Task SilentEdgeAsync(TcpListener edge, List<TcpClient> held, CancellationToken ct)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await edge.AcceptTcpClientAsync(ct);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return; // stopped
            }

            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[1024];
            using var headTime = CancellationTokenSource.CreateLinkedTokenSource(ct);
            headTime.CancelAfter(TimeSpan.FromSeconds(10)); // the gateway and its health checks send their heads at once
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16384)
            {
                var read = await stream.ReadAsync(buffer, headTime.Token);
                if (read == 0)
                {
                    break;
                }

                head.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var path = head.ToString().Split(' ') is { Length: > 1 } parts ? parts[1] : string.Empty;
            if (path.StartsWith("/healthz", StringComparison.Ordinal))
            {
                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray(), ct);
                client.Dispose();
                continue;
            }

            await stream.WriteAsync("HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n"u8.ToArray(), ct);
            await stream.WriteAsync(new byte[SilentEdgeAudioBytes], ct);
            held.Add(client); // open and silent from here
        }
    }
}
