using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// The memory promise, guarded cheaply: one edge process, a few hundred listeners joining and leaving in cycles.
/// After every cycle the edge's resident memory must be back near its idle baseline, and it must not creep from
/// cycle to cycle. The governor is tuned to react in seconds here (its defaults wait 10 s and collect at most once
/// a minute); each measurement waits for its next collection instead of sleeping.
/// </summary>
[Collection(nameof(MemoryCycleTests))]
public sealed class MemoryCycleTests
{
    private const int Listeners = 300;
    private const int Cycles = 4;
    private const long MiB = 1024 * 1024;

    /// <summary>300 listeners cost the edge 25–40 MiB at their peak; coming back within 10 MiB of idle is the promise.</summary>
    private const long AllowedAboveBaseline = 10 * MiB;

    /// <summary>How long to wait for a collection after the teardown: the governor's interval (3 s here) and quiet time (2 s), with slack.</summary>
    private static readonly TimeSpan SecondCollection = TimeSpan.FromSeconds(8);

    /// <summary>Drift allowed between the first and the last cycle.</summary>
    private const long AllowedCreep = 4 * MiB;

    [Fact]
    public async Task Edge_ListenersJoinAndLeaveInCycles_ResidentMemoryReturnsAndDoesNotCreep()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await BroadcastCluster.StartAsync(edges: 1, edgeSettings: new Dictionary<string, string>
        {
            ["Memory__QuietSeconds"] = "2",
            ["Memory__MinIntervalSeconds"] = "3",
            ["Memory__CheckSeconds"] = "1",
            ["Edge__IdleGraceSeconds"] = "60", // keep the station's ring across cycles: listeners, not rings, are measured
        });
        await using var source = SourceClient.StartFfmpeg(cluster.Ingest, "/e2e-cycles.mp3", "mp3", seconds: 300);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var edge = cluster.Edges[0];
        var url = new Uri(edge, "/e2e-cycles.mp3");
        await Listener.WaitLiveAsync(http, url, LivePathTests.LiveTimeout, cluster.Logs);

        // Warm up at full size (JIT and tiering, first-touch of pools, the thread pool grown to what the listeners need),
        // then take the idle baseline after the governor has had its say. A 20-listener warm-up left that one-time
        // growth to the first measured cycle: once, in a clean-clone run, 83 MiB idle, then 94, 86, 85, 85 after cycles.
        await ListenAsync(url, Listeners, TimeSpan.FromSeconds(2), ct);
        var baseline = await ResidentAfterNextCollectionAsync(http, edge, ct);

