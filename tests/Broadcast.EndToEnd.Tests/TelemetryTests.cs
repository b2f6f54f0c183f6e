using System.Net;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// OpenTelemetry across processes (issue #14): real ingest, edge and gateway export OTLP/HTTP to a receiver in the
/// test. A sampled chunk's spans join ingest and edge in one trace; the gateway's and the edge's listener spans share a
/// trace; the documented metrics arrive with their attributes; logs arrive too.
/// </summary>
public sealed class TelemetryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Otlp_SourceAndListener_SpansJoinAcrossProcessesAndMetricsArrive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpReceiver.StartAsync();
        var otel = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        };
        await using var cluster = await BroadcastCluster.StartAsync(
            edges: 1,
            edgeSettings: otel,
            ingestSettings: new Dictionary<string, string>(otel) { ["Ingest__TraceChunkSeconds"] = "1", ["Ingest__LingerSeconds"] = "0" },
            gatewaySettings: otel);
        const string Mount = "/otel.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var source = SourceClient.StartFfmpeg(cluster.Ingest, Mount, "mp3", seconds: 6);
        await using var sourceGuard = source;
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, Mount), Timeout, cluster.Logs);
        using (var listener = await http.GetAsync(new Uri(cluster.Gateway, Mount), HttpCompletionOption.ResponseHeadersRead, ct))
        {
            Assert.Equal(HttpStatusCode.OK, listener.StatusCode);
            await Listener.ReadExactlyAsync(listener, 48_000, ct); // three seconds, then the listener leaves
        }

        await source.WaitForExitAsync(Timeout);

        // A sampled chunk: the ingest's producer span is the parent of the edge's consumer span, in the source session's trace.
        await Poll.UntilAsync(() => Task.FromResult(Find("source.session", "broadcast-ingest") is not null && Receives().Any()), Timeout, "the source session and a chunk hop to be exported\n" + Names());
        var session = Find("source.session", "broadcast-ingest")!;
        Assert.Equal(Mount, session.Attributes["broadcast.station"]);
        Assert.Equal("closed", session.Attributes["broadcast.end_reason"]);
        Assert.Equal("audio/mpeg", session.Attributes["broadcast.content_type"]);
        var receive = Receives().First(r => receiver.Spans.Any(p => p.Name == "chunk publish" && p.SpanId == r.ParentSpanId));
        var publish = receiver.Spans.Single(p => p.SpanId == receive.ParentSpanId);
        Assert.Equal(publish.TraceId, receive.TraceId);
        Assert.Equal(session.TraceId, publish.TraceId);
        Assert.Equal("nats", receive.Attributes["messaging.system"]);

        // The listener: the gateway's span and the edge's, one trace (traceparent on the gateway → edge request).
        await Poll.UntilAsync(() => Task.FromResult(Find("listener.session", "broadcast-gateway") is not null && Find("listener.session", "broadcast-edge") is not null), Timeout, "both listener spans\n" + Names());
        var atGateway = Find("listener.session", "broadcast-gateway")!;
        var atEdge = Find("listener.session", "broadcast-edge")!;
        Assert.Equal(atGateway.TraceId, atEdge.TraceId);
        Assert.Equal(Mount, atEdge.Attributes["broadcast.station"]);
        Assert.True(long.Parse(atEdge.Attributes["broadcast.listener.bytes"], System.Globalization.CultureInfo.InvariantCulture) >= 48_000);
        Assert.Contains(session.TraceId, atEdge.LinkedTraces); // the listener heard that source session

        string[] metrics =
        [
            "broadcast.listeners", "broadcast.listener.connects", "broadcast.listener.disconnects", "broadcast.listener.bytes",
            "broadcast.listener.time_to_first_byte", "broadcast.chunks.received", "broadcast.chunk.latency", "broadcast.chunks.published", "broadcast.source.bytes",
            "broadcast.source.sessions", "broadcast.gateway.bytes", "broadcast.gateway.listeners", "broadcast.process.memory.resident",
        ];
        await Poll.UntilAsync(() => Task.FromResult(metrics.All(receiver.Metrics.ContainsKey)), Timeout, "every documented metric: have " + string.Join(", ", receiver.Metrics.Keys.Order()));
        Assert.Contains(receiver.Metrics["broadcast.chunks.received"], point => point.Contains($"broadcast.station={Mount}", StringComparison.Ordinal));
        Assert.Contains(receiver.Metrics["broadcast.source.sessions"], point => point.Contains("broadcast.end_reason=closed", StringComparison.Ordinal));
        Assert.True(receiver.LogRecords > 0, "logs are exported too");

        ReceivedSpan? Find(string name, string service) => receiver.Spans.FirstOrDefault(s => s.Name == name && s.Service == service);
        IEnumerable<ReceivedSpan> Receives() => receiver.Spans.Where(s => s.Name == "chunk receive" && s.Service == "broadcast-edge");
        string Names() => string.Join(", ", receiver.Spans.Select(s => $"{s.Service}:{s.Name}").Distinct());
    }

    [Fact]
    public async Task Otlp_SlowListenerAndBrokerRestart_DropAndGapAsSpansEventsAndMetrics()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var cluster = await DirectoryCluster.StartAsync(
            ingests: 1,
            edges: 1,
            ingestSettings: new Dictionary<string, string> { ["Ingest__LingerSeconds"] = "0", ["Ingest__TraceChunkSeconds"] = "1" },
            edgeSettings: new Dictionary<string, string> { ["Edge__RingBytes"] = "262144" }, // the smallest ring: 16 s of 128 kbit/s
            commonSettings: new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        // A drop: an encoder pushing as fast as it encodes (no -re) laps a listener that reads 4 KiB every 50 ms.
        const string Fast = "/otel-fast.mp3", Live = "/otel-live.mp3";
        await using var live = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Live, "mp3", seconds: 60);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Edges[0].Address, Live), Timeout, cluster.Logs);
        await using var keeper = await StreamRecorder.StartAsync(http, new Uri(cluster.Edges[0].Address, Live), ct);
        await using var fast = ManagedProcess.Start(ExternalTool.Find("ffmpeg"), [
            "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=600", "-c:a", "libmp3lame", "-b:a", "128k",
            "-content_type", "audio/mpeg", "-f", "mp3", $"icecast://source:{DirectoryCluster.SourcePassword}@127.0.0.1:{cluster.Ingests[0].Address.Port}{Fast}"]);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Edges[0].Address, Fast), Timeout, cluster.Logs);
        // Its socket takes 8 KiB at most: what the kernels hold for it is then bounded by the edge's send buffer
        // (Listeners:SendBufferBytes), and the fast source laps it as soon as it outruns 80 KiB/s, however busy the machine.
        using var slowClient = new HttpClient(new SocketsHttpHandler { ConnectCallback = SmallReceiveBufferAsync }) { Timeout = TimeSpan.FromSeconds(60) };
        using (var slow = await slowClient.GetAsync(new Uri(cluster.Edges[0].Address, Fast), HttpCompletionOption.ResponseHeadersRead, ct))
        {
            await using var body = await slow.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[4096];
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(Timeout);
            while (await body.ReadAsync(buffer, limit.Token) > 0 && await pace.WaitForNextTickAsync(limit.Token))
            {
                // a slow player: the edge drops it once the ring has moved past its cursor, which ends this response
            }
        }

        await Poll.UntilAsync(() => Task.FromResult(receiver.Spans.Any(Dropped)), Timeout, "the dropped listener's span\n" + cluster.Logs);
        var dropped = receiver.Spans.First(Dropped);
        Assert.Equal(Fast, dropped.Attributes["broadcast.station"]);
        await Poll.UntilAsync(() => Task.FromResult(receiver.Metrics.TryGetValue("broadcast.listener.drops", out var points) && points.Any(p => p.Contains(Fast, StringComparison.Ordinal))), Timeout, "the drops metric");

        // A gap: while nats-server is down the ingest's offsets go on, so the edge sees a hole between two chunks,
        // which it fills from the ingest's recent audio (bridged) or, where it cannot, reports as lost.
        await cluster.KillNatsAsync();
        await Task.Delay(TimeSpan.FromSeconds(3), ct); // the outage itself: with reconnects every 250 ms, a mere restart may lose no chunk
        cluster.StartNats();
        await Poll.UntilAsync(() => Task.FromResult(receiver.Spans.Any(s => s.Name == "station.gap" && s.Attributes.GetValueOrDefault("broadcast.station") == Live)), Timeout, "a gap span\n" + cluster.Logs);
        var gap = receiver.Spans.First(s => s.Name == "station.gap" && s.Attributes["broadcast.station"] == Live);
        var (lost, bridged) = (Count(gap, "broadcast.bytes.lost"), Count(gap, "broadcast.bytes.bridged"));
        Assert.True(lost + bridged > 0, $"the gap span counts the hole: lost {lost}, bridged {bridged}");
        var metric = bridged > 0 ? "broadcast.bytes.bridged" : "broadcast.bytes.lost";
        await Poll.UntilAsync(() => Task.FromResult(receiver.Metrics.TryGetValue(metric, out var points) && points.Any(p => p.Contains(Live, StringComparison.Ordinal))), Timeout, "the " + metric + " metric");

        static long Count(ReceivedSpan span, string attribute) => long.Parse(span.Attributes[attribute], System.Globalization.CultureInfo.InvariantCulture);

        static async ValueTask<Stream> SmallReceiveBufferAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = 8192 };
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }

        static bool Dropped(ReceivedSpan span) =>
            span.Name == "listener.session" && span.Events.Contains("listener.dropped") && span.Attributes.GetValueOrDefault("broadcast.end_reason") == "lagged";
    }
}
