using System.Buffers.Binary;
using Broadcast.Shared.Stations;

namespace Broadcast.Shared.Messaging;

/// <summary>
/// Binary layout of an audio chunk on NATS. Fixed fields first, then the station name, then the payload.
/// Writing and reading touch only the caller's spans: nothing is allocated per chunk.
/// </summary>
/// <remarks>
/// Version 1 (all integers big-endian):
/// <code>
///  0  2  magic "BC"
///  2  1  major version (1); a reader refuses any other major version
///  3  1  header length H: where the station starts. Later minor versions append fields and raise H;
///        older readers skip them, so the format evolves without a flag day
///  4  1  codec (AudioCodec)
///  5  1  flags (ChunkFlags)
///  6  1  station length S (1..StationName.MaxLength)
///  7  1  reserved, 0
///  8  8  offset
/// 16  8  sequence
/// 24 16  session id (RFC 4122 byte order)
/// 40 25  trace context, present only when ChunkFlags.TraceContext is set
///  T  8  receive time at the ingest, unix microseconds (minor addition: present when H is 8 past the above;
///        older readers skip it with the rest of the header)
///  H  S  station name, ASCII
/// H+S    payload
/// </code>
/// The trace context rides in the body rather than NATS headers because NATS headers are a
/// dictionary object per message (research/dotnet.md §5.2).
/// </remarks>
public static class ChunkEnvelope
{
    public const byte Version = 1;

    /// <summary>Bytes before the station when no trace context is present.</summary>
    public const int FixedHeaderSize = 40;

    /// <summary>The largest envelope overhead a version-1 writer produces.</summary>
    public const int MaxOverhead = FixedHeaderSize + ChunkTraceContext.Size + ReceivedSize + StationName.MaxLength;

    /// <summary>The receive time's bytes, after the fixed header and any trace context.</summary>
    public const int ReceivedSize = 8;

    private const byte MagicB = (byte)'B';
    private const byte MagicC = (byte)'C';

    /// <summary>A time as the envelope's receive time carries it: microseconds since the Unix epoch.</summary>
    public static long UnixMicroseconds(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>Bytes needed to write a chunk with this station and payload length.</summary>
    public static int GetSize(in ChunkHeader header, int stationLength, int payloadLength) =>
        HeaderLength(header) + stationLength + payloadLength;

    /// <summary>Writes header, station and payload into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The destination is too small or the station is not 1..64 bytes.</exception>
    public static int Write(Span<byte> destination, in ChunkHeader header, ReadOnlySpan<byte> station, ReadOnlySpan<byte> payload)
    {
        var payloadAt = WriteHeader(destination, header, station, payload.Length);
        payload.CopyTo(destination[payloadAt..]);
        return payloadAt + payload.Length;
    }

    /// <summary>
    /// Writes header and station only, for callers that build the payload in place after it
    /// (the ingest batches frames straight behind the header). Returns where the payload starts.
    /// </summary>
    public static int WriteHeader(Span<byte> destination, in ChunkHeader header, ReadOnlySpan<byte> station, int payloadLength)
    {
        if (station.IsEmpty || station.Length > StationName.MaxLength)
        {
            throw new ArgumentException($"station must be 1..{StationName.MaxLength} bytes", nameof(station));
        }

        if (header.Offset < 0)
        {
            throw new ArgumentException("offset must not be negative", nameof(header));
        }

        var headerLength = HeaderLength(header);
        if (destination.Length < headerLength + station.Length + payloadLength)
        {
            throw new ArgumentException("destination too small for the chunk", nameof(destination));
        }

        destination[0] = MagicB;
        destination[1] = MagicC;
        destination[2] = Version;
        destination[3] = (byte)headerLength;
        destination[4] = (byte)header.Codec;
        destination[5] = (byte)header.Flags;
        destination[6] = (byte)station.Length;
        destination[7] = 0;
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], header.Offset);
        BinaryPrimitives.WriteInt64BigEndian(destination[16..], header.Sequence);
        header.SessionId.TryWriteBytes(destination[24..40], bigEndian: true, out _);
        if ((header.Flags & ChunkFlags.TraceContext) != 0)
        {
            header.Trace.Write(destination[FixedHeaderSize..]);
        }

        if (header.Received != 0)
        {
            BinaryPrimitives.WriteInt64BigEndian(destination[HeaderLength(header.Flags)..], header.Received);
        }

        station.CopyTo(destination[headerLength..]);
        return headerLength + station.Length;
    }

    /// <summary>Reads a chunk. Never throws on bad input: it says what was wrong instead.</summary>
    public static ChunkEnvelopeError TryRead(ReadOnlySpan<byte> message, out ChunkMessage chunk)
    {
        chunk = default;
        if (message.Length < FixedHeaderSize)
        {
            return ChunkEnvelopeError.TooShort;
        }

        if (message[0] != MagicB || message[1] != MagicC)
        {
            return ChunkEnvelopeError.BadMagic;
        }

        if (message[2] != Version)
        {
            return ChunkEnvelopeError.UnsupportedVersion;
        }

        var flags = (ChunkFlags)message[5];
        int headerLength = message[3];
        if (headerLength < HeaderLength(flags) || headerLength > message.Length)
        {
            return ChunkEnvelopeError.BadHeaderLength;
        }

        int stationLength = message[6];
        if (stationLength == 0 || stationLength > StationName.MaxLength || headerLength + stationLength > message.Length)
        {
            return ChunkEnvelopeError.BadStation;
        }

        var offset = BinaryPrimitives.ReadInt64BigEndian(message[8..]);
        if (offset < 0)
        {
            return ChunkEnvelopeError.NegativeOffset;
        }

        var trace = (flags & ChunkFlags.TraceContext) != 0
            ? ChunkTraceContext.Read(message[FixedHeaderSize..])
            : default;
        var known = HeaderLength(flags);
        var received = headerLength >= known + ReceivedSize ? BinaryPrimitives.ReadInt64BigEndian(message[known..]) : 0;
        var header = new ChunkHeader(
            new Guid(message[24..40], bigEndian: true),
            offset,
            BinaryPrimitives.ReadInt64BigEndian(message[16..]),
            (AudioCodec)message[4],
            flags,
            trace,
            received);
        chunk = new ChunkMessage(
            header,
            message.Slice(headerLength, stationLength),
            message[(headerLength + stationLength)..]);
        return ChunkEnvelopeError.None;
    }

    private static int HeaderLength(in ChunkHeader header) => HeaderLength(header.Flags) + (header.Received != 0 ? ReceivedSize : 0);

    private static int HeaderLength(ChunkFlags flags) =>
        (flags & ChunkFlags.TraceContext) != 0 ? FixedHeaderSize + ChunkTraceContext.Size : FixedHeaderSize;
}
