using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Broadcast.Edge;

/// <summary>
/// The edge's spans and instruments, <c>Broadcast.Edge</c> (issue #14; names in the README's SRE section). Gauges of
/// the registry (listeners by station, rings, stations) are registered in Program; recording with the station as an
/// attribute allocates nothing.
/// </summary>
internal static class EdgeMetrics
{
    public const string MeterName = "Broadcast.Edge";

    public static readonly Meter Meter = new(MeterName);

    public static readonly ActivitySource Source = new(MeterName);

    public static readonly Counter<long> Connects = Meter.CreateCounter<long>("broadcast.listener.connects", "{listener}", "Listeners that joined a station on this edge.");

    public static readonly Counter<long> Disconnects = Meter.CreateCounter<long>("broadcast.listener.disconnects", "{listener}", "Listeners that left, by reason (client_closed, lagged, source_ended, killed).");

    public static readonly Counter<long> BytesOut = Meter.CreateCounter<long>("broadcast.listener.bytes", "By", "Audio bytes written to listeners.");

    public static readonly Histogram<double> TimeToFirstByte = Meter.CreateHistogram(
        "broadcast.listener.time_to_first_byte",
        "s",
        "From a listener's request to its first audio byte handed to the socket.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    /// <summary>
    /// From the ingest receiving a chunk's first frame to this edge putting it in the ring, where listeners are woken
    /// for it within <see cref="EdgeOptions.WakeIntervalMilliseconds"/>: the hop's latency across NATS (clocks as synchronised as the hosts').
    /// </summary>
    public static readonly Histogram<double> Latency = Meter.CreateHistogram(
        "broadcast.chunk.latency",
        "s",
        "Ingest receive to edge ring, per chunk.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });

    public static readonly Counter<long> ChunksReceived = Meter.CreateCounter<long>("broadcast.chunks.received", "{chunk}", "Audio chunks taken from NATS into a ring.");

    public static readonly Counter<long> BytesLost = Meter.CreateCounter<long>("broadcast.bytes.lost", "By", "Stream bytes that never arrived (a jump between chunk offsets).");

    public static readonly Counter<long> BytesBridged = Meter.CreateCounter<long>("broadcast.bytes.bridged", "By", "Stream bytes missed by chunk and filled from the ingest's recent audio instead.");

    public static readonly Counter<long> Resyncs = Meter.CreateCounter<long>("broadcast.listener.resyncs", "{resync}", "Listeners that fell out of the ring and were moved to its newest frame.");

    public static readonly Counter<long> Drops = Meter.CreateCounter<long>("broadcast.listener.drops", "{listener}", "Listeners that fell out of the ring and were disconnected (Edge:LagPolicy Drop).");

    public static KeyValuePair<string, object?> Station(string mount) => new("broadcast.station", mount);
}
