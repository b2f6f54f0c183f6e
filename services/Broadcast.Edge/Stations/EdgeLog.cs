namespace Broadcast.Edge.Stations;

/// <summary>Edge log messages; event ids 2000–2099 belong to this file.</summary>
internal static partial class EdgeLog
{
    [LoggerMessage(2000, LogLevel.Information, "Station {Mount} active on this edge from offset {Offset}")]
    public static partial void StationStarted(ILogger logger, string mount, long offset);

    [LoggerMessage(2001, LogLevel.Information, "Station {Mount} released: {Reason}")]
    public static partial void StationStopped(ILogger logger, string mount, string reason);

    [LoggerMessage(2002, LogLevel.Debug, "Listener on {Mount} fell behind the ring at {Cursor} (ring starts at {Start}); {Action}")]
    public static partial void ListenerLagged(ILogger logger, string mount, long cursor, long start, string action);

    [LoggerMessage(2003, LogLevel.Warning, "Station {Mount}: {Bytes} bytes lost between offsets {From} and {To}")]
    public static partial void Gap(ILogger logger, string mount, long bytes, long from, long to);

    [LoggerMessage(2009, LogLevel.Warning, "Station {Mount}: {Bytes} bytes missed from offset {From} were filled from the ingest's recent audio")]
    public static partial void GapBridged(ILogger logger, string mount, int bytes, long from);

    [LoggerMessage(2010, LogLevel.Information, "Listener {Client} on {Mount} continued across a gap: from {Cursor} to {ResumeAt}")]
    public static partial void ListenerAcrossGap(ILogger logger, string mount, string? client, long cursor, long resumeAt);

    [LoggerMessage(2011, LogLevel.Information, "Listener {Client} on {Mount} goes on with the station's new session {Session}")]
    public static partial void ListenerFollowedSession(ILogger logger, string mount, string? client, string session);

    [LoggerMessage(2004, LogLevel.Debug, "Listener {Client} on {Mount} disconnected after {Bytes} bytes")]
    public static partial void ListenerLeft(ILogger logger, string mount, string? client, long bytes);

    [LoggerMessage(2007, LogLevel.Debug, "Listener {Client} joined {Mount} at offset {Offset}")]
    public static partial void ListenerJoined(ILogger logger, string mount, string? client, long offset);

    [LoggerMessage(2005, LogLevel.Error, "Station {Mount}: releasing its feed failed")]
    public static partial void ReleaseFailed(ILogger logger, string mount, Exception exception);

    [LoggerMessage(2006, LogLevel.Information, "Station {Mount}: title from offset {Offset}: {Title}")]
    public static partial void TitleChanged(ILogger logger, string mount, long offset, string title);

    [LoggerMessage(2008, LogLevel.Information, "Listener {Client} moved from {Mount} to {Destination}")]
    public static partial void ListenerMoved(ILogger logger, string mount, string destination, string client);
}
