using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Messaging;

/// <summary>NATS subjects, built in one place so publishers and subscribers cannot drift apart.</summary>
public static class Subjects
{
    /// <summary>Prefix of every audio subject: <c>broadcast.audio.&lt;station token&gt;</c> (DESIGN.md).</summary>
    public const string AudioPrefix = "broadcast.audio.";

    /// <summary>Prefix of burst requests an edge sends to the ingest that owns a station.</summary>
    public const string BurstPrefix = "broadcast.burst.";

    public static string Audio(StationName station) => AudioPrefix + station.SubjectToken;

    public static string Burst(StationName station) => BurstPrefix + station.SubjectToken;
}
