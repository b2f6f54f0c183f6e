namespace Broadcast.Ingest.HandOver;

/// <summary>Hand-over and fallback log messages; event ids 1200–1299 belong to this file.</summary>
internal static partial class HandOverLog
{
    [LoggerMessage(1200, LogLevel.Information, "Station {Mount} lingers {Seconds} s after its source left, playing {Fallback}")]
    public static partial void Lingering(ILogger logger, string mount, int seconds, string fallback);

    [LoggerMessage(1201, LogLevel.Information, "Station {Mount} ended: {Reason}")]
    public static partial void StationEnded(ILogger logger, string mount, string reason);

    [LoggerMessage(1202, LogLevel.Information, "Source on {Mount} (priority {Priority}) takes the stream at offset {Offset}")]
    public static partial void TookOver(ILogger logger, string mount, int priority, long offset);

    [LoggerMessage(1203, LogLevel.Information, "Stream of {Mount} handed to another ingest at offset {Offset}")]
    public static partial void HandedOff(ILogger logger, string mount, long offset);

    [LoggerMessage(1204, LogLevel.Information, "Standby source on {Mount} resumes the stream")]
    public static partial void Resumed(ILogger logger, string mount);

    [LoggerMessage(1205, LogLevel.Warning, "Fallback for {Mount} unavailable ({Fallback}): {Reason}")]
    public static partial void FallbackUnavailable(ILogger logger, string mount, string fallback, string reason);

    [LoggerMessage(1206, LogLevel.Warning, "Hand-over of {Mount} failed: {Reason}")]
    public static partial void HandOverFailed(ILogger logger, string mount, string reason);

    [LoggerMessage(1207, LogLevel.Information, "Source on {Mount} killed by an admin")]
    public static partial void Killed(ILogger logger, string mount);
}
