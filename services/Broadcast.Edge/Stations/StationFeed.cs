using Broadcast.Shared.Buffers;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using NATS.Client.Core;

namespace Broadcast.Edge.Stations;

/// <summary>
/// One active station on this edge: its ring, its Ogg headers, and the pump that copies chunks from NATS into
/// the ring. Listeners only read (cursors); the pump is the ring's single writer.
/// </summary>
internal sealed partial class StationFeed : IAsyncDisposable
{
    private readonly INatsSub<NatsMemoryOwner<byte>> _subscription;
    private readonly RecentAudioFetch _fetchRecent;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly Lock _headersLock = new();
    private readonly DataSignal[] _signals;
    private readonly long[] _wokenEnd;
    private byte[] _oggHeaders;
    private FeedTitle[] _titles;
    private long _chainAudioStart;
    private Task _pump = Task.CompletedTask;
    private ITimer? _wakeTimer;
    private TimeProvider _time = TimeProvider.System;
    private int _nextTick;
    private int _nextListener;
    private int _stopped;
    private int _disposalClaimed;

    /// <summary>Title changes kept per station: enough to cover the ring at one change every few seconds.</summary>
    public const int MaxTitles = 32;

    /// <summary>Most bytes asked of the ingest to fill one gap: a quarter of the ring, so the bridged bytes never lap listeners.</summary>
    private int MaxBridgeBytes => Ring.Capacity / 4;

    /// <summary>Asked beyond the gap's end: what the ingest framed while the request was on its way.</summary>
    private const int BridgeSlackBytes = 32 * 1024;

    public StationFeed(StationName station, StationMetadata metadata, StationRingBuffer ring, byte[] oggHeaders, INatsSub<NatsMemoryOwner<byte>> subscription, RecentAudioFetch fetchRecent, ILogger logger)
    {
        _fetchRecent = fetchRecent;
        _titles = [.. (metadata.Titles ?? []).TakeLast(MaxTitles).Select(change => new FeedTitle(change))];
        Station = station;
        Metadata = metadata;
        Ring = ring;
        _oggHeaders = oggHeaders;
        _chainAudioStart = ring.Start;
        _signals = [.. Enumerable.Range(0, WakeGroups).Select(_ => new DataSignal())];
        _wokenEnd = new long[WakeGroups];
        _subscription = subscription;
        _logger = logger;
    }

    public StationName Station { get; }

    public StationMetadata Metadata { get; }

    public StationRingBuffer Ring { get; }

    /// <summary>
    /// Wake groups: listeners are spread over them round-robin and the wake timer serves one group per tick, so a
    /// station's listeners are woken in turns across the interval instead of all at once. All at once, every
    /// listener's write (and on the gateway, when YARP copied, every copy's 64 KiB buffer) was in flight at once.
    /// </summary>
    public const int WakeGroups = 10;

    /// <summary>The wake group of the next listener to join.</summary>
    public DataSignal NextSignal() => _signals[(int)((uint)Interlocked.Increment(ref _nextListener) % WakeGroups)];

    /// <summary>True once the source ended (or restarted as a new session): listeners finish what is buffered and close.</summary>
    public bool Ended { get; private set; }

    /// <summary>
    /// True when the stream ended without its end being sent, because chunks of another session arrived: its ingest
    /// died and the encoder reconnected elsewhere. Listeners then go on with the new session (same codec) on their
    /// connections rather than being let go, as they are at a source's real end.
    /// </summary>
    public bool Superseded { get; private set; }

    /// <summary>Listeners currently reading; changed only under the registry's lock.</summary>
    public int Listeners { get; set; }

    /// <summary>Of <see cref="Listeners"/>, the now-playing watchers (SSE); changed only under the registry's lock.</summary>
    public int Watchers { get; set; }

    public ITimer? IdleTimer { get; set; }

    /// <summary>Bytes of this session that never reached this edge (neither by chunk nor bridged from the ingest).</summary>
    public long GapBytes { get; private set; }

    private static long s_lostTotal;
    private static long s_bridgedTotal;

    /// <summary>Stream bytes lost on this edge since it started, over all stations (for <c>/stats</c>).</summary>
    public static long LostTotal => Interlocked.Read(ref s_lostTotal);

    /// <summary>Stream bytes bridged from ingests since this edge started, over all stations.</summary>
    public static long BridgedTotal => Interlocked.Read(ref s_bridgedTotal);

    /// <summary>Bytes of gaps filled from the ingest's recent audio, so that no listener missed them.</summary>
    public long BridgedBytes { get; private set; }

    /// <summary>
    /// The last unbridged gap, null while there was none: listeners whose cursor was still in the ring when it
    /// happened (at or after <see cref="Discontinuity.ValidFrom"/>) lost bytes through no fault of theirs, so they
    /// continue at <see cref="Discontinuity.ResumeAt"/> (the first frame after the gap) instead of being dropped.
    /// </summary>
    public Discontinuity? LastGap { get; private set; }

    /// <summary>The trace context of the last sampled chunk: the source session's trace, which listener spans link to.</summary>
    public System.Diagnostics.ActivityContext? SourceTrace { get; private set; }

