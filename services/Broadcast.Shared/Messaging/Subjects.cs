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

    /// <summary>Prefix of each ingest's liveness subject (request/reply: no responder means that ingest is gone).</summary>
    public const string IngestPrefix = "broadcast.ingest.";

    /// <summary>Admin commands for listeners (list, kill, move): every edge subscribes and answers, with or without listeners.</summary>
    public const string EdgeControl = "broadcast.control.edges";

    /// <summary>Prefix of a station's source commands (status, kill, title, take-over): only the ingest publishing the station answers.</summary>
    public const string SourceControlPrefix = "broadcast.control.source.";

    /// <summary>Prefix of offers of a station's stream to a standby source (a lower-priority source waiting on another ingest).</summary>
    public const string StandbyPrefix = "broadcast.control.standby.";

    public static string SourceControl(StationName station) => SourceControlPrefix + station.SubjectToken;

    public static string Standby(StationName station) => StandbyPrefix + station.SubjectToken;

    public static string Metadata(StationName station) => MetadataPrefix + station.SubjectToken;

    /// <summary>
    /// <c>broadcast.ingest.&lt;id&gt;.alive</c>, the id's characters outside <c>A-Z a-z 0-9 - _</c> as <c>_</c>. Two ids
    /// that map alike can only make an ingest look alive when it is not, which delays a take-over, never forces one.
    /// </summary>
    public static string IngestAlive(string ingestId) =>
        IngestPrefix + new string([.. ingestId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]) + ".alive";

    public static string Audio(StationName station) => AudioPrefix + station.SubjectToken;

    public static string Burst(StationName station) => BurstPrefix + station.SubjectToken;
}
