
namespace Broadcast.Ingest.Sources;

/// <summary>Source log messages; event ids 1000–1099 belong to this file.</summary>
internal static partial class SourceLog
{
    [LoggerMessage(1000, LogLevel.Information, "Source connected on {Mount} ({ContentType}, {Method}) from {Remote}")]
    public static partial void Connected(ILogger logger, string mount, string contentType, string method, string? remote);

    [LoggerMessage(1001, LogLevel.Information, "Source on {Mount} ended: {BytesIn} bytes in, {Skipped} skipped, {Chunks} chunks published, {Dropped} dropped")]
    public static partial void Ended(ILogger logger, string mount, long bytesIn, long skipped, long chunks, long dropped);

    [LoggerMessage(1002, LogLevel.Warning, "Source refused on {Mount} from {Remote}: {Status} {Reason}")]
    public static partial void Refused(ILogger logger, string mount, string? remote, int status, string reason);

    [LoggerMessage(1003, LogLevel.Debug, "Source connection from {Remote} closed: {Reason}")]
    public static partial void Closed(ILogger logger, string? remote, string reason);

    [LoggerMessage(1004, LogLevel.Warning, "Source on {Mount} sent a malformed body: {Reason}")]
    public static partial void BadBody(ILogger logger, string mount, string reason);

    [LoggerMessage(1012, LogLevel.Warning, "Source on {Mount} closed: no audio frame in {Seconds} s of its bytes ({Skipped} bytes skipped as not audio)")]
    public static partial void NoAudio(ILogger logger, string mount, long skipped, int seconds);

    [LoggerMessage(1005, LogLevel.Debug, "Answered an OPTIONS * probe (Upgrade: {Upgrade}) without TLS")]
    public static partial void Probed(ILogger logger, string upgrade);

    [LoggerMessage(1006, LogLevel.Information, "Title on {Mount} from offset {Offset}: {Title}")]
    public static partial void Title(ILogger logger, string mount, long offset, string title);

    [LoggerMessage(1007, LogLevel.Warning, "SHOUTcast source port {Port} failed: {Reason}")]
    public static partial void ShoutcastFailed(ILogger logger, int port, string reason);

    [LoggerMessage(1008, LogLevel.Information, "SHOUTcast sources accepted on port {Port} for {Mount}")]
    public static partial void ShoutcastListening(ILogger logger, int port, string mount);

    [LoggerMessage(1009, LogLevel.Information, "TLS upgrade from {Remote} failed: {Reason}")]
    public static partial void TlsFailed(ILogger logger, string? remote, string reason);
}