        var after = new List<long>();
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            var received = await ListenAsync(url, Listeners, TimeSpan.FromSeconds(4), ct);
            Assert.True(received > Listeners * 64L * 1024, $"cycle {cycle + 1}: listeners got only {received} bytes in all");
            after.Add(await ResidentAfterNextCollectionAsync(http, edge, ct));
        }

        var figures = $"baseline {baseline / MiB} MiB, after cycles {string.Join(", ", after.Select(a => a / MiB))} MiB";
        TestContext.Current.TestOutputHelper?.WriteLine("edge RSS: " + figures);
        Assert.All(after, rss => Assert.True(rss <= baseline + AllowedAboveBaseline, "RSS did not come back near idle: " + figures));
        Assert.True(after[^1] <= after[0] + AllowedCreep, "RSS crept over the cycles: " + figures);
    }

    [Fact]
    public Task Edge_SteadyListeners_AllocateNothingPerListener() =>
        // The lean path's promise (issue #17): once listeners stream, the edge's allocations do not grow with them. The
        // edge's allocation rate with a few listeners and with many, over the same window; the slope is what one more
        // listener costs per second (each gets two to four sends a second), and it must be about nothing.
        AllocatesNothingPerListenerAsync("/e2e-allocations.mp3", throughGateway: false, measureGateway: false, "edge allocations", "the edge allocates per listener: ");

    [Fact]
    public Task Gateway_SteadyListeners_AllocateNothingPerListener() =>
        // The same promise for the gateway's lean relay: a batch is a zero-byte read of the edge's body, a pooled
        // buffer, a read and a send, none of which may leave an object behind per listener.
        AllocatesNothingPerListenerAsync("/e2e-gateway-allocations.mp3", throughGateway: true, measureGateway: true, "gateway allocations", "the gateway allocates per listener: ");

    [Fact]
    public Task Edge_ListenersRelayedOnTheMux_AllocateNothingPerListener() =>
        // Listeners through the gateway reach the edge on one mux connection (Gateway:EdgeMux, the default): a batch is
        // then a frame copied into the connection's buffer, with waits for credit or room on a completion reused per
        // listener. That must leave nothing behind per listener either.
        AllocatesNothingPerListenerAsync("/e2e-mux-allocations.mp3", throughGateway: true, measureGateway: false, "edge allocations, listeners on the mux", "the edge allocates per relayed listener: ");

    /// <summary>One allocation guard: listeners on <paramref name="mount"/> (at the edge or through the gateway), one process measured.</summary>
    private static async Task AllocatesNothingPerListenerAsync(string mount, bool throughGateway, bool measureGateway, string label, string failure)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await BroadcastCluster.StartAsync(edges: 1, edgeSettings: new Dictionary<string, string> { ["Edge__IdleGraceSeconds"] = "60" });
        await using var source = SourceClient.StartFfmpeg(cluster.Ingest, mount, "mp3", seconds: 300);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var edge = cluster.Edges[0];
        var url = new Uri(throughGateway ? cluster.Gateway : edge, mount);
        await Listener.WaitLiveAsync(http, url, LivePathTests.LiveTimeout, cluster.Logs);
        await ListenAsync(url, Many, TimeSpan.FromSeconds(3), ct); // warm-up: JIT, pools and the thread pool at full size

        var (perListener, figures) = await PerListenerRateAsync(http, measureGateway ? cluster.Gateway : edge, edge, url, ct);
        TestContext.Current.TestOutputHelper?.WriteLine(label + ": " + figures);
        Assert.True(perListener < AllowedBytesPerListenerSecond, failure + figures);
    }

    private const int Few = 20;

    private const int Many = 400;

    /// <summary>Well under one small object per listener per send (a 24-byte object at three sends a second is 72).</summary>
    private const double AllowedBytesPerListenerSecond = 48;

    /// <summary>
    /// What one more listener costs <paramref name="measured"/> per second: the slope between <see cref="Few"/> and
    /// <see cref="Many"/> listeners, the lesser of two rounds. The process's own background (reports, probes, tiered JIT)
    /// comes and goes between rounds; what each listener allocates per send is in both, so the lesser still shows it.
    /// </summary>
    private static async Task<(double PerListener, string Figures)> PerListenerRateAsync(HttpClient http, Uri measured, Uri edge, Uri url, CancellationToken ct)
    {
        var rounds = new List<string>();
        var least = double.MaxValue;
        for (var round = 0; round < 2; round++)
        {
            var few = await AllocationRateAsync(http, measured, edge, url, Few, ct);
            var many = await AllocationRateAsync(http, measured, edge, url, Many, ct);
            var slope = (many - few) / (Many - Few);
            least = Math.Min(least, slope);
            rounds.Add($"{few:F0} B/s with {Few} listeners, {many:F0} B/s with {Many}: {slope:F1} B/s per listener");
        }

        return (least, string.Join("; ", rounds));
    }

    /// <summary>
    /// Bytes <paramref name="measured"/> (the edge, or the gateway in front of it) allocates per second while
    /// <paramref name="listeners"/> stream (counted by the edge's requests): the least of three 4 s windows once all
    /// are in. Something the process does every few seconds regardless of listeners (a report, a probe) allocates
    /// a hundred-odd KiB at once; landing in one 8 s window it once read as 48 B/s per listener in a clean-clone run
    /// (20,480 B/s with 20, 38,839 with 400). What every listener allocates per send is in every window, so the least
    /// of them still shows it.
    /// </summary>
    private static async Task<double> AllocationRateAsync(HttpClient http, Uri measured, Uri edge, Uri url, int listeners, CancellationToken ct)
    {
        // The previous swarm's teardown allocates too: it is over when the edge has no request in flight but this one.
        await Poll.UntilAsync(async () => (await StatsAsync(http, edge, ct)).GetProperty("requests").GetInt64() <= 1, TimeSpan.FromSeconds(30), "the previous listeners to leave");
        var listening = ListenAsync(url, listeners, TimeSpan.FromSeconds(24), ct); // they leave by themselves after the windows
        await Poll.UntilAsync(async () => (await StatsAsync(http, edge, ct)).GetProperty("requests").GetInt64() >= listeners, TimeSpan.FromSeconds(6), $"{listeners} listeners on the edge");
        var least = double.MaxValue;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = await AllocatedAsync(http, measured, ct);
        for (var window = 0; window < 3; window++)
        {
            var started = clock.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(4), ct); // a measurement window
            var after = await AllocatedAsync(http, measured, ct);
            least = Math.Min(least, (after - before) / (clock.Elapsed - started).TotalSeconds);
            before = after;
        }

        await listening;
        return least;
    }

    private static async Task<long> AllocatedAsync(HttpClient http, Uri edge, CancellationToken ct) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(edge, "/healthz/memory"), ct)).RootElement.GetProperty("allocatedBytes").GetInt64();

    /// <summary>
    /// Waits until every listener has left and the governor has collected after that, then reads RSS. A collection that
    /// ran while the listeners' connections were still closing does not count: seen twice in clean-clone runs, it left
    /// the first cycle about 10 MiB high (85 MiB idle, then 95, 85, 85, 85). The governor collects again only after a new
    /// drop, so when none comes within <see cref="SecondCollection"/> the last one already ran after the teardown.
    /// </summary>
    private static async Task<long> ResidentAfterNextCollectionAsync(HttpClient http, Uri edge, CancellationToken ct)
    {
        var before = (await StatsAsync(http, edge, ct)).GetProperty("governorCollections").GetInt64();
        await Poll.UntilAsync(
            async () =>
            {
                var stats = await StatsAsync(http, edge, ct);
                return stats.GetProperty("governorCollections").GetInt64() > before && stats.GetProperty("requests").GetInt64() <= 1;
            },
            TimeSpan.FromSeconds(60),
            "the edge's listeners to leave and its memory governor to collect");
        var afterTeardown = (await StatsAsync(http, edge, ct)).GetProperty("governorCollections").GetInt64();
        try
        {
            await Poll.UntilAsync(
                async () => (await StatsAsync(http, edge, ct)).GetProperty("governorCollections").GetInt64() > afterTeardown,
                SecondCollection,
                "a collection after the teardown");
        }
        catch (TimeoutException)
        {
            // no new drop to collect for: the collection above already saw every listener gone
        }

        return (await StatsAsync(http, edge, ct)).GetProperty("residentBytes").GetInt64();
    }

    private static async Task<JsonElement> StatsAsync(HttpClient http, Uri edge, CancellationToken ct) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(edge, "/stats"), ct)).RootElement.Clone();

    /// <summary>Opens <paramref name="count"/> raw listeners, reads for <paramref name="duration"/>, closes them; returns bytes received.</summary>
    private static async Task<long> ListenAsync(Uri url, int count, TimeSpan duration, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(duration);
        var request = Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.0\r\nHost: {url.Authority}\r\n\r\n");
        var discard = new byte[64 * 1024]; // shared: the bytes are counted, not kept
        var listeners = Enumerable.Range(0, count).Select(async _ =>
        {
            using var client = new TcpClient();
            long received = 0;
            try
            {
                await client.ConnectAsync(url.Host, url.Port, stop.Token);
                var stream = client.GetStream();
                await stream.WriteAsync(request, stop.Token);
                int read;
                while ((read = await stream.ReadAsync(discard, stop.Token)) > 0)
                {
                    received += read;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // the cycle is over: leave
            }

            return received;
        });
        return (await Task.WhenAll(listeners)).Sum();
    }
}

/// <summary>
/// Alone, after the parallel tests. With the fault tests' clusters competing for the two cores, RSS crept between
/// cycles in two full runs (88, 91, 95, 95 MiB against a 98 MiB baseline; 4 MiB allowed), while the test alone passed
/// twice: the guard measures listeners' memory, not the neighbours' load.
/// </summary>
[CollectionDefinition(nameof(MemoryCycleTests), DisableParallelization = true)]
public sealed class MemoryCycleCollection;
