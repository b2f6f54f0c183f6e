using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// The directory with real redis-server, nats-server and ffmpeg: one source per mount across ingests, listener
/// totals across edges, Icecast's status JSON, provisioned credentials, routing from the directory's watch, and a
/// Redis outage. Each test starts its own cluster because each kills something.
/// </summary>
[Collection(nameof(DirectoryTests))]
public sealed class DirectoryTests
{
    /// <summary>How long past a TTL an expiry may be noticed: the directory's 250 ms refresh plus scheduling on two busy cores.</summary>
    private static readonly TimeSpan ExpirySlack = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Lease_SecondEncoderOnAnotherIngestGets403_AndTheMountFreesWhenTheOwnerDies()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 2, edges: 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var (owner, survivor) = (cluster.Ingests[0], cluster.Ingests[1]);
        await using var first = SourceClient.StartFfmpeg(owner.Address, "/dup.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        await WaitStationAsync(http, cluster, "dup.mp3", s => s.GetProperty("ingest").GetString() == "ingest-0", cluster.Logs);

        await using var second = SourceClient.StartFfmpeg(survivor.Address, "/dup.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        Assert.NotEqual(0, await second.WaitForExitAsync(Timeout));
        Assert.Contains("403", second.Output, StringComparison.Ordinal);
        var raw = await SourceClient.RawAsync(survivor.Address, PutHead("/dup.mp3", DirectoryCluster.SourcePassword), null, ct);
        Assert.Matches(@"^HTTP/1\.[01] 403 ", raw);
        Assert.Contains("Mountpoint in use", raw, StringComparison.Ordinal);
        Assert.Equal("ingest-0", (await GetStationAsync(http, cluster, "dup.mp3"))!.Value.GetProperty("ingest").GetString());

        var killed = Stopwatch.StartNew();
        await cluster.KillAsync(owner);
        await Poll.UntilAsync(async () => await GetStationAsync(http, cluster, "dup.mp3") is null, Timeout, "the dead ingest's station to expire");
        Assert.True(killed.Elapsed < TimeSpan.FromMilliseconds(DirectoryCluster.LeaseTtlMilliseconds) + ExpirySlack, $"station gone after {killed.Elapsed}, TTL {DirectoryCluster.LeaseTtlMilliseconds} ms");

        await using var third = SourceClient.StartFfmpeg(survivor.Address, "/dup.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        await WaitStationAsync(http, cluster, "dup.mp3", s => s.GetProperty("ingest").GetString() == "ingest-1", cluster.Logs + third.Output);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, "/dup.mp3"), Timeout, cluster.Logs);
    }

    [Fact]
    public async Task Lease_OfADeadIngest_DoesNotBlockItsEncoderOnAnotherIngest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 2, edges: 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var (dying, other) = (cluster.Ingests[0], cluster.Ingests[1]);
        await using var first = SourceClient.StartFfmpeg(dying.Address, "/back.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        await WaitStationAsync(http, cluster, "back.mp3", s => s.GetProperty("ingest").GetString() == "ingest-0", cluster.Logs);

        // While the owner lives, the other ingest refuses (one source per mount); the moment it dies, it accepts.
        Assert.Matches(@"^HTTP/1\.[01] 403 ", await SourceClient.RawAsync(other.Address, PutHead("/back.mp3", DirectoryCluster.SourcePassword), null, ct));
        var killed = Stopwatch.StartNew();
        await cluster.KillAsync(dying);
        var reply = await SourceClient.RawAsync(other.Address, PutHead("/back.mp3", DirectoryCluster.SourcePassword), null, ct);
        Assert.StartsWith("HTTP/1.1 100 Continue", reply, StringComparison.Ordinal);
        Assert.True(killed.Elapsed < TimeSpan.FromMilliseconds(DirectoryCluster.LeaseTtlMilliseconds), $"accepted {killed.Elapsed} after the kill; the lease TTL is {DirectoryCluster.LeaseTtlMilliseconds} ms");
        Assert.Contains("takes the mount back", cluster.Logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listeners_SummedOverEdges_InStatusJsonWithIcecastsShape_AndADeadEdgesShareExpires()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 2);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var status = new Uri(cluster.Gateway, "/status-json.xsl");
        var idle = await GetJsonAsync(http, status);
        Assert.False(idle.GetProperty("icestats").TryGetProperty("source", out _), "no live mount: no source key at all");

        await using var one = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, "/count.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Edges[0].Address, "/count.mp3"), Timeout, cluster.Logs);
        var held = new List<HttpResponseMessage>();
        try
        {
            foreach (var (edge, count) in new[] { (cluster.Edges[0], 3), (cluster.Edges[1], 2) })
            {
                for (var i = 0; i < count; i++)
                {
                    held.Add(await http.GetAsync(new Uri(edge.Address, "/count.mp3"), HttpCompletionOption.ResponseHeadersRead, ct));
                }
            }

            var source = await WaitSourcesAsync(http, status, 1, s => Listeners(s, "/count.mp3") == 5, cluster.Logs);
            Assert.Equal(JsonValueKind.Object, source.ValueKind); // one mount: an object, not an array
            var mount = source;
            Assert.EndsWith("/count.mp3", mount.GetProperty("listenurl").GetString(), StringComparison.Ordinal);
            Assert.Equal("audio/mpeg", mount.GetProperty("server_type").GetString());
            Assert.Equal("Test FM", mount.GetProperty("server_name").GetString());
            Assert.Equal(JsonValueKind.Number, mount.GetProperty("listener_peak").ValueKind);
            Assert.Equal(JsonValueKind.Null, mount.GetProperty("dummy").ValueKind);
            Assert.Equal(5, (await GetStationAsync(http, cluster, "count.mp3"))!.Value.GetProperty("listeners").GetInt64());

            await using var two = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, "/count-two.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
            var both = await WaitSourcesAsync(http, status, 2, _ => true, cluster.Logs + two.Output);
            Assert.Equal(JsonValueKind.Array, both.ValueKind); // several mounts: an array
            Assert.Equal(5, Listeners(both, "/count.mp3"));
            Assert.Equal(0, Listeners(both, "/count-two.mp3"));

            var killed = Stopwatch.StartNew();
            await cluster.KillAsync(cluster.Edges[1]);
            await WaitSourcesAsync(http, status, 2, s => Listeners(s, "/count.mp3") == 3, cluster.Logs);
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(3) + ExpirySlack, $"the dead edge's listeners left the total after {killed.Elapsed} (its report lives 3 s)");
        }
        finally
        {
            held.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task ProvisionedStation_OwnPasswordStreamsAndSetsTheTitle_WrongOneIs401_AndRedisHoldsOnlyAHash()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Password = "Pr0visioned-s3cret";
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var admin = new Uri(cluster.Directory, "/api/admin/stations/prov.mp3");
        var body = new StringContent($$"""{"password":"{{Password}}","name":"Provisioned FM","genre":"jazz"}""", Encoding.UTF8, "application/json");
        using (var anonymous = await http.PutAsync(admin, body, ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Put, admin) { Content = body })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DirectoryCluster.AdminToken);
            using var created = await http.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.DoesNotContain(Password, await created.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        var ingest = cluster.Ingests[0].Address;
        var wrong = await SourceClient.RawAsync(ingest, PutHead("/prov.mp3", "wrong"), null, ct);
        Assert.Matches(@"^HTTP/1\.[01] 401 ", wrong);
        var global = await SourceClient.RawAsync(ingest, PutHead("/prov.mp3", DirectoryCluster.SourcePassword), null, ct);
        Assert.Matches(@"^HTTP/1\.[01] 401 ", global); // a provisioned station's own password replaces the global one

        await using var source = SourceClient.StartFfmpeg(ingest, "/prov.mp3", "mp3", seconds: 60, Password);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, "/prov.mp3"), Timeout, cluster.Logs + source.Output);

        // What butt and liquidsoap send for a title change, with the mount's own credentials.
        var metadata = new Uri(ingest, "/admin/metadata?mount=%2Fprov.mp3&mode=updinfo&song=Miles%20Davis%20-%20So%20What");
        using (var update = new HttpRequestMessage(HttpMethod.Get, metadata))
        {
            update.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("source", "wrong"));
            using var refused = await http.SendAsync(update, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var update = new HttpRequestMessage(HttpMethod.Get, metadata))
        {
            update.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("source", Password));
            using var accepted = await http.SendAsync(update, ct);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Contains("<return>1</return>", await accepted.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        await WaitStationAsync(http, cluster, "prov.mp3", s => s.GetProperty("nowPlaying").GetString() == "Miles Davis - So What", cluster.Logs);
        var title = await WaitSourcesAsync(http, new Uri(cluster.Gateway, "/status-json.xsl"), 1, s => s.TryGetProperty("title", out _), cluster.Logs);
        Assert.Equal("Miles Davis - So What", title.GetProperty("title").GetString());

        var keys = (await cluster.RedisCliAsync(["--scan"], ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("broadcast:provisioned:/prov.mp3", keys);
        var everything = new StringBuilder();
        foreach (var key in keys)
        {
            var type = (await cluster.RedisCliAsync(["type", key], ct)).Trim();
            string[] read = type switch
            {
                "string" => ["get", key],
                "set" => ["smembers", key],
                "zset" => ["zrange", key, "0", "-1"],
                _ => ["dump", key],
            };
            everything.AppendLine(await cluster.RedisCliAsync(read, ct));
        }

        Assert.DoesNotContain(Password, everything.ToString(), StringComparison.Ordinal);
        Assert.Contains("pbkdf2-sha256$600000$", everything.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_KeepsAStationOnOneEdgeUntilItsLimit_ThenSpills_AndReroutesWhenThatEdgeDies()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 3, maxListenersPerEdge: 3);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, "/aff.mp3", "mp3", seconds: 90, DirectoryCluster.SourcePassword);
        var url = new Uri(cluster.Gateway, "/aff.mp3");
        await Poll.UntilAsync(async () => (await GetJsonAsync(http, new Uri(cluster.Gateway, "/api/edges"))).GetArrayLength() == 3, Timeout, "three edges in the directory");
        await Listener.WaitLiveAsync(http, url, Timeout, cluster.Logs + source.Output);

        var held = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                held.Add(await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct));
            }

            var first = Assert.Single(await ActiveEdgesAsync(http, cluster));
            held.Add(await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct));
            var spilled = await ActiveEdgesAsync(http, cluster);
            Assert.Equal(2, spilled.Count);
            Assert.Contains(first, spilled);

