using Broadcast.Shared.Buffers;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using NATS.Client.Core;

namespace Broadcast.Edge.Stations;

/// <summary>
/// One active station on this edge: its ring, its Ogg headers, and the pump that copies chunks from NATS into
/// the ring. Listeners only read (cursors); the pump is the ring's single writer.
/// </summary>
internal sealed class StationFeed : IAsyncDisposable
{
    private readonly INatsSub<NatsMemoryOwner<byte>> _subscription;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private Task _pump = Task.CompletedTask;

    public StationFeed(StationName station, StationMetadata metadata, StationRingBuffer ring, byte[] oggHeaders, INatsSub<NatsMemoryOwner<byte>> subscription, ILogger logger)
    {
        Station = station;
        Metadata = metadata;
        Ring = ring;
        OggHeaders = oggHeaders;
        _subscription = subscription;
        _logger = logger;
    }

    public StationName Station { get; }

    public StationMetadata Metadata { get; }

    public StationRingBuffer Ring { get; }

    /// <summary>Header pages a new Ogg listener gets first; replaced when the source starts a new chain.</summary>
    public byte[] OggHeaders { get; private set; }

    public DataSignal Signal { get; } = new();

    /// <summary>True once the source ended (or restarted as a new session): listeners finish what is buffered and close.</summary>
    public bool Ended { get; private set; }

    /// <summary>Listeners currently reading; changed only under the registry's lock.</summary>
    public int Listeners { get; set; }

    public ITimer? IdleTimer { get; set; }

    public long GapBytes { get; private set; }

    public void Start(Action<StationFeed> ended) => _pump = PumpAsync(ended, _stop.Token);

    /// <summary>Bytes back for a burst, converting seconds with the declared bitrate when that is all we know.</summary>
    public long BurstStart(EdgeOptions options) => options.BurstSeconds > 0
        ? Ring.FindBurstStart((long)(options.BurstSeconds * Math.Max(Metadata.Bitrate, 128) * 1000 / 8))
        : Ring.FindBurstStart(options.BurstBytes);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _subscription.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        Ended = true;
        Signal.Pulse();
        _stop.Dispose();
    }

    private async Task PumpAsync(Action<StationFeed> ended, CancellationToken cancellationToken)
    {
        await foreach (var message in _subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            using var owner = message.Data;
            if (!Accept(owner.Memory.Span))
            {
                Ended = true;
                Signal.Pulse();
                ended(this);
                await _subscription.UnsubscribeAsync().ConfigureAwait(false); // listeners drain the ring; no new chunks
                return;
            }
        }
    }

    /// <summary>Copies one chunk into the ring; false when the stream ended.</summary>
    private bool Accept(ReadOnlySpan<byte> message)
    {
        if (ChunkEnvelope.TryRead(message, out var chunk) != ChunkEnvelopeError.None)
        {
            return true; // not ours to understand; a newer or broken publisher must not stop the station
        }

        var header = chunk.Header;
        if (header.SessionId != Metadata.SessionId || (header.Flags & ChunkFlags.EndOfStream) != 0)
        {
            return false;
        }

        var payload = chunk.Payload;
        var end = Ring.End;
        var chunkEnd = header.Offset + payload.Length;
        if (chunkEnd <= end)
        {
            return true; // already held (it was part of the burst)
        }

        if (header.Offset > end)
        {
            GapBytes += header.Offset - end;
            EdgeLog.Gap(_logger, Station.Mount, header.Offset - end, end, header.Offset);
            Ring.Discontinue(header.Offset);
        }
        else
        {
            payload = payload[(int)(end - header.Offset)..];
        }

        if ((header.Flags & ChunkFlags.OggHeaders) != 0)
        {
            OggHeaders = payload.ToArray(); // a new chain: rare, so a copy is fine
        }

        Ring.Append(payload, syncPoint: (header.Flags & ChunkFlags.OggHeaders) == 0);
        Signal.Pulse();
        return true;
    }
}
