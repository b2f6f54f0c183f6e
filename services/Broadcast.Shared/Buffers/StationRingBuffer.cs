namespace Broadcast.Shared.Buffers;

/// <summary>
/// One station's recent stream: a contiguous buffer allocated once, written with wrap-around by one writer,
/// read by any number of listeners, each of which is only a cursor (an absolute byte offset).
/// </summary>
/// <remarks>
/// <para>Offsets are absolute positions in the source session's stream, so a cursor means the same byte on
/// every edge (DESIGN.md, "The station stream and its byte clock"). The buffer holds offsets
/// <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive).</para>
/// <para>Lock-free protocol. The writer raises <see cref="Start"/> past every byte it is about to overwrite,
/// issues a full fence, copies, then publishes <see cref="End"/>. A reader copies, issues a full fence, and
/// re-reads <see cref="Start"/>: if its cursor is now below it, some copied byte may be new data and the
/// read is discarded as <see cref="RingReadStatus.Lagged"/>. A reader therefore never returns a byte that was
/// overwritten under it; the concurrent stress test checks every byte served.</para>
/// <para>Appending and reading allocate nothing. The bytes live in a managed array or, for rings that must give
/// their memory back the moment they are freed, in a <see cref="MappedRegion"/>; then <see cref="Dispose"/> unmaps it.</para>
/// </remarks>
public sealed class StationRingBuffer : IDisposable
{
    /// <summary>Sync-point frames remembered for burst and resync; 4096 MP3 frames ≈ 107 s at 44.1 kHz.</summary>
    public const int DefaultIndexCapacity = 4096;

    private readonly byte[]? _array;
    private readonly MappedRegion? _region;
    private readonly int _capacity;
    private readonly FrameIndex _index;
    private long _start;
    private long _end;
    private long _endTime;

    /// <param name="capacity">Bytes held; a few MiB is one to two minutes of 128–320 kbit/s audio.</param>
    /// <param name="initialOffset">Offset of the first byte that will be appended (0 for a new session).</param>
    /// <param name="indexCapacity">How many recent sync-point frames are indexed.</param>
    /// <param name="mapped">True to hold the bytes in an mmap-ed region (see <see cref="MappedRegion"/>) instead of a managed array.</param>
    public StationRingBuffer(int capacity, long initialOffset = 0, int indexCapacity = DefaultIndexCapacity, bool mapped = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(initialOffset);
        _capacity = capacity;
        if (mapped)
        {
            _region = MappedRegion.Map(capacity);
        }
        else
        {
            _array = GC.AllocateUninitializedArray<byte>(capacity);
        }

        _index = new FrameIndex(indexCapacity);
        _start = initialOffset;
        _end = initialOffset;
    }

    public int Capacity => _capacity;

    /// <summary>True when the bytes are in a mapped region, released by <see cref="Dispose"/>.</summary>
    public bool IsMapped => _region is not null;

    /// <summary>The oldest offset still held.</summary>
    public long Start => Volatile.Read(ref _start);

    /// <summary>The offset the next appended byte will have.</summary>
    public long End => Volatile.Read(ref _end);

    /// <summary>Media time at <see cref="End"/>, in microseconds, summed from appended frame durations.</summary>
    public long EndTime => Volatile.Read(ref _endTime);

    /// <summary>Writer only. Appends one whole frame (or page) at <see cref="End"/>.</summary>
    /// <param name="frame">The frame's bytes; at most <see cref="Capacity"/>.</param>
    /// <param name="durationMicroseconds">The frame's duration, for bursts measured in time; 0 if unknown.</param>
    /// <param name="syncPoint">True when a listener may start at this frame.</param>
    public void Append(ReadOnlySpan<byte> frame, long durationMicroseconds = 0, bool syncPoint = true)
    {
        if (frame.Length > _capacity)
        {
            throw new ArgumentException($"frame of {frame.Length} bytes exceeds ring capacity {_capacity}", nameof(frame));
        }

        using var data = new DataLease(this);

        var end = _end;
        var newEnd = end + frame.Length;
        if (newEnd - _start > _capacity)
        {
            Volatile.Write(ref _start, newEnd - _capacity);
            Interlocked.MemoryBarrier();
        }

        var at = (int)(end % _capacity);
        var first = Math.Min(frame.Length, _capacity - at);
        frame[..first].CopyTo(data.Span[at..]);
        frame[first..].CopyTo(data.Span);
        if (syncPoint)
        {
            _index.Add(end, _endTime);
        }

        Volatile.Write(ref _endTime, _endTime + Math.Max(0, durationMicroseconds));
        Volatile.Write(ref _end, newEnd);
    }