    /// <summary>Title changes this edge knows for the session, oldest first (replaced, never changed: readers need no lock).</summary>
    public FeedTitle[] Titles => Volatile.Read(ref _titles);

    /// <summary>
    /// The title in effect at stream offset <paramref name="offset"/>: the newest change stamped at or before it;
    /// null when none is. The same on every edge, since the stamps are the ingest's.
    /// </summary>
    public FeedTitle? TitleAt(long offset)
    {
        var titles = Titles;
        for (var i = titles.Length - 1; i >= 0; i--)
        {
            if (titles[i].Offset <= offset)
            {
                return titles[i];
            }
        }

        return null;
    }

    /// <summary>
    /// Starts the pump. With a <paramref name="wakeInterval"/> above zero, each listener is woken once per interval
    /// (when new bytes arrived) instead of once per chunk: each wake-up then carries several chunks in one write, so a
    /// listener costs a few socket writes a second instead of ten, on the edge and on every hop after it. One station
    /// timer ticks <see cref="WakeGroups"/> times per interval and wakes one group per tick.
    /// </summary>
    public void Start(Action<StationFeed> ended, TimeProvider time, TimeSpan wakeInterval)
    {
        _time = time;
        Array.Fill(_wokenEnd, Ring.End);
        if (wakeInterval > TimeSpan.Zero)
        {
            var tick = wakeInterval / WakeGroups;
            _wakeTimer = time.CreateTimer(static state => ((StationFeed)state!).WakeNextGroup(), this, tick, tick);
        }

        _pump = PumpAsync(ended, _stop.Token);
    }

    /// <summary>
    /// Where a new listener starts (a frame boundary about a burst back, never before the current Ogg chain's audio)
    /// and the header pages it must get first. Taken together under the lock that header chunks take, so a listener
    /// never gets a chain's headers twice or not at all.
    /// </summary>
    public long Join(EdgeOptions options, out byte[] oggHeaders)
    {
        long back = options.BurstSeconds > 0
            ? (long)(options.BurstSeconds * Math.Max(Metadata.Bitrate, 128) * 1000 / 8)
            : options.BurstBytes;
        return Join(back, out oggHeaders);
    }

    /// <summary>As <see cref="Join(EdgeOptions, out byte[])"/>, about <paramref name="back"/> bytes back (0: at the newest byte).</summary>
    public long Join(long back, out byte[] oggHeaders)
    {
        lock (_headersLock)
        {
            oggHeaders = _oggHeaders;
            return Ring.FindBurstStart(Math.Min(back, Ring.End - _chainAudioStart));
        }
    }

    /// <summary>
    /// True once the registry no longer hands this feed to new listeners (idle, ended or shutting down); the last
    /// listener to leave a retired feed disposes it. Changed only under the registry's lock.
    /// </summary>
    public bool Retired { get; set; }

    /// <summary>True for the one caller that gets to dispose this feed; false for every later one.</summary>
    public bool TryClaimDisposal() => Interlocked.Exchange(ref _disposalClaimed, 1) == 0;

