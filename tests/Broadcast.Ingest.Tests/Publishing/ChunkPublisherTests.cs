using System.Diagnostics;
using Broadcast.Ingest.Publishing;
using Broadcast.Shared.Codecs;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using NATS.Client.Core;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Broadcast.Ingest.Tests.Publishing;

/// <summary>
/// The publisher's telemetry with OpenTelemetry's in-memory exporter (issue #14): a sampled chunk is a producer span
/// under the source session's span, with the messaging attributes; chunks NATS could not take are counted per station.
/// </summary>
public sealed class ChunkPublisherTests
{
    [Fact]
    public async Task Publish_TracingOnAndNatsDown_ProducerSpanUnderTheSessionAndDroppedChunksCounted()
    {
        var ct = TestContext.Current.CancellationToken;
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(Telemetry.IngestTelemetry.Name).AddInMemoryExporter(spans).Build();
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(Telemetry.IngestTelemetry.Name).AddInMemoryExporter(metrics).Build();
        await using var nats = new NatsConnection(new NatsOpts { Url = "nats://127.0.0.1:1" }); // never connected: every chunk is dropped
        Assert.True(StationName.TryParse("/telemetry-unit.mp3", out var station, out _));
        using var session = Telemetry.IngestTelemetry.Source.StartActivity("source.session", ActivityKind.Server)!;
        var publisher = new ChunkPublisher(nats, station, Guid.NewGuid(), AudioCodec.Mpeg, TimeSpan.FromMilliseconds(100), TimeProvider.System, TimeSpan.FromTicks(1))
        {
            TraceParent = session.Context,
        };

        var frame = new byte[418];
        for (var i = 0; i < 10; i++)
        {
            publisher.Add(new AudioFrame(frame, FrameKind.Audio, 1152, 44100, 1, startsChain: false, isSyncPoint: true));
            await publisher.PublishPendingAsync(ct);
        }

        tracing.ForceFlush();
        metering.ForceFlush();
        var publish = spans.Where(s => s.DisplayName == "chunk publish").ToList();
        Assert.NotEmpty(publish);
        Assert.All(publish, span =>
        {
            Assert.Equal(ActivityKind.Producer, span.Kind);
            Assert.Equal(session.TraceId, span.TraceId);
            Assert.Equal(session.SpanId, span.ParentSpanId);
            Assert.Equal("nats", span.GetTagItem("messaging.system"));
            Assert.Equal(Subjects.Audio(station), span.GetTagItem("messaging.destination.name"));
            Assert.Equal(station.Mount, span.GetTagItem("broadcast.station"));
        });
        var dropped = metrics.Single(m => m.Name == "broadcast.chunks.dropped");
        long total = 0;
        foreach (var point in dropped.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                Assert.Equal(("broadcast.station", (object?)station.Mount), (tag.Key, tag.Value));
            }

            total += point.GetSumLong();
        }

        Assert.Equal(publisher.Dropped, total);
        Assert.True(total > 0);
    }
}
