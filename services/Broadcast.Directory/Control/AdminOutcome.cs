using Broadcast.Directory.V1;
using Broadcast.Shared.Control;

namespace Broadcast.Directory.Control;

/// <summary>What an admin command did: an HTTP status, Icecast's return flag and message, and what it lists.</summary>
internal sealed record AdminOutcome(int Status, bool Ok, string Message, IReadOnlyList<ListenerInfo>? Listeners = null, StationInfo? Station = null)
{
    public static AdminOutcome Bad(string message) => new(StatusCodes.Status400BadRequest, false, message);

    public static AdminOutcome Done(string message, IReadOnlyList<ListenerInfo>? listeners = null, StationInfo? station = null) =>
        new(StatusCodes.Status200OK, true, message, listeners, station);
}
