using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using NATS.Client.Core;

namespace Broadcast.Edge.Stations;

/// <summary>Holes in the stream: filled from the ingest's recent audio where it still has them, reported where not.</summary>
internal sealed partial class StationFeed
{
    private long _gapUpTo;

    /// <summary>
    /// Fills the hole between the ring's end and the chunk that arrived past it from the ingest's recent audio (the
    /// burst request, for the hole's size and a little more). The reply starts at a frame boundary at or before the
    /// ring's end, so its bytes from there on continue the ring exactly; a reply that starts later (the ingest no
    /// longer holds the hole), of another session or chain, or none at all leaves the gap to <see cref="Accept"/>.
    /// </summary>
    private async ValueTask BridgeAsync(CancellationToken cancellationToken)
    {
        var end = Ring.End;
        var wanted = (int)Math.Min(_gapUpTo - end + BridgeSlackBytes, MaxBridgeBytes);
        using var reply = await _fetchRecent(Station, wanted, cancellationToken).ConfigureAwait(false);
        if (reply is not { } owner
            || ChunkEnvelope.TryRead(owner.Memory.Span, out var chunk) != ChunkEnvelopeError.None
            || chunk.Header.SessionId != Metadata.SessionId
            || !BurstReply.TryRead(chunk.Payload, out var headers, out var audio))
        {
            return;
        }

        var from = chunk.Header.Offset;
        if (from > end || from + audio.Length <= end || !headers.SequenceEqual(_oggHeaders))
        {
            return;
        }

        var filled = audio[(int)(end - from)..];
        filled = filled[..Math.Min(filled.Length, Ring.Capacity / 2)];
        Ring.Append(filled);
        BridgedBytes += filled.Length;
        Interlocked.Add(ref s_bridgedTotal, filled.Length);
        EdgeMetrics.BytesBridged.Add(filled.Length, EdgeMetrics.Station(Station.Mount));
        EdgeLog.GapBridged(_logger, Station.Mount, filled.Length, end);
        Gap(end, end + filled.Length, bridged: filled.Length);
        PulseAll();
    }

    /// <summary>
    /// A hole between offsets: a span of its own (in the source's trace when one is known), with how many bytes were
    /// lost, or bridged from the ingest's recent audio.
    /// </summary>
    private void Gap(long from, long to, long bridged = 0)
    {
        using var span = EdgeMetrics.Source.StartActivity("station.gap", System.Diagnostics.ActivityKind.Internal, SourceTrace ?? default);
        span?.SetTag("broadcast.station", Station.Mount).SetTag("broadcast.gap.from", from).SetTag("broadcast.gap.to", to)
            .SetTag("broadcast.bytes.lost", to - from - bridged).SetTag("broadcast.bytes.bridged", bridged);
    }
}

/// <summary>Asks the station's ingest for about <c>bytes</c> of its recent audio (a burst reply); null when no one answers.</summary>
internal delegate ValueTask<NatsMemoryOwner<byte>?> RecentAudioFetch(StationName station, int bytes, CancellationToken cancellationToken);

/// <summary>An unbridged gap: cursors at or after <paramref name="ValidFrom"/> were in the ring before it; the stream goes on at <paramref name="ResumeAt"/>.</summary>
internal sealed record Discontinuity(long ValidFrom, long ResumeAt);

/// <summary>What became of one message from the station's subject.</summary>
internal enum ChunkOutcome
{
    Taken,
    Ended,
    Gap,
}
