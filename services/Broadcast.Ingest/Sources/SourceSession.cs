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
    private readonly Lock _titlesLock = new();
    private readonly Queue<TitleChange> _titles = new();
    private readonly TimeProvider _time;
    private (string Title, string Url)? _pendingTitle;
    private bool _chainTitleDue;
    private readonly OggTitleChain? _titleChain;
    private string? _chainDue;

    /// <summary>Title changes kept per session: what the directory's history and a joining edge see.</summary>
    public const int TitleHistoryLength = 16;

    public SourceSession(StationName station, StationMetadata metadata, AudioCodec codec, ChunkPublisher publisher, int burstBufferBytes, TimeProvider time, string? remoteAddress = null, bool oggTitleChains = false)
    {
        _titleChain = oggTitleChains && codec == AudioCodec.Ogg ? new OggTitleChain() : null;
        _time = time;
        RemoteAddress = remoteAddress;
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

    /// <summary>The encoder's address (no port): title updates with source credentials must come from it, as in Icecast.</summary>
    public string? RemoteAddress { get; }

    /// <summary>The session's recent title changes, oldest first.</summary>
    public TitleChange[] Titles()
    {
        lock (_titlesLock)
        {
            return [.. _titles];
        }
    }

    /// <summary>
    /// Asks for a title change. It is stamped on the source's own task, at the next frame boundary, so it travels in
    /// order with the audio; a second request before that replaces the first.
    /// </summary>
    public void SetTitle(string title, string url)
    {
        lock (_titlesLock)
        {
            _pendingTitle = (title, url);
        }
    }

    /// <summary>Fills in the directory's record of this station: the current title and the recent history.</summary>
    public void Describe(Broadcast.Directory.V1.StationInfo station)
    {
        var titles = Titles();
        station.NowPlaying = titles.Length > 0 ? titles[^1].Title : string.Empty;
        station.History.Clear();
        foreach (var title in titles)
        {
            station.History.Add(new Broadcast.Directory.V1.TitleEntry { Title = title.Title, Url = title.Url, Started = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(title.Started) });
        }
    }

    /// <summary>Raised after a title is stamped (the lease renews at once so the directory's now-playing follows).</summary>
    public event Action? TitleStamped;

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
        while (true)
        {
            if (StampPendingTitle())
            {
                await _publisher.PublishPendingAsync(cancellationToken).ConfigureAwait(false);
            }

            if (!TakeFrame())
            {
                break;
            }

            await _publisher.PublishPendingAsync(cancellationToken).ConfigureAwait(false);
        }

        await _publisher.PublishPendingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stamps a requested title, if any; true when it did (its message is then pending).</summary>
    private bool StampPendingTitle()
    {
        (string Title, string Url)? pending;
        lock (_titlesLock)
        {
            pending = _pendingTitle;
            _pendingTitle = null;
        }

        if (pending is { } title)
        {
            Stamp(title.Title, title.Url);
            _chainDue = _titleChain is null ? null : title.Title; // in-band for Ogg listeners too, when asked for
            return true;
        }

        return false;
    }

    /// <summary>On the source's task: the title takes effect at the publisher's next byte, a frame boundary.</summary>
    private void Stamp(string title, string url)
    {
        var change = new TitleChange(_publisher.Offset, title, url, _time.GetUtcNow());
        lock (_titlesLock)
        {
            _titles.Enqueue(change);
            while (_titles.Count > TitleHistoryLength)
            {
                _titles.Dequeue();
            }
        }

        _publisher.AddTitle(title, url, change.Started);
        TitleStamped?.Invoke();
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

        if (_titleChain is not null && _oggHeaders is not null)
        {
            if (frame.StartsChain)
            {
                _titleChain.Reset(); // the encoder's own chain passes as it is
            }

            if (frame.Kind == FrameKind.Audio)
            {
                if (_chainDue is { } title && frame.IsSyncPoint && !_oggHeaders.Overflowed
                    && _titleChain.Begin(_oggHeaders.Pages, title, (uint)Random.Shared.Next()) is { } pages)
                {
                    _chainDue = null;
                    TakeChain(pages, frame.SampleRate);
                }

                frame = new AudioFrame(_titleChain.Carry(frame.Data), frame.Kind, frame.Samples, frame.SampleRate, frame.Packets, frame.StartsChain, frame.IsSyncPoint);
            }
        }

        Take(frame);
        return true;
    }

    /// <summary>
    /// The pages <see cref="OggTitleChain.Begin"/> made: the old chain's end page, then the new chain's headers, taken
    /// like the encoder's own (burst, header capture, chunks). Its title is stamped already: not read back from it.
    /// </summary>
    private void TakeChain(ReadOnlySpan<byte> pages, int sampleRate)
    {
        for (var index = 0; pages.Length >= 27; index++)
        {
            var length = 27 + pages[26];
            foreach (var lacing in pages.Slice(27, pages[26]))
            {
                length += lacing;
            }

            var kind = index == 0 ? FrameKind.Audio : FrameKind.OggHeader;
            Take(new AudioFrame(pages[..length], kind, 0, sampleRate, 0, startsChain: index == 1, isSyncPoint: false));
            pages = pages[length..];
        }

        _chainTitleDue = false; // this chain's comments are ours, and its title stamped already
    }

    /// <summary>Moves one frame into the recent ring, the header capture and the publisher's batch.</summary>
    private void Take(in AudioFrame frame)
    {
        if (_oggHeaders is not null && (frame.StartsChain || frame.Kind == FrameKind.OggHeader))
        {
            lock (_headersLock)
            {
                if (frame.StartsChain)
                {
                    _recent.Discontinue(_publisher.Offset); // the old chain's audio cannot follow the new chain's headers
                    _chainTitleDue = true;
                }

                _oggHeaders.Observe(frame);
            }
        }

        if (frame.Kind == FrameKind.Audio)
        {
            if (_chainTitleDue && _oggHeaders is not null)
            {
                // A new chain's comment header names its track: the title takes effect with the chain's first audio.
                _chainTitleDue = false;
                if (OggComments.TryReadTitle(_oggHeaders.Pages, out var chainTitle))
                {
                    Stamp(chainTitle, string.Empty);
                }
            }

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
    }
}