            held.ForEach(r => r.Dispose());
            held.Clear();
            await cluster.KillAsync(first);
            var deadAddress = first.Address.ToString().TrimEnd('/');
            var killed = Stopwatch.StartNew();
            await Poll.UntilAsync(
                async () => (await GetJsonAsync(http, new Uri(cluster.Gateway, "/api/edges"))).EnumerateArray().All(e => e.GetProperty("address").GetString() != deadAddress),
                Timeout,
                "the dead edge to leave the directory");
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(3) + ExpirySlack, $"dead edge listed for {killed.Elapsed} (its report lives 3 s)");
            for (var i = 0; i < 5; i++)
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(4096, (await Listener.ReadExactlyAsync(response, 4096, ct)).Length);
            }
        }
        finally
        {
            held.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task RedisOutage_ListenersHearNoGap_AndTheDirectoryRecoversItsViewWithinSeconds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, "/outage.mp3", "mp3", seconds: 90, DirectoryCluster.SourcePassword);
        var url = new Uri(cluster.Gateway, "/outage.mp3");
        await Listener.WaitLiveAsync(http, url, Timeout, cluster.Logs + source.Output);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = ReadWithGapsAsync(http, url, stop.Token);
        await WaitStationAsync(http, cluster, "outage.mp3", s => s.GetProperty("listeners").GetInt64() == 1, cluster.Logs);

        await cluster.KillRedisAsync();
        await Poll.UntilAsync(
            async () => (await http.GetAsync(new Uri(cluster.Gateway, "/api/stations"))).StatusCode == HttpStatusCode.ServiceUnavailable,
            Timeout,
            "the directory to answer unavailable");
        var unavailable = await http.GetAsync(new Uri(cluster.Gateway, "/status-json.xsl"), ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Contains("Redis", await unavailable.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(30), ct); // the outage itself (issue #16: 30 s), longer than every lease's TTL

        cluster.StartRedis();
        var restarted = Stopwatch.StartNew();
        await WaitStationAsync(http, cluster, "outage.mp3", s => s.GetProperty("listeners").GetInt64() == 1, cluster.Logs);
        Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(10), $"view recovered {restarted.Elapsed} after Redis returned");

        await stop.CancelAsync();
        var (bytes, longestGap, elapsed) = await reader;
        Assert.True(longestGap < TimeSpan.FromSeconds(2), $"longest silence {longestGap} while Redis was down and back");
        Assert.True(bytes > 16_000 * elapsed.TotalSeconds * 0.8, $"{bytes} bytes in {elapsed} is less than 80 % of 128 kbit/s");
    }

    /// <summary>Reads a stream until cancelled: bytes, the longest time between two reads, and how long it read.</summary>
    private static async Task<(long Bytes, TimeSpan LongestGap, TimeSpan Elapsed)> ReadWithGapsAsync(HttpClient http, Uri url, CancellationToken stop)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stop);
        await using var body = await response.Content.ReadAsStreamAsync(stop);
        var buffer = new byte[16 * 1024];
        var clock = Stopwatch.StartNew();
        var (bytes, longest, last) = (0L, TimeSpan.Zero, TimeSpan.Zero);
        try
        {
            while (clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                var read = await body.ReadAsync(buffer, stop);
                if (read == 0)
                {
                    break;
                }

                var now = clock.Elapsed;
                (bytes, longest, last) = (bytes + read, bytes == 0 ? longest : TimeSpan.FromTicks(Math.Max(longest.Ticks, (now - last).Ticks)), now);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the test is done listening
        }

        return (bytes, TimeSpan.FromTicks(Math.Max(longest.Ticks, (clock.Elapsed - last).Ticks)), clock.Elapsed);
    }

    /// <summary>The running edges holding a station ring now, from each edge's <c>/stats</c> (a listener's edge holds it once its headers arrived).</summary>
    private static async Task<List<ClusterMember>> ActiveEdgesAsync(HttpClient http, DirectoryCluster cluster)
    {
        var active = new List<ClusterMember>();
        foreach (var edge in cluster.Edges)
        {
            var stats = await GetJsonAsync(http, new Uri(edge.Address, "/stats"));
            if (stats.GetProperty("activeStations").GetInt32() > 0)
            {
                active.Add(edge);
            }
        }

        return active;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, Uri url) =>
        JsonDocument.Parse(await http.GetStringAsync(url)).RootElement.Clone();

    /// <summary>Polls <c>/status-json.xsl</c> until <c>icestats.source</c> lists <paramref name="mounts"/> mounts and meets the condition.</summary>
    private static async Task<JsonElement> WaitSourcesAsync(HttpClient http, Uri status, int mounts, Func<JsonElement, bool> condition, string logs)
    {
        JsonElement source = default;
        await Poll.UntilAsync(
            async () =>
            {
                var icestats = (await GetJsonAsync(http, status)).GetProperty("icestats");
                if (!icestats.TryGetProperty("source", out source))
                {
                    return false;
                }

                var count = source.ValueKind == JsonValueKind.Array ? source.GetArrayLength() : 1;
                return count == mounts && condition(source);
            },
            Timeout,
            $"{mounts} mount(s) in /status-json.xsl\n{logs}");
        return source;
    }

    /// <summary>What butt and other status readers do: find the mount in an object-or-array <c>source</c>, read <c>listeners</c>.</summary>
    private static long Listeners(JsonElement source, string mount)
    {
        var all = source.ValueKind == JsonValueKind.Array ? source.EnumerateArray().ToArray() : [source];
        var match = all.Single(s => s.GetProperty("listenurl").GetString()!.EndsWith(mount, StringComparison.Ordinal));
        return match.GetProperty("listeners").GetInt64();
    }

    private static string PutHead(string mount, string password) =>
        $"PUT {mount} HTTP/1.1\r\nHost: test\r\nAuthorization: {SourceClient.Basic("source", password)}\r\nContent-Type: audio/mpeg\r\nExpect: 100-continue\r\n\r\n";

    /// <summary>The station as <c>/api/stations/{mount}</c> (through the gateway) shows it; null for 404.</summary>
    private static async Task<JsonElement?> GetStationAsync(HttpClient http, DirectoryCluster cluster, string mount)
    {
        using var response = await http.GetAsync(new Uri(cluster.Gateway, "/api/stations/" + mount));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    internal static async Task<JsonElement> WaitStationAsync(HttpClient http, DirectoryCluster cluster, string mount, Func<JsonElement, bool> condition, string logs)
    {
        JsonElement? found = null;
        await Poll.UntilAsync(
            async () => (found = await GetStationAsync(http, cluster, mount)) is { } station && condition(station),
            Timeout,
            $"{mount} in the directory\n{logs}");
        return found!.Value;
    }
}
