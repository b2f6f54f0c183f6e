namespace Broadcast.Shared.Buffers;

/// <summary>
/// The start offsets (and media times) of recent sync-point frames, in a fixed circular array. One writer;
/// readers validate every entry they read against the write count, like a sequence lock, so a reader never
/// trusts an entry that was being overwritten while it read.
/// </summary>
internal sealed class FrameIndex
{
    private readonly long[] _offsets;
    private readonly long[] _times;
    private long _count;
    private long _floor;

    public FrameIndex(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _offsets = new long[capacity];
        _times = new long[capacity];
    }

    public int Capacity => _offsets.Length;

    /// <summary>Writer only. Records a sync-point frame starting at <paramref name="offset"/>.</summary>
    public void Add(long offset, long time)
    {
        // Make the previous count visible before this slot changes, so a reader that sees the new
        // slot values also sees a count that marks the slot as in flux.
        Interlocked.MemoryBarrier();
        var count = _count;
        var slot = (int)(count % _offsets.Length);
        _offsets[slot] = offset;
        _times[slot] = time;
        Volatile.Write(ref _count, count + 1);
    }

    /// <summary>Writer only. Forgets all entries: later searches see only frames added after this.</summary>
    public void Clear() => Volatile.Write(ref _floor, Volatile.Read(ref _count));

    /// <summary>
    /// The newest entry whose offset is at least <paramref name="minimumOffset"/> and whose offset is at most
    /// <paramref name="maximumOffset"/> and time at most <paramref name="maximumTime"/>; failing that, the oldest entry
    /// at or above <paramref name="minimumOffset"/>. Returns false when there is no usable entry.
    /// </summary>
    public bool TryFind(long minimumOffset, long maximumOffset, long maximumTime, out long offset)
    {
        offset = 0;
        var count = Volatile.Read(ref _count);
        var floor = Math.Max(Volatile.Read(ref _floor), count - _offsets.Length + 1);
        var found = false;
        for (var k = count - 1; k >= floor; k--)
        {
            var slot = (int)(k % _offsets.Length);
            var candidate = _offsets[slot];
            var time = _times[slot];
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _count) - k >= _offsets.Length || candidate < minimumOffset)
            {
                break; // overwritten under us, or older than what the ring still holds
            }

            offset = candidate;
            found = true;
            if (candidate <= maximumOffset && time <= maximumTime)
            {
                return true;
            }
        }

        return found;
    }
}
