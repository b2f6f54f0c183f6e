namespace Broadcast.Edge;

/// <summary>What to do with a listener that fell further behind than the ring holds.</summary>
internal enum LagPolicy
{
    /// <summary>End the response; the player reconnects (Icecast: "has fallen too far behind").</summary>
    Drop,

    /// <summary>Skip ahead to the newest frame boundary; the listener hears a jump.</summary>
    Resync,
}
