using System.Buffers.Binary;

namespace Broadcast.Shared.Messaging;

/// <summary>
/// The payload of a burst reply (a chunk with <see cref="ChunkFlags.Burst"/>): a 4-byte big-endian length of
/// the Ogg header pages (0 for other codecs), those pages, then recent audio starting at the chunk's offset.
/// </summary>
public static class BurstReply
{
    public const int PrefixSize = 4;

    public static int Write(Span<byte> destination, ReadOnlySpan<byte> oggHeaders)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, oggHeaders.Length);
        oggHeaders.CopyTo(destination[PrefixSize..]);
        return PrefixSize + oggHeaders.Length;
    }

    public static bool TryRead(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> oggHeaders, out ReadOnlySpan<byte> audio)
    {
        oggHeaders = default;
        audio = default;
        if (payload.Length < PrefixSize)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(payload);
        if (length < 0 || length > payload.Length - PrefixSize)
        {
            return false;
        }

        oggHeaders = payload.Slice(PrefixSize, length);
        audio = payload[(PrefixSize + length)..];
        return true;
    }
}
