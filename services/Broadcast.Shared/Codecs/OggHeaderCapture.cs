namespace Broadcast.Shared.Codecs;

/// <summary>
/// Keeps the header pages of the current Ogg chain, so a listener who joins late can be sent them
/// before any audio page. One buffer, allocated once; a chain whose headers do not fit is marked
/// <see cref="Overflowed"/> rather than grown.
/// </summary>
public sealed class OggHeaderCapture
{
    /// <summary>
    /// Vorbis setup headers are a few KiB, but comment headers can carry cover art (METADATA_BLOCK_PICTURE),
    /// so allow far more than the usual few KiB while keeping a hard bound.
    /// </summary>
    public const int DefaultCapacity = 256 * 1024;

    private readonly byte[] _buffer;
    private int _length;

    public OggHeaderCapture(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, OggPageFramer.MaxPageLength);
        _buffer = new byte[capacity];
    }

    /// <summary>The header pages of the current chain, in stream order.</summary>
    public ReadOnlySpan<byte> Pages => _buffer.AsSpan(0, _length);

    /// <summary>Goes up by one each time a new chain replaces the headers.</summary>
    public int Generation { get; private set; }

    /// <summary>True when the current chain's headers did not fit; late joiners cannot be served correctly.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Looks at a frame from <see cref="OggPageFramer"/>; keeps it if it is a header page. Returns true when kept.</summary>
    public bool Observe(in AudioFrame frame)
    {
        if (frame.StartsChain)
        {
            _length = 0;
            Overflowed = false;
            Generation++;
        }

        if (frame.Kind != FrameKind.OggHeader)
        {
            return false;
        }

        if (Overflowed || _length + frame.Data.Length > _buffer.Length)
        {
            Overflowed = true;
            return false;
        }

        frame.Data.CopyTo(_buffer.AsSpan(_length));
        _length += frame.Data.Length;
        return true;
    }
}
