using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Broadcast.Gateway.Telemetry;

/// <summary>The gateway's spans and instruments, <c>Broadcast.Gateway</c> (issue #14; names in the README's SRE section).</summary>
internal static class GatewayTelemetry
{
    public const string Name = "Broadcast.Gateway";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly UpDownCounter<long> Listeners = Meter.CreateUpDownCounter<long>("broadcast.gateway.listeners", "{listener}", "Listeners relayed by this gateway now, by station.");

    public static readonly Counter<long> Disconnects = Meter.CreateCounter<long>("broadcast.gateway.disconnects", "{listener}", "Relayed listeners that ended, by reason (client_closed, edge_closed, edge_silent, edge_error, refused).");

    public static readonly Counter<long> Failovers = Meter.CreateCounter<long>("broadcast.gateway.failovers", "{failover}", "Relayed listeners whose edge went away, by outcome (resumed: at the next byte on another edge; resynced: at its newest frame; no_edge).");

    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>("broadcast.gateway.bytes", "By", "Audio bytes relayed from edges to listeners.");

    public static readonly Histogram<double> TimeToFirstByte = Meter.CreateHistogram(
        "broadcast.gateway.time_to_first_byte",
        "s",
        "From a listener's request at the gateway to the first audio byte handed to its socket.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    public static KeyValuePair<string, object?> Station(string mount) => new("broadcast.station", mount);
}
