using Broadcast.Shared.Buffers;
using Broadcast.Shared.Codecs;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;

namespace Broadcast.Ingest.Sources;

/// <summary>Framing and publishing: the current input's frames go to the recent ring, the header capture and the publisher.</summary>
internal sealed partial class SourceSession
{
    private (string Title, string Url)? _pendingTitle;
    private bool _chainTitleDue;
    private string? _chainDue;

    /// <summary>
    /// Frames <paramref name="data"/> of <paramref name="input"/> and publishes what completes, if the input is
    /// current; a standby input's frames are framed (so it can resume at a frame boundary) and dropped.
    /// </summary>
    public async ValueTask WriteAsync(SourceInput input, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!data.IsEmpty)
            {
                data = data[input.Framer.Feed(data.Span)..];
                await DrainAsync(input, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writer.Release();
        }
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

    /// <summary>Under <c>_writer</c>: takes every complete frame of <paramref name="input"/>, publishing them while it is current.</summary>
    private async ValueTask DrainAsync(SourceInput input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var publishing = input == Current && Role == SessionRole.Publishing;
            if (publishing && StampPendingTitle())
            {
                await _publisher.PublishPendingAsync(cancellationToken).ConfigureAwait(false);
            }

            if (!TakeNext(input, publishing))
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

    /// <summary>On the writer's task: the title takes effect at the publisher's next byte, a frame boundary.</summary>
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

    /// <summary>Takes one frame of <paramref name="input"/> (into the stream when <paramref name="publishing"/>); false when none is ready.</summary>
    private bool TakeNext(SourceInput input, bool publishing)
    {
        if (!input.Framer.TryReadFrame(out var frame))
        {
            return false;
        }

        if (input.Headers is { } own && (frame.StartsChain || frame.Kind == FrameKind.OggHeader))
        {
            own.Observe(frame); // kept while on standby: it resumes as a new chain with these
        }

        if (!publishing || frame.Kind == FrameKind.Info || !Resumes(input, frame))
        {
            return true; // standby, an encoder's Xing/Info frame (it describes a file, not a live stream), or not yet a start
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
                    TakeChain(input, pages, frame.SampleRate, endsChain: true);
                    _chainTitleDue = false; // this chain's comments are ours, and its title stamped already
                }

                frame = new AudioFrame(_titleChain.Carry(frame.Data), frame.Kind, frame.Samples, frame.SampleRate, frame.Packets, frame.StartsChain, frame.IsSyncPoint);
            }
        }

        Take(input, frame);
        return true;
    }

    /// <summary>
    /// For an input that became current mid-stream: true once <paramref name="frame"/> may start its part (a sync point;
    /// for Ogg its own chain, its header pages taken first when the frame is not one of them).
    /// </summary>
    private bool Resumes(SourceInput input, in AudioFrame frame)
    {
        if (!input.Resuming)
        {
            return true;
        }

        if (frame.StartsChain)
        {
            input.Resuming = false;
            return true;
        }

        if (frame.Kind != FrameKind.Audio || !frame.IsSyncPoint)
        {
            return false;
        }

        if (input.Headers is { } own)
        {
            if (own.Overflowed || own.Pages.IsEmpty)
            {
                return false; // wait for its next chain
            }

            TakeChain(input, own.Pages, frame.SampleRate, endsChain: false);
        }

        input.Resuming = false;
        return true;
    }

    /// <summary>
    /// Takes Ogg pages as a new chain: with <paramref name="endsChain"/>, the first is the old chain's end page
    /// (<see cref="OggTitleChain.Begin"/>); the rest are header pages, the first of which starts the chain.
    /// </summary>
    private void TakeChain(SourceInput input, ReadOnlySpan<byte> pages, int sampleRate, bool endsChain)
    {
        for (var index = endsChain ? 0 : 1; pages.Length >= 27; index++)
        {
            var length = 27 + pages[26];
            foreach (var lacing in pages.Slice(27, pages[26]))
            {
                length += lacing;
            }

            var kind = index == 0 ? FrameKind.Audio : FrameKind.OggHeader;
            Take(input, new AudioFrame(pages[..length], kind, 0, sampleRate, 0, startsChain: index == 1, isSyncPoint: false));
            pages = pages[length..];
        }
    }

    /// <summary>Moves one frame into the recent ring, the header capture and the publisher's batch.</summary>
    private void Take(SourceInput input, in AudioFrame frame)
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

            input.TakenMicroseconds += frame.DurationMicroseconds;
            TakeAudio(input, frame);
        }

        _publisher.Add(frame);
    }

    /// <summary>An audio frame into the recent ring (the publisher's offsets, so a burst means the same bytes as the chunks).</summary>
    private void TakeAudio(SourceInput input, in AudioFrame frame)
    {
        if (_recent.End != _publisher.Offset || (_oggHeaders is null && !input.IsFallback))
        {
            lock (_headersLock)
            {
                if (_recent.End != _publisher.Offset)
                {
                    _recent.Discontinue(_publisher.Offset);
                }

                if (_oggHeaders is null && !input.IsFallback)
                {
                    // The template for silence: an encoder's frame header (MPEG 4 bytes, ADTS 7).
                    _lastFrameHeadLength = Math.Min(frame.Data.Length, _lastFrameHead.Length);
                    frame.Data[.._lastFrameHeadLength].CopyTo(_lastFrameHead);
                }

                _recent.Append(frame.Data, frame.DurationMicroseconds, frame.IsSyncPoint);
                return;
            }
        }

        _recent.Append(frame.Data, frame.DurationMicroseconds, frame.IsSyncPoint);
    }
}
