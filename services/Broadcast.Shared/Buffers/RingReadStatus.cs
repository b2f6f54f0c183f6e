namespace Broadcast.Shared.Buffers;

/// <summary>The outcome of one read from a <see cref="StationRingBuffer"/>.</summary>
public enum RingReadStatus
{
    /// <summary>Bytes were copied and are exactly what the writer appended at those offsets.</summary>
    Data,

    /// <summary>The cursor is at the newest byte; nothing to read yet.</summary>
    CaughtUp,

    /// <summary>The cursor's bytes were overwritten (or are being overwritten): the reader fell too far behind.</summary>
    Lagged,

    /// <summary>The cursor is past the newest byte: not a position in this stream (yet).</summary>
    Ahead,
}
