namespace Broadcast.Edge.Control;

/// <summary>Admin command log messages; event ids 2100–2199 belong to this file.</summary>
internal static partial class ControlLog
{
    [LoggerMessage(2100, LogLevel.Information, "Listener {Id} on {Mount} ({Client}) killed by an admin")]
    public static partial void Killed(ILogger logger, long id, string mount, string client);
}
