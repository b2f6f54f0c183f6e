using System.Buffers.Binary;

namespace Broadcast.ServiceDefaults.Listeners.Mux;

/// <summary>What a frame on a gateway–edge mux connection is (<see cref="MuxFrames"/>).</summary>
public enum MuxKind : byte
{
    /// <summary>Gateway → edge: a listener's request; the payload is its HTTP/1.0 request head.</summary>
    Open = 1,

    /// <summary>Gateway → edge: the listener took this many more bytes (4 bytes, little-endian); the edge may send as many.</summary>
    Credit = 2,

    /// <summary>Gateway → edge: the listener left; the edge ends its stream (and answers with <see cref="End"/>).</summary>
    Close = 3,

    /// <summary>Edge → gateway: bytes of the listener's response (head, then stream), never more than its credit.</summary>
    Data = 4,

    /// <summary>Edge → gateway: the response ended, as a closed connection ends it on a listener's own socket.</summary>
    End = 5,
}

/// <summary>
/// The gateway–edge mux (issue #17): many relayed listeners on one TCP connection per edge, so the gateway holds one file
/// per listener (its client's) instead of two, and the edge none. The connection starts as an HTTP/1.1 upgrade
/// (<see cref="Path"/>, <c>Upgrade: broadcast-mux/1</c>, answered 101); then each side sends frames of a 9-byte head
/// (kind, stream id as uint32, payload length as uint32, little-endian) and the payload. Each listener's response is
/// exactly the bytes the edge would write on the listener's own connection, so the gateway parses and relays it as it
/// does those. Flow is per listener: the edge sends no more than the credit the gateway gave
/// (<see cref="InitialCredit"/>, then what the listener took), so one slow listener holds at most that here and
/// never the connection.
/// </summary>
public static class MuxFrames
{
    public const int HeadBytes = 9;

    /// <summary>Largest payload; a longer frame ends the connection.</summary>
    public const int MaxPayload = 64 * 1024;

    /// <summary>Bytes an edge may send a listener before the gateway returns credit (the listener's whole window).</summary>
    public const int InitialCredit = 64 * 1024;

    /// <summary>
    /// Streams one connection may carry at once: about the most listeners an edge serves under a 20,000-file limit. Mux
    /// streams take no file, so without this bound one peer could open listeners past what the file limit caps for
    /// everyone else; an Open past it is answered 503.
    /// </summary>
    public const int MaxStreams = 20_000;

    public const string Path = "/.broadcast/mux";

    public const string Protocol = "broadcast-mux/1";

    /// <summary>The edge's answer to the upgrade.</summary>
    public static ReadOnlySpan<byte> Accepted => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: broadcast-mux/1\r\nConnection: Upgrade\r\n\r\n"u8;

    /// <summary>The start of the upgrade request (its request line).</summary>
    public static ReadOnlySpan<byte> RequestLine => "GET /.broadcast/mux HTTP/1.1\r\n"u8;

    public static void WriteHead(Span<byte> destination, MuxKind kind, uint id, int length)
    {
        destination[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], id);
        BinaryPrimitives.WriteInt32LittleEndian(destination[5..], length);
    }

    /// <summary>Reads a frame head; false when the length is out of bounds or the kind unknown (the peer is not speaking the mux).</summary>
    public static bool TryReadHead(ReadOnlySpan<byte> source, out MuxKind kind, out uint id, out int length)
    {
        kind = (MuxKind)source[0];
        id = BinaryPrimitives.ReadUInt32LittleEndian(source[1..]);
        length = BinaryPrimitives.ReadInt32LittleEndian(source[5..]);
        return kind is >= MuxKind.Open and <= MuxKind.End && length is >= 0 and <= MaxPayload;
    }
}
