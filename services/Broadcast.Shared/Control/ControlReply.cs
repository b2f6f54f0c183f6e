namespace Broadcast.Shared.Control;

/// <summary>The answer to a <see cref="ControlRequest"/>: whether it was done, and what the command returns.</summary>
public sealed record ControlReply
{
    public bool Ok { get; init; }

    public string? Message { get; init; }

    /// <summary>The answering edge or ingest.</summary>
    public string? From { get; init; }

    /// <summary>Listeners listed, killed or moved on the answering edge.</summary>
    public IReadOnlyList<ListenerInfo>? Listeners { get; init; }

    /// <summary><c>status</c>: the station has a connected source now (not only its fallback).</summary>
    public bool Live { get; init; }

    public string? ContentType { get; init; }

    /// <summary><c>status</c>: the station's fallback mount, when it has one.</summary>
    public string? Fallback { get; init; }

    /// <summary><c>takeover</c> granted: where the stream stands, for the taker to continue it.</summary>
    public StreamState? State { get; init; }
}
