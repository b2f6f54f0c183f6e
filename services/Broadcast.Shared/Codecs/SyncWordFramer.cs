namespace Broadcast.Shared.Codecs;

/// <summary>
/// Framing shared by codecs whose frames start with a sync word and carry their own length (MPEG audio, ADTS).
/// </summary>
/// <remarks>
/// A sync word also occurs by chance inside audio and garbage, and a damaged length field points at the
/// wrong place. So a frame counts only when a second header with the same stream key follows right after
/// it; anything else unlocks and the search starts one byte further. This holds each frame back until
/// the next header arrives (one frame, about 26 ms of MP3). At the end of a stream
/// (<see cref="AudioFramer.Complete"/>) a last frame that matches the locked stream is taken unconfirmed.
/// </remarks>
public abstract class SyncWordFramer : AudioFramer
{
    private bool _locked;
    private uint _streamKey;

    private protected SyncWordFramer(int bufferSize)
        : base(bufferSize)
    {
    }

    /// <summary>True while frames follow each other with a stable stream key.</summary>
    public bool IsLocked => _locked;

    /// <summary>Bytes a header parse needs.</summary>
    private protected abstract int HeaderSize { get; }

    public override void Reset()
    {
        base.Reset();
        _locked = false;
        _streamKey = 0;
    }

    private protected abstract bool TryParseHeader(ReadOnlySpan<byte> bytes, out SyncFrameHeader header);

    /// <summary>A hook for data that is neither sync nor garbage (an ID3v2 tag). Returns null when not special.</summary>
    private protected virtual FrameScan? ScanNonFrame(ReadOnlySpan<byte> window, out int length)
    {
        length = 0;
        return null;
    }

    /// <summary>Where the next thing worth looking at (a sync byte, or what <see cref="ScanNonFrame"/> knows) starts.</summary>
    private protected virtual int IndexOfCandidate(ReadOnlySpan<byte> bytes) => bytes.IndexOf((byte)0xFF);

    private protected override FrameScan Scan(ReadOnlySpan<byte> window, out int length)
    {
        var special = ScanNonFrame(window, out length);
        if (special is not null)
        {
            return special.Value;
        }

        if (window[0] != 0xFF)
        {
            var next = IndexOfCandidate(window[1..]);
            length = next < 0 ? window.Length : next + 1;
            return FrameScan.Skip;
        }

        if (window.Length < HeaderSize)
        {
            return FrameScan.NeedMore;
        }

        if (!TryParseHeader(window, out var header))
        {
            return LoseSync(out length);
        }

        if (window.Length < header.Length + HeaderSize)
        {
            var lastFrame = IsCompleted && _locked && header.StreamKey == _streamKey && window.Length >= header.Length;
            length = header.Length;
            return lastFrame ? FrameScan.Frame : IsCompleted ? LoseSync(out length) : FrameScan.NeedMore;
        }

        if (TryParseHeader(window[header.Length..], out var following) && following.StreamKey == header.StreamKey)
        {
            _locked = true;
            _streamKey = header.StreamKey;
            length = header.Length;
            return FrameScan.Frame;
        }

        return LoseSync(out length);
    }

    private FrameScan LoseSync(out int length)
    {
        if (_locked)
        {
            _locked = false;
            Resyncs++;
        }

        length = 1;
        return FrameScan.Skip;
    }
}
