using System.Diagnostics;
using Broadcast.Shared.Codecs;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using NATS.Client.Core;

namespace Broadcast.Ingest.Publishing;

/// <summary>
/// Batches whole frames of one source session into chunks of about <see cref="IngestOptions.ChunkMilliseconds"/>
/// and publishes them on the station's audio subject. Buffers are allocated once per session; nothing per chunk.
/// </summary>
/// <remarks>
/// While NATS is not connected, chunks are dropped and counted rather than queued: live audio that arrives
/// minutes late is worthless, and offsets still advance, so edges see the loss as a gap (research/dotnet.md §5.4).
/// </remarks>
internal sealed class ChunkPublisher
{
    /// <summary>Room for the largest Ogg page plus a full batch of small frames.</summary>
    private const int PayloadCapacity = 128 * 1024;

    private readonly INatsConnection _nats;
    private readonly string _subject;
    private readonly byte[] _station;
    private readonly Guid _session;
    private readonly AudioCodec _codec;
    private readonly long _targetMicroseconds;
    private readonly byte[] _payload = new byte[PayloadCapacity];
    // Between two publishes at most four messages are sealed: a frame seals the batch before it and then itself (or a
    // batch and the end marker), a title seals the batch and adds itself; a new Ogg title chain (OggTitleChain) seals
    // the audio batch before its header pages, the headers before the audio page that follows, and that page itself.
    private const int MaxPending = 4;

    private readonly byte[][] _messages = [.. Enumerable.Range(0, MaxPending).Select(_ => new byte[PayloadCapacity + ChunkEnvelope.MaxOverhead])];
    private readonly int[] _pendingLengths = new int[MaxPending];
    private int _pending;
    private int _length;
    private long _duration;
    private long _batchOffset;
    private long _sequence;
    private ChunkFlags _flags = ChunkFlags.SessionStart;

    private readonly TimeProvider _time;
    private readonly long _traceEvery;
    private readonly KeyValuePair<string, object?> _stationTag;
    private long _nextTrace;
    private long _batchReceived;
    private Activity? _chunkSpan;

    /// <summary>A publisher for one stream; <paramref name="traceEvery"/> is how often a chunk carries trace context (zero: never).</summary>
    public ChunkPublisher(INatsConnection nats, StationName station, Guid session, AudioCodec codec, TimeSpan chunkDuration, TimeProvider? time = null, TimeSpan traceEvery = default)
    {
        _time = time ?? TimeProvider.System;
        _traceEvery = (long)(traceEvery.TotalSeconds * _time.TimestampFrequency);
        _nextTrace = _time.GetTimestamp();
        _stationTag = Telemetry.IngestTelemetry.Station(station.Mount);
        _nats = nats;
        _subject = Subjects.Audio(station);
        _station = System.Text.Encoding.ASCII.GetBytes(station.Name);
        _session = session;
        _codec = codec;
        _targetMicroseconds = (long)chunkDuration.TotalMicroseconds;
    }

    /// <summary>The span sampled chunks are children of: the current encoder's source session (none: a root of their own).</summary>
    public ActivityContext TraceParent { get; set; }

    public long Published { get; private set; }

    public long Dropped { get; private set; }

    /// <summary>Number of the next chunk; a stream handed to another ingest continues from it.</summary>
    public long Sequence => _sequence;

    /// <summary>Offset of the next byte that will be added.</summary>
    public long Offset => _batchOffset + _length;

    /// <summary>
    /// Adds a frame, sealing the batch into a pending message first when the frame changes kind or would
    /// overflow it, and after it when the batch has reached its duration. Call <see cref="PublishPendingAsync"/> next.
    /// </summary>
    public void Add(in AudioFrame frame)
    {
        var header = frame.Kind == FrameKind.OggHeader;
        var batchIsHeaders = (_flags & ChunkFlags.OggHeaders) != 0;
        if (_length > 0 && (header != batchIsHeaders || _length + frame.Data.Length > _payload.Length))
        {
            Seal();
        }

        // Header pages travel in chunks of their own so edges can recognise a new Ogg chain.
        if (header)
        {
            _flags |= ChunkFlags.OggHeaders;
        }

        if (_length == 0)
        {
            _batchReceived = ChunkEnvelope.UnixMicroseconds(_time.GetUtcNow()); // for the edges' end-to-end latency
        }

        frame.Data.CopyTo(_payload.AsSpan(_length));
        _length += frame.Data.Length;
        _duration += frame.DurationMicroseconds;
        if (!header && _duration >= _targetMicroseconds)
        {
            Seal();
        }
    }

