using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Broadcast.Ingest.Telemetry;

/// <summary>
/// The ingest's spans and instruments (issue #14), named as the README's SRE section lists them. Instruments are
/// created once; recording with the station as an attribute allocates nothing (a KeyValuePair of two references).
/// </summary>
internal static class IngestTelemetry
{
    public const string Name = "Broadcast.Ingest";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Sessions = Meter.CreateCounter<long>("broadcast.source.sessions", "{session}", "Source sessions that ended, by end reason.");

    public static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>("broadcast.sources.active", "{source}", "Encoders connected now (current or standby).");

    public static readonly Counter<long> BytesIn = Meter.CreateCounter<long>("broadcast.source.bytes", "By", "Bytes received from encoders.");

    public static readonly Counter<long> ChunksPublished = Meter.CreateCounter<long>("broadcast.chunks.published", "{chunk}", "Audio chunks published on NATS.");

    public static readonly Counter<long> ChunksDropped = Meter.CreateCounter<long>("broadcast.chunks.dropped", "{chunk}", "Chunks not published because NATS was not connected.");

    public static readonly Counter<long> LeaseRenewals = Meter.CreateCounter<long>("broadcast.lease.renewals", "{renewal}", "Lease renewals, by result (held, lost, unavailable).");

    public static readonly Counter<long> HandOvers = Meter.CreateCounter<long>("broadcast.station.handovers", "{handover}", "Streams taken over from another source or ingest, by kind.");

    public static KeyValuePair<string, object?> Station(string mount) => new("broadcast.station", mount);
}
