using Broadcast.Ingest.Publishing;
using Broadcast.Shared.Buffers;
using Broadcast.Shared.Codecs;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// One connected encoder: frames its bytes, keeps recent frames for edges' burst requests, and publishes chunks.
/// The writer side runs on the connection's task; burst replies read the ring lock-free and the Ogg headers under a lock.
/// </summary>
internal sealed class SourceSession : IDisposable
{
    private readonly AudioFramer _framer;
    private readonly ChunkPublisher _publisher;
    private readonly StationRingBuffer _recent;
    private readonly OggHeaderCapture? _oggHeaders;
    private readonly Lock _headersLock = new();
    private string? _nowPlaying;

    public SourceSession(StationName station, StationMetadata metadata, AudioCodec codec, ChunkPublisher publisher, int burstBufferBytes)
    {
        Station = station;
        Metadata = metadata;
        Codec = codec;
        _publisher = publisher;
        _framer = SourceCodecs.CreateFramer(codec);
        _recent = new StationRingBuffer(burstBufferBytes);
        _oggHeaders = codec == AudioCodec.Ogg ? new OggHeaderCapture() : null;
    }

    public StationName Station { get; }

    public StationMetadata Metadata { get; }

    public AudioCodec Codec { get; }

    public long BytesIn => _framer.BytesIn;

    public long SkippedBytes => _framer.SkippedBytes;

    public ChunkPublisher Publisher => _publisher;

    /// <summary>The current title, from <c>/admin/metadata</c>; null until the encoder sends one.</summary>
    public string? NowPlaying
    {
        get => Volatile.Read(ref _nowPlaying);
        set => Volatile.Write(ref _nowPlaying, value);
    }

    /// <summary>Frees the recent-audio ring (managed: burst replies may still read it, so it must not be unmapped).</summary>
    public void Dispose() => _recent.Dispose();

    /// <summary>Frames <paramref name="data"/> and publishes what completes.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            data = data[_framer.Feed(data.Span)..];
            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        _framer.Complete();
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        _publisher.End();
        await _publisher.PublishPendingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a burst reply: Ogg headers and the audio from a frame boundary about <paramref name="bytes"/> back.
    /// While the current chain has no audio yet, the reply carries neither: its offset is where the chain's header
    /// pages begin, and they reach the edge as the next chunk, so no listener ever gets them twice.
    /// </summary>
    public int WriteBurst(Span<byte> destination, int bytes, out long offset)
    {
        // Under the lock the ring cannot be emptied (both Discontinue calls take it), so headers and audio agree.
        lock (_headersLock)
        {
            if (_recent.Start == _recent.End)
            {
                offset = _recent.End;
                return BurstReply.Write(destination, []);
            }

            var headerLength = BurstReply.Write(destination, _oggHeaders is null ? [] : _oggHeaders.Pages);

            // The ring may move on while we read; retry from a newer boundary if our start was overwritten.
            for (var attempt = 0; attempt < 4; attempt++)
            {
                offset = _recent.FindBurstStart(bytes);
                var room = destination[headerLength..];
                var length = (int)Math.Min(_recent.End - offset, room.Length);
                var status = _recent.TryRead(offset, room[..length], out var read);
                if (status is RingReadStatus.Data or RingReadStatus.CaughtUp)
                {
                    return headerLength + read;
                }
            }

            offset = _recent.End;
            return headerLength;
        }
    }

    private async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        while (TakeFrame())
        {
            await _publisher.PublishPendingAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Moves one frame into the recent ring and the publisher's batch; false when no frame is ready.</summary>
    private bool TakeFrame()
    {
        if (!_framer.TryReadFrame(out var frame))
        {
            return false;
        }

        if (frame.Kind == FrameKind.Info)
        {
            return true; // an encoder's Xing/Info frame describes a file, not a live stream
        }

        if (_oggHeaders is not null && (frame.StartsChain || frame.Kind == FrameKind.OggHeader))
        {
            lock (_headersLock)
            {
                if (frame.StartsChain)
                {
                    _recent.Discontinue(_publisher.Offset); // the old chain's audio cannot follow the new chain's headers
                }

                _oggHeaders.Observe(frame);
            }
        }

        if (frame.Kind == FrameKind.Audio)
        {
            // The recent-audio ring uses the publisher's offsets, so a burst means the same bytes as the chunks.
            if (_recent.End != _publisher.Offset)
            {
                lock (_headersLock)
                {
                    _recent.Discontinue(_publisher.Offset);
                    _recent.Append(frame.Data, frame.DurationMicroseconds, frame.IsSyncPoint);
                }
            }
            else
            {
                _recent.Append(frame.Data, frame.DurationMicroseconds, frame.IsSyncPoint);
            }
        }

        _publisher.Add(frame);
        return true;
    }
}
