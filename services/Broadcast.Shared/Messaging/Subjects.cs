using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Messaging;

/// <summary>NATS subjects, built in one place so publishers and subscribers cannot drift apart.</summary>
public static class Subjects
{
    /// <summary>Prefix of every audio subject: <c>broadcast.audio.&lt;station token&gt;</c> (DESIGN.md).</summary>
    public const string AudioPrefix = "broadcast.audio.";

    /// <summary>Prefix of burst requests an edge sends to the ingest that owns a station.</summary>
    public const string BurstPrefix = "broadcast.burst.";

    /// <summary>Prefix of metadata requests (request/reply; no responder means the station is offline).</summary>
    public const string MetadataPrefix = "broadcast.station.";

    public static string Metadata(StationName station) => MetadataPrefix + station.SubjectToken;

    public static string Audio(StationName station) => AudioPrefix + station.SubjectToken;

    public static string Burst(StationName station) => BurstPrefix + station.SubjectToken;
}
