using System.Buffers.Binary;
using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Messaging;

/// <summary>
/// A title change on the station's audio subject, stamped with the stream offset it takes effect at.
/// </summary>
/// <remarks>
/// Titles share the audio subject so that NATS delivers them in order with the audio, to every edge: an edge that
/// applies a title when its ring reaches the stamped offset shows exactly what its listeners hear. They have their own
/// magic, <c>"BT"</c>, rather than a chunk flag: a reader that predates titles sees a message that is not a chunk
/// (<see cref="ChunkEnvelopeError.BadMagic"/>) and skips it, where an unknown flag on a chunk would have put the
/// title's bytes into its ring as audio. Ingests and edges can therefore be upgraded in any order.
/// Layout (integers big-endian):
/// <code>
///  0  2  magic "BT"
///  2  1  version (1)
///  3  1  header length H (48); later versions append fields and raise it, readers skip what they do not know
///  4  2  title length T (UTF-8 bytes, at most TitleChange.MaxTitleBytes)
///  6  2  url length U (at most TitleChange.MaxUrlBytes)
///  8  1  station length S
///  9  7  reserved, 0
/// 16  8  offset the title takes effect at
/// 24 16  session id (RFC 4122 byte order)
/// 40  8  when the ingest stamped it, Unix milliseconds
///  H  S  station, ASCII; then T bytes of title, then U bytes of url
/// </code>
/// </remarks>
public static class TitleEnvelope
{
    public const byte Version = 1;

    public const int HeaderSize = 48;

    /// <summary>Bytes a title message can take at most.</summary>
    public const int MaxSize = HeaderSize + StationName.MaxLength + TitleChange.MaxTitleBytes + TitleChange.MaxUrlBytes;

    private const byte MagicB = (byte)'B';
    private const byte MagicT = (byte)'T';

    /// <summary>True when the message is a title (its magic), whatever its version.</summary>
    public static bool IsTitle(ReadOnlySpan<byte> message) => message.Length >= 2 && message[0] == MagicB && message[1] == MagicT;

    /// <summary>Writes a title message; title and url are cut to their byte limits at a character boundary.</summary>
    public static int Write(Span<byte> destination, Guid session, long offset, DateTimeOffset stamped, ReadOnlySpan<byte> station, string title, string url)
    {
        if (station.IsEmpty || station.Length > StationName.MaxLength)
        {
            throw new ArgumentException($"station must be 1..{StationName.MaxLength} bytes", nameof(station));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var at = HeaderSize + station.Length;
        var titleLength = EncodeCut(title, destination[at..], TitleChange.MaxTitleBytes);
        var urlLength = EncodeCut(url, destination[(at + titleLength)..], TitleChange.MaxUrlBytes);
        destination[..HeaderSize].Clear();
        destination[0] = MagicB;
        destination[1] = MagicT;
        destination[2] = Version;
        destination[3] = HeaderSize;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)titleLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)urlLength);
        destination[8] = (byte)station.Length;
        BinaryPrimitives.WriteInt64BigEndian(destination[16..], offset);
        session.TryWriteBytes(destination[24..40], bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(destination[40..], stamped.ToUnixTimeMilliseconds());
        station.CopyTo(destination[HeaderSize..]);
        return at + titleLength + urlLength;
    }

    /// <summary>Reads a title message; false for anything malformed (never throws on bad input).</summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out Guid session, out long offset, out DateTimeOffset stamped, out ReadOnlySpan<byte> title, out ReadOnlySpan<byte> url)
    {
        stamped = default;
        session = default;
        offset = 0;
        title = default;
        url = default;
        if (message.Length < HeaderSize || !IsTitle(message) || message[2] != Version)
        {
            return false;
        }

        int headerLength = message[3];
        int titleLength = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int urlLength = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int stationLength = message[8];
        offset = BinaryPrimitives.ReadInt64BigEndian(message[16..]);
        if (headerLength < HeaderSize || offset < 0 || titleLength > TitleChange.MaxTitleBytes || urlLength > TitleChange.MaxUrlBytes
            || headerLength + stationLength + titleLength + urlLength != message.Length)
        {
            return false;
        }

        session = new Guid(message[24..40], bigEndian: true);
        var milliseconds = BinaryPrimitives.ReadInt64BigEndian(message[40..]);
        stamped = milliseconds is >= 0 and < 253_402_300_800_000 ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) : default;
        var at = headerLength + stationLength;
        title = message.Slice(at, titleLength);
        url = message.Slice(at + titleLength, urlLength);
        return true;
    }

    /// <summary>UTF-8 of <paramref name="text"/>, cut to at most <paramref name="limit"/> bytes without splitting a character.</summary>
    private static int EncodeCut(string text, Span<byte> destination, int limit)
    {
        var length = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var size = rune.Utf8SequenceLength;
            if (length + size > limit)
            {
                break;
            }

            length += rune.EncodeToUtf8(destination[length..]);
        }

        return length;
    }
}
