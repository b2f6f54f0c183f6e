using Broadcast.Edge.Stations;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// What the edge knows of one listener for the admin (<c>listclients</c>, <c>killclient</c>, <c>moveclients</c>):
/// a few fields set once at join, the feed it reads, and a feed it is asked to move to.
/// </summary>
internal sealed class ListenerSession(long id, StationFeed feed, string address, string userAgent, long joined, ListenerLine line)
{
    private StationFeed? _moveTo;

    public long Id { get; } = id;

    /// <summary>The listener's connection.</summary>
    public ListenerLine Line { get; } = line;

    /// <summary>The feed the listener reads now; changed only by its own loop (a move).</summary>
    public StationFeed Feed { get; set; } = feed;

    public string Address { get; } = address;

    public string UserAgent { get; } = userAgent;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> at join.</summary>
    public long Joined { get; } = joined;

    /// <summary>Asks the listener's loop to switch to <paramref name="destination"/> (already acquired for it); false when a move is pending.</summary>
    public bool RequestMove(StationFeed destination)
    {
        if (Interlocked.CompareExchange(ref _moveTo, destination, null) is not null)
        {
            return false;
        }

        Feed.PulseAll();
        return true;
    }

    /// <summary>The feed to move to, once; null when no move is asked.</summary>
    public StationFeed? TakeMove() => Interlocked.Exchange(ref _moveTo, null);

    /// <summary>Audio bytes sent so far (the stream loop's count; read by the admin and at the end).</summary>
    public long BytesSent { get; set; }

    /// <summary>The listener-session span while tracing is on.</summary>
    public System.Diagnostics.Activity? Span { get; set; }

    /// <summary>Why the listener's stream ended, for its span and the disconnects counter.</summary>
    public string EndReason { get; set; } = "client_closed";

    /// <summary>Ends the listener's connection because this edge is going away: a gateway continues it elsewhere.</summary>
    public void Drain()
    {
        EndReason = "drained";
        Line.Abort();
    }

    /// <summary>Ends the listener's connection (killclient).</summary>
    public void Kill()
    {
        EndReason = "killed";
        Line.Abort();
    }

    /// <summary>Ends the connection of a listener that accepted nothing for too long (<see cref="ListenerStallWatch"/>).</summary>
    public void Stall()
    {
        EndReason = "stalled";
        Line.Abort();
    }
}
