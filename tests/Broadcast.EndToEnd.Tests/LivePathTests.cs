using System.Net;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>ffmpeg pushes to ingest; listeners pull through the gateway; ffmpeg decodes what they got.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LivePathTests(ClusterFixture fixture)
{
    internal static readonly TimeSpan LiveTimeout = TimeSpan.FromSeconds(20);

    private BroadcastCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData("mp3", "/e2e-live.mp3", "mp3")]
    [InlineData("aac", "/e2e-radio-1.aac", "aac")]
    [InlineData("vorbis", "/e2e-vorbis.ogg", "vorbis")]
    [InlineData("opus", "/e2e-Opus", "opus")]
    public async Task Listen_ThroughGateway_EarlyAndLateListenersDecodeTheCodecSent(string codec, string mount, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, mount, codec, seconds: 15);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(Cluster.Gateway, mount);
        await Listener.WaitLiveAsync(http, url, LiveTimeout, Cluster.Logs + source.Output);

        var early = await Listener.CaptureAsync(http, url, TimeSpan.FromSeconds(3), ct);
        var late = await Listener.CaptureAsync(http, url, TimeSpan.FromSeconds(3), ct); // joins ~3 s into the stream

        Assert.Equal(expected, await Listener.DecodeAsync(early, ct));
        Assert.Equal(expected, await Listener.DecodeAsync(late, ct));
        Assert.True(new FileInfo(late).Length > 8_000, "late listener got audio");
        if (codec is "vorbis" or "opus")
        {
            var bytes = await File.ReadAllBytesAsync(late, ct);
            Assert.True(bytes.AsSpan().StartsWith("OggS"u8) && (bytes[5] & 0x02) != 0, "an Ogg late joiner starts with the beginning-of-stream header page");
        }
    }

    [Fact]
    public async Task Listen_ResponseHeaders_WhatPlayersExpect()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, "/e2e-headers.mp3", "mp3", seconds: 10);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(Cluster.Gateway, "/e2e-headers.mp3");
        await Listener.WaitLiveAsync(http, url, LiveTimeout, Cluster.Logs);

        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);

        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Test FM", response.Headers.GetValues("icy-name").Single());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("icy-name", response.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_UnknownStation_404()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync(new Uri(Cluster.Gateway, "/nobody-here.mp3"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("%20")] // System.Uri trims a decoded trailing space: the gateway used to serve the station itself
    [InlineData("%09")]
    [InlineData("%00")]
    [InlineData("%2F..")]
    public async Task Listen_MountWithEncodedJunk_RefusedOnGatewayAsOnEdge_StationUndisturbed(string junk)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, "/e2e-path.mp3", "mp3", seconds: 15);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, "/e2e-path.mp3"), LiveTimeout, Cluster.Logs);

        using var viaGateway = await http.GetAsync(new Uri(Cluster.Gateway + "e2e-path.mp3" + junk), HttpCompletionOption.ResponseHeadersRead, ct);
        using var onEdge = await http.GetAsync(new Uri(Cluster.Edges[0] + "e2e-path.mp3" + junk), HttpCompletionOption.ResponseHeadersRead, ct);

        // Refused the same way on both: 404 "not a station" by the mount rule, or Kestrel's 400 before it (a NUL).
        Assert.Equal(onEdge.StatusCode, viaGateway.StatusCode);
        Assert.Equal(junk == "%00" ? HttpStatusCode.BadRequest : HttpStatusCode.NotFound, viaGateway.StatusCode);
        if (viaGateway.StatusCode == HttpStatusCode.NotFound)
        {
            var gatewayText = await viaGateway.Content.ReadAsStringAsync(ct);
            Assert.StartsWith("not a station", gatewayText, StringComparison.Ordinal);
            Assert.Equal(await onEdge.Content.ReadAsStringAsync(ct), gatewayText);
        }

        var capture = await Listener.CaptureAsync(http, new Uri(Cluster.Gateway, "/e2e-path.mp3"), TimeSpan.FromSeconds(2), ct);
        var bytes = new FileInfo(capture).Length;
        File.Delete(capture);
        Assert.True(bytes > 8_000, $"the station itself still plays: {bytes} bytes");
    }

    [Fact]
    public async Task Source_WrongPassword_401AndNothingPublished()
    {
        var ct = TestContext.Current.CancellationToken;
        var head = "PUT /e2e-wrong.mp3 HTTP/1.1\r\nHost: x\r\nContent-Type: audio/mpeg\r\nExpect: 100-continue\r\n"
            + $"Authorization: {SourceClient.Basic("source", "not-the-password")}\r\n\r\n";

        var reply = await SourceClient.RawAsync(Cluster.Ingest, head, null, ct);

        Assert.StartsWith("HTTP/1.0 401", reply, StringComparison.Ordinal);
        Assert.Contains("WWW-Authenticate: Basic", reply, StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var listen = await http.GetAsync(new Uri(Cluster.Gateway, "/e2e-wrong.mp3"), ct);
        Assert.Equal(HttpStatusCode.NotFound, listen.StatusCode);
    }

    [Fact]
    public async Task Source_WrongPasswordsAtHighRate_AddressLimitedWith429_OthersLogIn()
    {
        var ct = TestContext.Current.CancellationToken;
        var guesser = IPAddress.Parse("127.0.0.3");
        string Head(string password) => "PUT /e2e-guessed.mp3 HTTP/1.1\r\nContent-Type: audio/mpeg\r\n"
            + $"Authorization: {SourceClient.Basic("source", password)}\r\n\r\n";

        // The default allows 20 wrong passwords a minute from one address; the next attempt is refused unread.
        for (var i = 0; i < 20; i++)
        {
            Assert.StartsWith("HTTP/1.0 401", await SourceClient.RawAsync(Cluster.Ingest, Head("guess-" + i), null, ct, guesser), StringComparison.Ordinal);
        }

        var limited = await SourceClient.RawAsync(Cluster.Ingest, Head(BroadcastCluster.SourcePassword), null, ct, guesser);
        Assert.StartsWith("HTTP/1.0 429", limited, StringComparison.Ordinal);
        Assert.Contains("Retry-After: ", limited, StringComparison.Ordinal);

        // Another address with the right password is not locked out.
        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, "/e2e-guessed.mp3", "mp3", seconds: 10);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, "/e2e-guessed.mp3"), LiveTimeout, Cluster.Logs);
    }

    [Fact]
    public async Task Source_MountPasswordOverridesGlobal()
    {
        var ct = TestContext.Current.CancellationToken;
        string Head(string password) => "SOURCE /private.mp3 HTTP/1.0\r\nContent-Type: audio/mpeg\r\n"
            + $"Authorization: {SourceClient.Basic("source", password)}\r\n\r\n";

        Assert.StartsWith("HTTP/1.0 401", await SourceClient.RawAsync(Cluster.Ingest, Head(BroadcastCluster.SourcePassword), null, ct), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.0 200", await SourceClient.RawAsync(Cluster.Ingest, Head("secret"), null, ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Source_SecondSourceOnLiveMount_403MountpointInUse()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var first = SourceClient.StartFfmpeg(Cluster.Ingest, "/e2e-busy.mp3", "mp3", seconds: 10);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, "/e2e-busy.mp3"), LiveTimeout, Cluster.Logs);
        var head = "PUT /e2e-busy.mp3 HTTP/1.1\r\nContent-Type: audio/mpeg\r\nExpect: 100-continue\r\n"
            + $"Authorization: {SourceClient.Basic("source", BroadcastCluster.SourcePassword)}\r\n\r\n";

        var reply = await SourceClient.RawAsync(Cluster.Ingest, head, null, ct);

        Assert.StartsWith("HTTP/1.0 403", reply, StringComparison.Ordinal);
        Assert.Contains("Mountpoint in use", reply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUT /e2e-notype.mp3 HTTP/1.1\r\n", "400")]
    [InlineData("PUT /e2e-video.mp4 HTTP/1.1\r\nContent-Type: video/mp4\r\n", "415")]
    [InlineData("PUT /../etc/passwd HTTP/1.1\r\nContent-Type: audio/mpeg\r\n", "400")]
    public async Task Source_BadRequest_ClearError(string start, string status)
    {
        var head = start + $"Authorization: {SourceClient.Basic("source", BroadcastCluster.SourcePassword)}\r\n\r\n";

        var reply = await SourceClient.RawAsync(Cluster.Ingest, head, null, TestContext.Current.CancellationToken);

        Assert.StartsWith("HTTP/1.0 " + status, reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Source_GarbageAfterValidHeaders_OtherStationUndisturbed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var good = SourceClient.StartFfmpeg(Cluster.Ingest, "/e2e-steady.mp3", "mp3", seconds: 15);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(Cluster.Gateway, "/e2e-steady.mp3");
        await Listener.WaitLiveAsync(http, url, LiveTimeout, Cluster.Logs);
        var garbage = new byte[2 * 1024 * 1024];
        new Random(9).NextBytes(garbage);
        var head = "PUT /e2e-garbage.mp3 HTTP/1.1\r\nContent-Type: audio/mpeg\r\nExpect: 100-continue\r\n"
            + $"Authorization: {SourceClient.Basic("source", BroadcastCluster.SourcePassword)}\r\n\r\n";

        var capture = Listener.CaptureAsync(http, url, TimeSpan.FromSeconds(4), ct);
        var reply = await SourceClient.RawAsync(Cluster.Ingest, head, garbage, ct);

        Assert.StartsWith("HTTP/1.1 100 Continue", reply, StringComparison.Ordinal);
        Assert.Equal("mp3", await Listener.DecodeAsync(await capture, ct));
        using var health = await http.GetAsync(new Uri(Cluster.Ingest, "/healthz/live"), ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Listen_ListenerWhoStartedTheStationLeaves_OthersKeepGettingLiveAudio()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/e2e-handover.mp3";
        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, Mount, "mp3", seconds: 20);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var edge = Cluster.Edges[0];
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), LiveTimeout, Cluster.Logs);
        await Poll.UntilAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync(new Uri(edge, "/stats"), ct)).RootElement.GetProperty("activeStations").GetInt32() == 0,
            TimeSpan.FromSeconds(30),
            "the edge to release the station the readiness probe started");

        // The first listener starts the station on this edge (its request subscribes), the second joins, the first leaves.
        var first = await http.GetAsync(new Uri(edge, Mount), HttpCompletionOption.ResponseHeadersRead, ct);
        using var second = await http.GetAsync(new Uri(edge, Mount), HttpCompletionOption.ResponseHeadersRead, ct);
        first.Dispose();

        // 128 kbit/s is 16 KB/s: well past any burst (64 KiB) only if live chunks keep coming after the first left.
        var heard = await Listener.ReadExactlyAsync(second, 160_000, ct);
        Assert.Equal(160_000, heard.Length);
    }

    [Fact]
    public async Task Edge_LastListenerLeaves_StationBufferFreed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, "/e2e-free.mp3", "mp3", seconds: 20);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(Cluster.Gateway, "/e2e-free.mp3");
        await Listener.WaitLiveAsync(http, url, LiveTimeout, Cluster.Logs);
        await Listener.CaptureAsync(http, url, TimeSpan.FromSeconds(1), ct);

        // Every edge ends with no ring for the station once its grace period (1 s here) has passed, and the mmap-ed
        // ring memory is unmapped (this edge has no other station once the other tests' sources are gone).
        foreach (var edge in Cluster.Edges)
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(edge, "/stats"), ct)).RootElement;
                    return stats.GetProperty("activeStations").GetInt32() == 0
                        && stats.GetProperty("bufferBytes").GetInt64() == 0
                        && stats.GetProperty("mappedBytes").GetInt64() == 0;
                },
                TimeSpan.FromSeconds(30),
                $"{edge} to free and unmap its station rings");
            var pool = JsonDocument.Parse(await http.GetStringAsync(new Uri(edge, "/stats"), ct)).RootElement.GetProperty("kestrelPoolFactory").GetString();
            Assert.Equal("GovernedMemoryPoolFactory", pool);
        }
    }
}
