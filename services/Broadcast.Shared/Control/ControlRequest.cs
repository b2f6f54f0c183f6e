namespace Broadcast.Shared.Control;

/// <summary>
/// An admin or hand-over command on NATS (JSON, <see cref="ControlJsonContext"/>). Edges take <c>listclients</c>,
/// <c>killclient</c> and <c>moveclients</c> on <see cref="Messaging.Subjects.EdgeControl"/>; the ingest publishing a
/// station takes <c>status</c>, <c>killsource</c>, <c>metadata</c> and <c>takeover</c> on its source subject, and
/// a standby source's ingest takes <c>offer</c>.
/// </summary>
public sealed record ControlRequest
{
    public required string Op { get; init; }

    public string? Mount { get; init; }

    /// <summary>The listener (<c>killclient</c>).</summary>
    public long Id { get; init; }

    /// <summary>The mount listeners move to (<c>moveclients</c>).</summary>
    public string? Destination { get; init; }

    /// <summary>The new title and its URL (<c>metadata</c>).</summary>
    public string? Song { get; init; }

    public string? Url { get; init; }

    /// <summary>The priority of the source asking to take over (<c>takeover</c>).</summary>
    public int Priority { get; init; }

    /// <summary>The content type of the source asking to take over: a different codec cannot continue the stream.</summary>
    public string? ContentType { get; init; }

    /// <summary>The stream handed to a standby source (<c>offer</c>).</summary>
    public StreamState? State { get; init; }
}
