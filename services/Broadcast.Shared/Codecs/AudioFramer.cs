namespace Broadcast.Shared.Codecs;

/// <summary>
/// Incremental framer: feed bytes split anywhere, take whole frames out. One fixed buffer, allocated
/// once, sized for the codec's largest frame; garbage is skipped and counted, never thrown or kept.
/// </summary>
/// <remarks>
/// Use as a loop: <c>while (!input.IsEmpty) { input = input[framer.Feed(input)..]; while (framer.TryReadFrame(out var f)) { … } }</c>.
/// Every decision depends only on the bytes, never on how they were split (the fuzz tests check it),
/// because a scanner answers <see cref="FrameScan.NeedMore"/> until it holds all the bytes it looks at.
/// </remarks>
public abstract class AudioFramer
{
    private readonly byte[] _buffer;
    private int _start;
    private int _end;
    private long _pendingSkip;

    protected AudioFramer(int bufferSize)
    {
        _buffer = new byte[bufferSize];
    }

    /// <summary>Bytes dropped so far: garbage between frames, tags, broken frames or pages.</summary>
    public long SkippedBytes { get; private set; }

    /// <summary>Times the framer lost sync on data that looked like a frame and had to search again.</summary>
    public long Resyncs { get; protected set; }

    /// <summary>True after <see cref="Complete"/>: no more input will come.</summary>
    protected bool IsCompleted { get; private set; }

    /// <summary>Frames handed out so far.</summary>
    public long Frames { get; private set; }

    /// <summary>Bytes fed so far.</summary>
    public long BytesIn { get; private set; }

    /// <summary>Bytes buffered but not yet handed out as a frame (never more than the buffer size).</summary>
    public int Buffered => _end - _start;

    /// <summary>Copies as much of <paramref name="input"/> as fits; returns how many bytes were taken.</summary>
    public int Feed(ReadOnlySpan<byte> input)
    {
        var taken = 0;
        if (_pendingSkip > 0)
        {
            taken = (int)Math.Min(_pendingSkip, input.Length);
            _pendingSkip -= taken;
            SkippedBytes += taken;
            input = input[taken..];
        }

        if (_start > 0 && _buffer.Length - _end < input.Length)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var copied = Math.Min(input.Length, _buffer.Length - _end);
        input[..copied].CopyTo(_buffer.AsSpan(_end));
        _end += copied;
        BytesIn += taken + copied;
        return taken + copied;
    }

    /// <summary>Hands out the next whole frame, or returns false when more input is needed.</summary>
    public bool TryReadFrame(out AudioFrame frame)
    {
        while (_end > _start)
        {
            var window = new ReadOnlySpan<byte>(_buffer, _start, _end - _start);
            var scan = Scan(window, out var length);
            if (scan == FrameScan.Frame)
            {
                frame = Describe(window[..length]);
                _start += length;
                Frames++;
                return true;
            }

            if (scan == FrameScan.Skip)
            {
                Drop(length);
                continue;
            }

            if (_start == 0 && _end == _buffer.Length)
            {
                // The scanner wants more than the largest frame: what it sees cannot be a frame.
                Resyncs++;
                Drop(1);
                continue;
            }

            break;
        }

        frame = default;
        return false;
    }

    /// <summary>
    /// Says the stream has ended, so a final frame that cannot be confirmed by a following one may be
    /// handed out by the next <see cref="TryReadFrame"/> calls.
    /// </summary>
    public void Complete() => IsCompleted = true;

    /// <summary>Forgets buffered bytes and state, as at the start of a new stream.</summary>
    public virtual void Reset()
    {
        IsCompleted = false;
        _start = 0;
        _end = 0;
        _pendingSkip = 0;
    }

    /// <summary>Judges the front of <paramref name="window"/>; sets <paramref name="length"/> for Skip and Frame.</summary>
    private protected abstract FrameScan Scan(ReadOnlySpan<byte> window, out int length);

    /// <summary>Builds the frame description for bytes <see cref="Scan"/> accepted, updating codec state.</summary>
    private protected abstract AudioFrame Describe(ReadOnlySpan<byte> frame);

    private void Drop(int length)
    {
        var available = _end - _start;
        if (length <= available)
        {
            _start += length;
            SkippedBytes += length;
            return;
        }

        SkippedBytes += available;
        _pendingSkip = length - available;
        _start = 0;
        _end = 0;
    }
}