    /// <summary>
    /// Writer only. Marks a discontinuity: bytes before <paramref name="offset"/> are gone (lost chunks, a
    /// new Ogg chain) and bursts may start only at frames appended after this call.
    /// </summary>
    public void Discontinue(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, _end);
        _index.Clear();
        Volatile.Write(ref _start, offset);
        Interlocked.MemoryBarrier();
        Volatile.Write(ref _end, offset);
    }

    /// <summary>Copies bytes from <paramref name="cursor"/> into <paramref name="destination"/>.</summary>
    public RingReadStatus TryRead(long cursor, Span<byte> destination, out int bytesRead)
    {
        bytesRead = 0;
        var end = Volatile.Read(ref _end);
        if (cursor > end)
        {
            return RingReadStatus.Ahead;
        }

        if (cursor < Volatile.Read(ref _start))
        {
            return RingReadStatus.Lagged;
        }

        if (cursor == end || destination.IsEmpty)
        {
            return RingReadStatus.CaughtUp;
        }

        var length = (int)Math.Min(end - cursor, destination.Length);
        var at = (int)(cursor % _capacity);
        var first = Math.Min(length, _capacity - at);
        using (var data = new DataLease(this))
        {
            data.Span.Slice(at, first).CopyTo(destination);
            data.Span[..(length - first)].CopyTo(destination[first..]);
        }

        Interlocked.MemoryBarrier();
        if (cursor < Volatile.Read(ref _start))
        {
            return RingReadStatus.Lagged;
        }

        bytesRead = length;
        return RingReadStatus.Data;
    }

    /// <summary>
    /// The bytes from <paramref name="cursor"/>, at most <paramref name="maximum"/> and up to the wrap, as memory to send
    /// from without a copy: the ring's own memory, kept mapped while <paramref name="lease"/> is held (dispose it after
    /// the send). The bytes may be overwritten while they are being sent when the writer laps the cursor; ask
    /// <see cref="IsStillHeld"/> after the send, and treat false as <see cref="RingReadStatus.Lagged"/>.
    /// </summary>
    public RingReadStatus TryPeek(long cursor, int maximum, out ReadOnlyMemory<byte> data, out RingLease lease)
    {
        data = default;
        lease = default;
        var end = Volatile.Read(ref _end);
        if (cursor > end)
        {
            return RingReadStatus.Ahead;
        }

        if (cursor < Volatile.Read(ref _start))
        {
            return RingReadStatus.Lagged;
        }

        if (cursor == end || maximum <= 0)
        {
            return RingReadStatus.CaughtUp;
        }

        var at = (int)(cursor % _capacity);
        var length = (int)Math.Min(Math.Min(end - cursor, maximum), _capacity - at);
        lease = new RingLease(_region);
        data = (_region is null ? _array.AsMemory() : _region.UnsafeMemory).Slice(at, length);
        return RingReadStatus.Data;
    }

    /// <summary>
    /// After sending what <see cref="TryPeek"/> gave for <paramref name="cursor"/>: true when the writer has not begun to
    /// overwrite it (it raises <see cref="Start"/> before it writes), so every byte sent was the stream's.
    /// </summary>
    public bool IsStillHeld(long cursor)
    {
        Interlocked.MemoryBarrier();
        return cursor >= Volatile.Read(ref _start);
    }

    /// <summary>How far <paramref name="cursor"/> is behind the newest byte.</summary>
    public long GetLag(long cursor) => End - cursor;

    /// <summary>True when <paramref name="cursor"/> points at bytes no longer held.</summary>
    public bool IsLagging(long cursor) => cursor < Start;

    /// <summary>
    /// Where a new listener starts: the newest sync-point frame at least <paramref name="bytesBack"/> bytes before
    /// <see cref="End"/>, or the oldest one held when the ring has less. <see cref="End"/> when no frame is indexed.
    /// </summary>
    public long FindBurstStart(long bytesBack)
    {
        var end = End;
        return _index.TryFind(Start, end - Math.Max(0, bytesBack), long.MaxValue, out var offset) ? offset : end;
    }

    /// <summary>As <see cref="FindBurstStart"/>, measured in media time instead of bytes.</summary>
    public long FindBurstStartByDuration(TimeSpan back)
    {
        var end = End;
        var maximumTime = EndTime - (long)Math.Max(0, back.TotalMicroseconds);
        return _index.TryFind(Start, end, maximumTime, out var offset) ? offset : end;
    }

    /// <summary>The newest sync point: where a lagging listener is resynced to. <see cref="End"/> if none.</summary>
    public long NewestSyncPoint() => FindBurstStart(0);

    /// <summary>Unmaps a mapped ring (after any read under way); a managed ring is left to the GC.</summary>
    public void Dispose() => _region?.Dispose();

    /// <summary>The ring's bytes for one access; holds a reference on a mapped region so it cannot be unmapped meanwhile.</summary>
    private ref struct DataLease
    {
        private readonly MappedRegion? _region;
        private bool _referenced;

        public DataLease(StationRingBuffer ring)
        {
            _region = ring._region;
            if (_region is null)
            {
                Span = ring._array;
                return;
            }

            _region.DangerousAddRef(ref _referenced); // throws ObjectDisposedException once the ring was released
            Span = _region.UnsafeSpan;
        }

        public Span<byte> Span { get; }

        public void Dispose()
        {
            if (_referenced)
            {
                _region!.DangerousRelease();
                _referenced = false;
            }
        }
    }

    /// <summary>A reference on a mapped ring's memory for the length of one send (nothing to hold for a managed ring).</summary>
    public struct RingLease : IDisposable
    {
        private MappedRegion? _region;

        internal RingLease(MappedRegion? region)
        {
            var referenced = false;
            region?.DangerousAddRef(ref referenced); // throws ObjectDisposedException once the ring was released
            _region = referenced ? region : null;
        }

        public void Dispose()
        {
            _region?.DangerousRelease();
            _region = null;
        }
    }
}
