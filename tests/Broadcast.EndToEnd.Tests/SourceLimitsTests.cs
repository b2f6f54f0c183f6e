using System.Net;
using System.Net.Sockets;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>Sources that stall: a request head that never ends (slowloris) and a source that stops sending.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SourceLimitsTests(ClusterFixture fixture)
{
    private BroadcastCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Source_HeadNeverFinished_408AndClosed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new TcpClient();
        await client.ConnectAsync(Cluster.Ingest.Host, Cluster.Ingest.Port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync("PUT /e2e-slowloris.mp3 HTTP/1.1\r\nHost: x\r\nX-Padding: a"u8.ToArray(), ct);

        var reply = await ReadToEndAsync(stream, TimeSpan.FromSeconds(ClusterFixture.IngestHeaderTimeoutSeconds + 15), ct);

        Assert.StartsWith("HTTP/1.0 408", reply, StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var health = await http.GetAsync(new Uri(Cluster.Ingest, "/healthz/live"), ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Source_ConnectionsThatSendNothing_ClosedAfterHeaderTimeout_SourcesStillServed()
    {
        var ct = TestContext.Current.CancellationToken;
        var silent = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var client = new TcpClient();
                silent.Add(client);
                await client.ConnectAsync(Cluster.Ingest.Host, Cluster.Ingest.Port, ct);
            }

            // Every silent connection is answered 408 and closed once the header time is up, not held open.
            var replies = await Task.WhenAll(silent.Select(c => ReadToEndAsync(c.GetStream(), TimeSpan.FromSeconds(ClusterFixture.IngestHeaderTimeoutSeconds + 15), ct)));
            Assert.All(replies, reply => Assert.StartsWith("HTTP/1.0 408", reply, StringComparison.Ordinal));
        }
        finally
        {
            silent.ForEach(c => c.Dispose());
        }

        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, "/e2e-after-silence.mp3", "mp3", seconds: 10);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, "/e2e-after-silence.mp3"), LivePathTests.LiveTimeout, Cluster.Logs);
    }

    [Fact]
    public async Task Source_ResetBeforeAnyByte_NoUnhandledException()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 20; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Cluster.Ingest.Host, Cluster.Ingest.Port, ct);
            client.Client.LingerState = new LingerOption(true, 0); // close with RST
            client.Client.Close();
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var health = await http.GetAsync(new Uri(Cluster.Ingest, "/healthz/live"), ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.DoesNotContain("Unhandled exception", Cluster.Logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Source_StopsSending_EndedAfterIdleTimeoutAndStationGone()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/e2e-idle.mp3";
        var audio = await EncodeAsync(seconds: 2, ct);
        using var client = new TcpClient();
        await client.ConnectAsync(Cluster.Ingest.Host, Cluster.Ingest.Port, ct);
        var stream = client.GetStream();
        var head = $"SOURCE {Mount} HTTP/1.0\r\nContent-Type: audio/mpeg\r\nAuthorization: {SourceClient.Basic("source", BroadcastCluster.SourcePassword)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await stream.WriteAsync(audio, ct); // then silence, with the connection left open
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(Cluster.Gateway, Mount);
        await Listener.WaitLiveAsync(http, url, LivePathTests.LiveTimeout, Cluster.Logs);

        var reply = await ReadToEndAsync(stream, TimeSpan.FromSeconds(ClusterFixture.IngestIdleTimeoutSeconds + 15), ct);

        Assert.StartsWith("HTTP/1.0 200", reply, StringComparison.Ordinal);
        await Listener.WaitHeadStatusAsync(http, url, HttpStatusCode.NotFound, TimeSpan.FromSeconds(15), $"{Mount} to go offline after its source went idle");
    }

    /// <summary>
    /// A valid handshake, then bytes without a single MP3 frame in them (random, with no sync word): the source is closed
    /// after Ingest:NoAudioSeconds and its station goes offline; a real station next to it plays on.
    /// </summary>
    [Fact]
    public async Task Source_GarbageAfterAValidHandshake_ClosedAndStationNotLive_OtherStationUndisturbed()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/e2e-garbage.mp3", Neighbour = "/e2e-garbage-neighbour.mp3";
        await using var neighbour = SourceClient.StartFfmpeg(Cluster.Ingest, Neighbour, "mp3", seconds: 60);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Neighbour), LivePathTests.LiveTimeout, Cluster.Logs);
        await using var heard = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Neighbour), ct);

        using var client = new TcpClient();
        await client.ConnectAsync(Cluster.Ingest.Host, Cluster.Ingest.Port, ct);
        var stream = client.GetStream();
        var head = $"SOURCE {Mount} HTTP/1.0\r\nContent-Type: audio/mpeg\r\nAuthorization: {SourceClient.Basic("source", BroadcastCluster.SourcePassword)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        var garbage = new byte[16 * 1024];
        new Random(16).NextBytes(garbage);
        for (var i = 0; i < garbage.Length; i++)
        {
            garbage[i] &= 0x7F; // no 0xFF byte, so no MPEG sync word anywhere
        }

        // 16 KiB every 100 ms, for at most 20 s: it must be closed long before.
        var closed = false;
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!closed && started.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                await stream.WriteAsync(garbage, ct);
                await Task.Delay(100, ct); // the source's pace, not a wait for the server
            }
            catch (IOException)
            {
                closed = true;
            }
        }

        Assert.True(closed, "the garbage source was never closed");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(ClusterFixture.IngestNoAudioSeconds + 10), $"closed only after {started.Elapsed}");
        Assert.Contains("no audio frame", Cluster.Logs, StringComparison.Ordinal);
        await Listener.WaitHeadStatusAsync(http, new Uri(Cluster.Gateway, Mount), HttpStatusCode.NotFound, TimeSpan.FromSeconds(15), $"{Mount} offline after its garbage source was closed");
        await heard.WaitForMoreAsync(16 * 1024, TimeSpan.FromSeconds(15), "the neighbour station's audio");
    }

    /// <summary>Reads until the server closes the connection; fails if it has not within <paramref name="timeout"/>.</summary>
    private static async Task<string> ReadToEndAsync(NetworkStream stream, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        try
        {
            while ((read = await stream.ReadAsync(buffer, limit.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // a reset is a close too
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"the ingest did not close the connection within {timeout}; got: {Encoding.ASCII.GetString(received.ToArray())}");
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static async Task<byte[]> EncodeAsync(int seconds, CancellationToken cancellationToken)
    {
        var path = TestFiles.NewPath("broadcast-idle", ".mp3");
        try
        {
            await ExternalTool.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", $"sine=frequency=330:duration={seconds}", "-c:a", "libmp3lame", "-b:a", "128k", path], TimeSpan.FromSeconds(30), cancellationToken);
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