    /// <summary>
    /// Seals what is batched and queues a title message stamped with <see cref="Offset"/>, so the title travels in
    /// order with the audio and takes effect at the next frame. Call <see cref="PublishPendingAsync"/> next.
    /// </summary>
    public void AddTitle(string title, string url, DateTimeOffset stamped)
    {
        Seal();
        _pendingLengths[_pending] = TitleEnvelope.Write(_messages[_pending], _session, Offset, stamped, _station, title, url);
        _pending++;
    }

    /// <summary>
    /// Continues a stream another ingest published (a hand-over): the next chunk gets <paramref name="offset"/> and
    /// <paramref name="sequence"/>, so edges see no gap and no new session. Only before anything was added here.
    /// </summary>
    public void Continue(long offset, long sequence)
    {
        _batchOffset = offset;
        _length = 0;
        _duration = 0;
        _sequence = sequence;
        _flags = ChunkFlags.None;
    }

    /// <summary>Seals and publishes what is batched (before the stream is handed over).</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Seal();
        await PublishPendingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Seals what is batched and marks the end of the stream, so edges end their listeners cleanly.</summary>
    public void End()
    {
        Seal();
        var header = new ChunkHeader(_session, _batchOffset, _sequence++, _codec, ChunkFlags.EndOfStream);
        _pendingLengths[_pending] = ChunkEnvelope.Write(_messages[_pending], header, _station, []);
        _pending++;
    }

    public async ValueTask PublishPendingAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _pending; i++)
        {
            await PublishAsync(_messages[i].AsMemory(0, _pendingLengths[i]), cancellationToken).ConfigureAwait(false);
        }

        _pending = 0;
        if (_chunkSpan is { } span)
        {
            _chunkSpan = null;
            span.Dispose();
        }
    }

    /// <summary>
    /// A sampled chunk: a producer span (OpenTelemetry's messaging conventions) whose context travels in the chunk's
    /// envelope, so the edge's receive span joins the same trace. In the envelope rather than NATS headers: it is 25
    /// bytes the edge already parses without allocating, and NATS headers would cost a header block on every chunk.
    /// </summary>
    private ChunkHeader Traced(ChunkHeader header)
    {
        _nextTrace = _time.GetTimestamp() + _traceEvery;
        var span = Telemetry.IngestTelemetry.Source.StartActivity("chunk publish", ActivityKind.Producer, TraceParent);
        if (span is null)
        {
            return header;
        }

        span.SetTag("messaging.system", "nats");
        span.SetTag("messaging.operation.type", "publish");
        span.SetTag("messaging.destination.name", _subject);
        span.SetTag(_stationTag.Key, _stationTag.Value);
        span.SetTag("broadcast.chunk.offset", header.Offset);
        span.SetTag("broadcast.chunk.sequence", header.Sequence);
        _chunkSpan = span;
        return header with { Flags = header.Flags | ChunkFlags.TraceContext, Trace = ChunkTraceContext.FromActivityContext(span.Context) };
    }

    private void Seal()
    {
        if (_length == 0)
        {
            return;
        }

        var header = new ChunkHeader(_session, _batchOffset, _sequence++, _codec, _flags, Received: _batchReceived);
        if (_traceEvery > 0 && _chunkSpan is null && _time.GetTimestamp() >= _nextTrace && Telemetry.IngestTelemetry.Source.HasListeners())
        {
            header = Traced(header);
        }

        _pendingLengths[_pending] = ChunkEnvelope.Write(_messages[_pending], header, _station, _payload.AsSpan(0, _length));
        _pending++;
        _batchOffset += _length;
        _length = 0;
        _duration = 0;
        _flags = ChunkFlags.None;
    }

    private async ValueTask PublishAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (_nats.ConnectionState != NatsConnectionState.Open)
        {
            Dropped++;
            Telemetry.IngestTelemetry.ChunksDropped.Add(1, _stationTag);
            return;
        }

        await _nats.PublishAsync<ReadOnlyMemory<byte>>(_subject, message, cancellationToken: cancellationToken).ConfigureAwait(false);
        Published++;
        Telemetry.IngestTelemetry.ChunksPublished.Add(1, _stationTag);
    }
}