    /// <summary>Stops the pump: no more chunks; listeners finish what is buffered. Idempotent.</summary>
    public async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _wakeTimer?.Dispose();
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
        PulseAll();
    }

    /// <summary>Stops the pump and frees the ring. Only when no listener can read it any more.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Ring.Dispose();
        _stop.Dispose();
    }

    private async Task PumpAsync(Action<StationFeed> ended, CancellationToken cancellationToken)
    {
        await foreach (var message in _subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            using var owner = message.Data;
            var outcome = Accept(owner.Memory.Span, bridge: true);
            if (outcome is ChunkOutcome.Gap)
            {
                // Chunks were lost (the broker restarted, this edge was slow): ask the ingest for what it still holds,
                // then take this chunk again, now contiguous or past a gap that could not be filled.
                await BridgeAsync(cancellationToken).ConfigureAwait(false);
                outcome = Accept(owner.Memory.Span, bridge: false);
            }

            if (outcome is ChunkOutcome.Ended)
            {
                break;
            }
        }

        // The source ended, or the subscription did (it should not while we run): either way no more chunks come,
        // so listeners drain the ring and close, and the registry stops handing this feed out.
        Ended = true;
        PulseAll();
        ended(this);
        await _subscription.UnsubscribeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Copies one chunk into the ring. With <paramref name="bridge"/>, a chunk that begins past the ring's end is left
    /// untaken (<see cref="ChunkOutcome.Gap"/>) for the pump to try to bridge first.
    /// </summary>
    private ChunkOutcome Accept(ReadOnlySpan<byte> message, bool bridge)
    {
        if (TitleEnvelope.IsTitle(message))
        {
            AcceptTitle(message);
            return ChunkOutcome.Taken;
        }

        if (ChunkEnvelope.TryRead(message, out var chunk) != ChunkEnvelopeError.None)
        {
            return ChunkOutcome.Taken; // not ours to understand; a newer or broken publisher must not stop the station
        }

        var header = chunk.Header;
        if (header.SessionId != Metadata.SessionId || (header.Flags & ChunkFlags.EndOfStream) != 0)
        {
            Superseded = (header.Flags & ChunkFlags.EndOfStream) == 0;
            return ChunkOutcome.Ended;
        }

        var payload = chunk.Payload;
        var end = Ring.End;
        var chunkEnd = header.Offset + payload.Length;
        if (bridge && header.Offset > end)
        {
            _gapUpTo = chunkEnd;
            return ChunkOutcome.Gap;
        }

        EdgeMetrics.ChunksReceived.Add(1, EdgeMetrics.Station(Station.Mount));
        if (header.Received > 0 && EdgeMetrics.Latency.Enabled)
        {
            EdgeMetrics.Latency.Record(Math.Max(0, ChunkEnvelope.UnixMicroseconds(_time.GetUtcNow()) - header.Received) / 1e6, EdgeMetrics.Station(Station.Mount));
        }

        using var received = (header.Flags & ChunkFlags.TraceContext) != 0 ? Received(header) : null;
        if (chunkEnd <= end)
        {
            return ChunkOutcome.Taken; // already held (part of the burst, or bridged)
        }

        if (header.Offset > end)
        {
            GapBytes += header.Offset - end;
            Interlocked.Add(ref s_lostTotal, header.Offset - end);
            EdgeMetrics.BytesLost.Add(header.Offset - end, EdgeMetrics.Station(Station.Mount));
            Gap(end, header.Offset);
            EdgeLog.Gap(_logger, Station.Mount, header.Offset - end, end, header.Offset);
            LastGap = new Discontinuity(Ring.Start, header.Offset);
            Ring.Discontinue(header.Offset);
        }
        else
        {
            payload = payload[(int)(end - header.Offset)..];
        }

        if ((header.Flags & ChunkFlags.OggHeaders) != 0)
        {
            AcceptHeaders(payload, chunkEnd);
        }
        else
        {
            Ring.Append(payload);
        }

        if (_wakeTimer is null)
        {
            PulseAll();
        }

        return ChunkOutcome.Taken;
    }

    /// <summary>Wakes every listener of this feed now (one moved elsewhere, or killed, notices at once).</summary>
    public void PulseAll()
    {
        foreach (var signal in _signals)
        {
            signal.Pulse();
        }
    }

    /// <summary>A sampled chunk's hop: a consumer span in the ingest's trace (OpenTelemetry's messaging conventions).</summary>
    private System.Diagnostics.Activity? Received(in ChunkHeader header)
    {
        var parent = header.Trace.ToActivityContext();
        SourceTrace = parent;
        var span = EdgeMetrics.Source.StartActivity("chunk receive", System.Diagnostics.ActivityKind.Consumer, parent);
        span?.SetTag("messaging.system", "nats")
            .SetTag("messaging.operation.type", "receive")
            .SetTag("messaging.destination.name", Subjects.Audio(Station))
            .SetTag("broadcast.station", Station.Mount)
            .SetTag("broadcast.chunk.offset", header.Offset)
            .SetTag("broadcast.chunk.sequence", header.Sequence);
        return span;
    }

    /// <summary>The wake timer's tick: one group woken for everything appended since its last turn, none when nothing was.</summary>
    private void WakeNextGroup()
    {
        var group = (int)((uint)Interlocked.Increment(ref _nextTick) % WakeGroups);
        var end = Ring.End;
        if (end != Interlocked.Exchange(ref _wokenEnd[group], end))
        {
            _signals[group].Pulse();
        }
    }

    /// <summary>A title change of this session: kept with its ICY block; listeners switch when their cursor reaches it.</summary>
    private void AcceptTitle(ReadOnlySpan<byte> message)
    {
        if (!TitleEnvelope.TryRead(message, out var session, out var offset, out var stamped, out var title, out var url) || session != Metadata.SessionId)
        {
            return;
        }

        var titles = Titles;
        if (titles.Length > 0 && titles[^1].Offset > offset)
        {
            return; // already known (it came with the metadata reply)
        }

        var change = new TitleChange(offset, System.Text.Encoding.UTF8.GetString(title), System.Text.Encoding.UTF8.GetString(url), stamped);
        if (titles.Length > 0 && titles[^1].Offset == offset && titles[^1].Change.Title == change.Title && titles[^1].Change.Url == change.Url)
        {
            return;
        }

        Volatile.Write(ref _titles, [.. titles.TakeLast(MaxTitles - 1), new FeedTitle(change)]);
        EdgeLog.TitleChanged(_logger, Station.Mount, offset, change.Title);
    }

    /// <summary>Header pages of a new chain (rare): kept for new listeners and passed in-line to current ones.</summary>
    private void AcceptHeaders(ReadOnlySpan<byte> pages, long chunkEnd)
    {
        lock (_headersLock)
        {
            // Headers larger than one chunk arrive as consecutive header chunks: those continue the set.
            var continues = Ring.End == _chainAudioStart && _oggHeaders.Length > 0 && Ring.End > Ring.Start;
            Ring.Append(pages, syncPoint: false);
            _oggHeaders = continues ? [.. _oggHeaders, .. pages] : pages.ToArray();
            _chainAudioStart = chunkEnd;
        }
    }
}
