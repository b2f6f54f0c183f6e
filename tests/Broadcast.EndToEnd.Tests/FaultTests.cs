using System.Net.Http.Json;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Real processes killed for real under listeners (issue #16): an edge (SIGKILL, SIGTERM) and nats-server. Every
/// listener's one connection stays open, and what it hears is what a listener held on the surviving edge heard over
/// the same offsets, byte for byte.
/// </summary>
public sealed class FaultTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public Task EdgeKilled_ListenersThroughTheGateway_GoOnFromTheOtherEdgeAtTheNextByte() =>
        FailOverAsync("/fault-kill.mp3", (cluster, edge) => cluster.KillAsync(edge));

    [Fact]
    public Task EdgeTerminated_ListenersMoveWithNoGap_AndTheEdgeExitsWithinItsDrainTime() =>
        FailOverAsync("/fault-term.mp3", async (cluster, edge) =>
        {
            edge.Process.Terminate();
            await edge.Process.WaitForExitAsync(TimeSpan.FromSeconds(DrainSeconds + 10)); // throws past the grace time
            Assert.Contains("Draining: ", edge.Process.Output, StringComparison.Ordinal);
            cluster.Edges.Remove(edge);
        });

    /// <summary>SIGSTOP: the edge keeps its connections open and sends nothing; the gateway's watchdog finds it does not answer.</summary>
    [Fact]
    public Task EdgeFrozen_ListenersThroughTheGateway_GoOnFromTheOtherEdgeAtTheNextByte() =>
        FailOverAsync(
            "/fault-frozen.mp3",
            (cluster, edge) =>
            {
                edge.Process.Freeze();
                return Task.CompletedTask;
            },
            expectedLog: "is silent and does not answer");

    /// <summary>
    /// The only edge freezes for longer than the gateway's stall time and comes back (an edge overloaded for seconds
    /// looks the same from the gateway): with nowhere else to go, the gateway keeps its listeners waiting instead of
    /// ending them, and they hear the edge again on their connections.
    /// </summary>
    [Fact]
    public async Task OnlyEdgeFrozenForSeconds_ListenersWait_AndPlayOnWhenItComesBack()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/fault-only-edge.mp3";
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1);
        using var http = new HttpClient { Timeout = Timeout };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 120);
        var viaGateway = new Uri(cluster.Gateway, Mount);
        await Listener.WaitLiveAsync(http, viaGateway, Timeout, cluster.Logs);
        var listeners = new List<StreamRecorder>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                listeners.Add(await StreamRecorder.StartAsync(http, viaGateway, ct));
                await listeners[^1].WaitForMoreAsync(16 * 1024, Timeout, "audio through the gateway");
            }

            var edge = cluster.Edges[0];
            edge.Process.Freeze();
            try
            {
                // The fault's length: past the stall time (5 s) and a liveness probe (2 s), short of the activity timeout (30 s).
                await Task.Delay(TimeSpan.FromSeconds(9), ct);
            }
            finally
            {
                edge.Process.Thaw();
            }

            foreach (var listener in listeners)
            {
                await listener.WaitForMoreAsync(64 * 1024, Timeout, "audio after the edge came back\n" + cluster.Logs);
                Assert.Null(listener.EndedBy);
            }

            Assert.DoesNotContain("is silent and does not answer", cluster.Logs, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var listener in listeners)
            {
                await listener.DisposeAsync();
            }
        }
    }

    private const int DrainSeconds = 3;

    /// <summary>
    /// Listeners (plain and ICY) through the gateway on the edge their station hashes to, and one held directly on the
    /// other edge for reference; then the fault on the first edge. Afterwards every gateway listener is still
    /// connected, got more audio, and its bytes equal the reference's at the same offsets across the switch.
    /// </summary>
    private static async Task FailOverAsync(string mount, Func<DirectoryCluster, ClusterMember, Task> fault, string expectedLog = "failed over from edge")
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(
            ingests: 1,
            edges: 2,
            edgeSettings: new Dictionary<string, string> { ["Edge__DrainSeconds"] = DrainSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Edge__DrainListenersPerSecond"] = "2" });
        using var http = new HttpClient { Timeout = Timeout };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, mount, "mp3", seconds: 120);
        var viaGateway = new Uri(cluster.Gateway, mount);
        await Listener.WaitLiveAsync(http, viaGateway, Timeout, cluster.Logs);

        var plain = new List<StreamRecorder>();
        var icy = new List<IcyReader>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                plain.Add(await StreamRecorder.StartAsync(http, viaGateway, ct));
            }

            for (var i = 0; i < 2; i++)
            {
                icy.Add(await IcyReader.OpenAsync(viaGateway, ct));
            }

            foreach (var listener in plain)
            {
                await listener.WaitForMoreAsync(16 * 1024, Timeout, "audio through the gateway");
            }

            var (serving, other) = await ServingEdgeAsync(cluster, http, plain.Count, ct);
            await using var reference = await StreamRecorder.StartAsync(http, new Uri(other.Address, mount), ct);
            await reference.WaitForMoreAsync(16 * 1024, Timeout, "the reference listener's audio");
            foreach (var reader in icy)
            {
                await reader.ReadUntilAsync(r => r.Audio.Length >= 32 * 1024, Timeout, "ICY audio through the gateway", ct);
            }

            var cut = plain.Select(p => p.Offset + p.Length).ToArray();
            var icyCut = icy.Select(r => r.Offset + r.Audio.Length).ToArray();
            await fault(cluster, serving);

            foreach (var listener in plain)
            {
                await listener.WaitForMoreAsync(64 * 1024, Timeout, "audio after the edge went away\n" + cluster.Logs);
            }

            foreach (var (reader, at) in icy.Zip(icyCut))
            {
                await reader.ReadUntilAsync(r => r.Offset + r.Audio.Length >= at + (64 * 1024), Timeout, "ICY audio after the edge went away", ct);
            }

            await reference.WaitForMoreAsync(16 * 1024, Timeout, "the reference listener's audio after the fault");
            var expected = reference.Bytes();
            foreach (var (listener, at) in plain.Zip(cut))
            {
                Assert.Null(listener.EndedBy);
                AssertSameBytes(expected, reference.Offset, listener.Bytes(), listener.Offset, at, "a plain listener");
            }

            foreach (var (reader, at) in icy.Zip(icyCut))
            {
                // The interleave stayed aligned: every block is a title block (misaligned, audio bytes would read as one).
                Assert.All(reader.Blocks, block => Assert.StartsWith("StreamTitle='", block.Text, StringComparison.Ordinal));
                AssertSameBytes(expected, reference.Offset, reader.Audio, reader.Offset, at, "an ICY listener");
            }

            await DecodesAsMp3Async(plain[0], ct);

            Assert.Contains("failed over from edge", cluster.Logs, StringComparison.Ordinal);
            Assert.Contains(expectedLog, cluster.Logs, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var listener in plain)
            {
                await listener.DisposeAsync();
            }

            foreach (var reader in icy)
            {
                await reader.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task NatsRestarted_UnderListeners_NobodyIsDropped_AudioResumes_AndTheLossIsReported()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/fault-nats.mp3";
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1);
        using var http = new HttpClient { Timeout = Timeout };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 120);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, Mount), Timeout, cluster.Logs);
        var listeners = new List<StreamRecorder> { await StreamRecorder.StartAsync(http, new Uri(cluster.Edges[0].Address, Mount), ct) };
        try
        {
            for (var i = 0; i < 5; i++)
            {
                listeners.Add(await StreamRecorder.StartAsync(http, new Uri(cluster.Gateway, Mount), ct));
            }

            foreach (var listener in listeners)
            {
                await listener.WaitForMoreAsync(16 * 1024, Timeout, "audio before the broker restart");
            }

            await cluster.KillNatsAsync();
            await Poll.UntilAsync(() => Task.FromResult(cluster.Logs.Contains(" lost (", StringComparison.Ordinal)), Timeout, "the services to log the lost broker");
            await Task.Delay(TimeSpan.FromSeconds(4), ct); // the outage itself: ingest goes on framing what nobody receives
            var heard = listeners.Select(l => l.Length).ToArray();
            cluster.StartNats();
            var restarted = System.Diagnostics.Stopwatch.StartNew();
            foreach (var (listener, before) in listeners.Zip(heard))
            {
                await Poll.UntilAsync(() => Task.FromResult(listener.Length >= before + 8192 || listener.EndedBy is not null), Timeout, "audio after the broker restart\n" + cluster.Logs);
                Assert.Null(listener.EndedBy);
            }

            var toAudio = restarted.Elapsed;
            TestContext.Current.TestOutputHelper?.WriteLine($"audio at every listener {toAudio.TotalSeconds:F2} s after nats-server restarted");
            Assert.Contains("regained after", cluster.Logs, StringComparison.Ordinal);

            // The hole is reported: bridged from the ingest's recent audio, or lost (and the listeners moved past it).
            using var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(cluster.Edges[0].Address, "/stats"), ct));
            var lost = stats.RootElement.GetProperty("bytesLost").GetInt64();
            var bridged = stats.RootElement.GetProperty("bytesBridged").GetInt64();
            TestContext.Current.TestOutputHelper?.WriteLine($"edge: {bridged} bytes bridged, {lost} bytes lost");
            Assert.True(lost + bridged > 0, "the edge reports the hole: " + stats.RootElement);

            foreach (var listener in listeners)
            {
                await listener.WaitForMoreAsync(16 * 1024, Timeout, "audio well after the restart");
                Assert.Null(listener.EndedBy);
            }

            await DecodesAsMp3Async(listeners[^1], ct);
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
    public async Task IngestKilled_EncoderReconnectsToAnotherIngest_TakesTheMountAtOnce_ListenersHearItOnTheirConnections()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/fault-ingest.mp3";
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 2, edges: 1);
        using var http = new HttpClient { Timeout = Timeout };
        await using var first = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 120);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, Mount), Timeout, cluster.Logs);

        await using var direct = await StreamRecorder.StartAsync(http, new Uri(cluster.Edges[0].Address, Mount), ct);
        await using var relayed = await StreamRecorder.StartAsync(http, new Uri(cluster.Gateway, Mount), ct);
        await direct.WaitForMoreAsync(16 * 1024, Timeout, "audio from the first ingest");
        await relayed.WaitForMoreAsync(16 * 1024, Timeout, "audio from the first ingest through the gateway");

        // The ingest dies under its encoder (SIGKILL: no end of stream, a lease that names a dead ingest); the encoder,
        // as encoders do, reconnects, here to the other ingest.
        await cluster.KillAsync(cluster.Ingests[0]);
        var (directBefore, relayedBefore) = (direct.Length, relayed.Length);
        await using var second = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 120);
        await direct.WaitForMoreAsync(32 * 1024, Timeout, "the second encoder's audio on the edge\n" + cluster.Logs + second.Output);
        await relayed.WaitForMoreAsync(32 * 1024, Timeout, "the second encoder's audio through the gateway\n" + cluster.Logs + second.Output);

        Assert.False(second.HasExited, "the reconnecting encoder was refused: " + second.Output);
        Assert.True(direct.Length > directBefore && relayed.Length > relayedBefore);
        Assert.Contains("goes on with the station's new session", cluster.Logs, StringComparison.Ordinal);
        await DecodesAsMp3Async(relayed, ct);
    }

    /// <summary>What a listener recorded decodes as MP3 with no error (ffmpeg).</summary>
    private static async Task DecodesAsMp3Async(StreamRecorder recorder, CancellationToken ct)
    {
        var path = await recorder.SaveAsync(ct);
        try
        {
            Assert.Equal("mp3", await Listener.DecodeAsync(path, ct));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The edge with the gateway's listeners (its <c>/stats</c> counts them as requests in flight) and the other one.</summary>
    private static async Task<(ClusterMember Serving, ClusterMember Other)> ServingEdgeAsync(DirectoryCluster cluster, HttpClient http, int listeners, CancellationToken ct)
    {
        foreach (var edge in cluster.Edges)
        {
            var stats = await http.GetFromJsonAsync<JsonElement>(new Uri(edge.Address, "/stats"), ct);
            if (stats.GetProperty("requests").GetInt64() >= listeners)
            {
                return (edge, cluster.Edges.Single(e => e != edge));
            }
        }

        throw new InvalidOperationException("no edge carries the gateway's listeners\n" + cluster.Logs);
    }

    /// <summary>
    /// The listener's bytes (from stream offset <paramref name="offset"/>) equal the reference's (from
    /// <paramref name="referenceOffset"/>) wherever both have them, and they have them from before <paramref name="cut"/>
    /// (where the edge went away) to well after it.
    /// </summary>
    private static void AssertSameBytes(byte[] reference, long referenceOffset, byte[] heard, long offset, long cut, string who)
    {
        var from = Math.Max(referenceOffset, offset);
        var to = Math.Min(referenceOffset + reference.Length, offset + heard.Length);
        Assert.True(from <= cut - 1024 && to >= cut + (32 * 1024), $"{who}: the overlap {from}..{to} must span the cut at {cut}");
        var mine = heard.AsSpan((int)(from - offset), (int)(to - from));
        var theirs = reference.AsSpan((int)(from - referenceOffset), (int)(to - from));
        var differs = mine.CommonPrefixLength(theirs);
        Assert.True(differs == mine.Length, $"{who}: bytes differ from stream offset {from + differs} (the cut was at {cut})");
    }
}
