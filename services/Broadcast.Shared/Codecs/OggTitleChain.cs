using System.Buffers.Binary;
using System.Text;

namespace Broadcast.Shared.Codecs;

/// <summary>
/// Re-titles an Ogg Vorbis or Opus station in-band, for operators who ask for it: at a title change the stream gets
/// a new chain (a new serial number with the current chain's identification and setup headers and a new comment
/// header carrying the title), and the encoder's audio pages that follow are carried into that chain (serial, page
/// sequence and checksum rewritten; granule positions kept). Players that follow chained Ogg (VLC, mpv, ffmpeg) show
/// the title; browsers stall on chains, which is why this is off by default (research/features.md §3 #8).
/// One instance per source session; a page is rewritten into one scratch buffer, nothing is allocated per page.
/// </summary>
public sealed class OggTitleChain
{
    private const int PageHeaderSize = 27;
    private const byte ContinuedFlag = 0x01;
    private const byte BeginFlag = 0x02;
    private const byte EndFlag = 0x04;

    private readonly byte[] _page = new byte[OggPageFramer.MaxPageLength];
    private uint _serial;
    private uint _sequence;
    private uint _lastSerial;
    private uint _lastSequence;
    private long _lastGranule;

    /// <summary>True while the encoder's pages are carried into a chain this class began.</summary>
    public bool Active { get; private set; }

    /// <summary>The encoder began a chain of its own: its pages pass through unchanged from now on.</summary>
    public void Reset() => Active = false;

    /// <summary>
    /// The pages that end the current chain (an empty end-of-stream page) and begin a new one titled
    /// <paramref name="title"/>, built from the current chain's <paramref name="headerPages"/>; null when those are not
    /// a single Vorbis or Opus stream whose headers fit (then the title stays out of band).
    /// </summary>
    public byte[]? Begin(ReadOnlySpan<byte> headerPages, string title, uint serial)
    {
        var packets = Packets(headerPages);
        var vorbis = packets.Count >= 3 && packets[0].AsSpan().StartsWith("\u0001vorbis"u8);
        var opus = packets.Count >= 2 && packets[0].AsSpan().StartsWith("OpusHead"u8);
        if ((!vorbis && !opus) || serial == _lastSerial)
        {
            return null;
        }

        var comment = Comment(packets[1], title, vorbis);
        var pages = new byte[3 * OggPageFramer.MaxPageLength];
        var length = WritePage(pages, EndFlag, _lastGranule, _lastSerial, _lastSequence + 1, []);
        length += WritePage(pages.AsSpan(length), BeginFlag, 0, serial, 0, [packets[0]]);
        var second = WritePage(pages.AsSpan(length), 0, 0, serial, 1, vorbis ? [comment, packets[2]] : [comment]);
        if (second == 0)
        {
            return null;
        }

        (_serial, _sequence, Active) = (serial, 2, true);
        return pages[..(length + second)];
    }

    /// <summary>
    /// Notes an outgoing audio page and, while <see cref="Active"/>, rewrites it into the new chain. The result is valid
    /// until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Carry(ReadOnlySpan<byte> page)
    {
        if (page.Length < PageHeaderSize)
        {
            return page;
        }

        if (Active)
        {
            page.CopyTo(_page);
            var rewritten = _page.AsSpan(0, page.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(rewritten[14..], _serial);
            BinaryPrimitives.WriteUInt32LittleEndian(rewritten[18..], _sequence++);
            BinaryPrimitives.WriteUInt32LittleEndian(rewritten[22..], OggCrc.Compute(rewritten));
            Active = (rewritten[5] & EndFlag) == 0;
            page = rewritten;
        }

        _lastGranule = BinaryPrimitives.ReadInt64LittleEndian(page[6..]);
        _lastSerial = BinaryPrimitives.ReadUInt32LittleEndian(page[14..]);
        _lastSequence = BinaryPrimitives.ReadUInt32LittleEndian(page[18..]);
        return page;
    }

    /// <summary>The header packets of the chain (lacing values put back together); at most three are needed.</summary>
    private static List<byte[]> Packets(ReadOnlySpan<byte> pages)
    {
        var packets = new List<byte[]>(3);
        var current = new List<byte>();
        while (pages.Length >= PageHeaderSize && pages.StartsWith("OggS"u8) && packets.Count < 3)
        {
            int segments = pages[26];
            if (pages.Length < PageHeaderSize + segments)
            {
                break;
            }

            var body = PageHeaderSize + segments;
            foreach (var lacing in pages.Slice(PageHeaderSize, segments))
            {
                if (pages.Length < body + lacing)
                {
                    return packets;
                }

                current.AddRange(pages.Slice(body, lacing));
                body += lacing;
                if (lacing < 255)
                {
                    packets.Add([.. current]);
                    current.Clear();
                }
            }

            pages = pages[body..];
        }

        return packets;
    }

    /// <summary>A comment header with the old one's vendor string and one field, <c>TITLE=</c>.</summary>
    private static byte[] Comment(byte[] old, string title, bool vorbis)
    {
        var magic = vorbis ? "\u0003vorbis"u8 : "OpusTags"u8;
        var vendor = ReadOnlySpan<byte>.Empty;
        if (old.Length >= magic.Length + 4)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(old.AsSpan(magic.Length));
            if (length <= old.Length - magic.Length - 4)
            {
                vendor = old.AsSpan(magic.Length + 4, (int)length);
            }
        }

        var field = Encoding.UTF8.GetBytes("TITLE=" + title);
        var packet = new byte[magic.Length + 4 + vendor.Length + 4 + 4 + field.Length + (vorbis ? 1 : 0)];
        var at = 0;
        magic.CopyTo(packet);
        at += magic.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(at), (uint)vendor.Length);
        vendor.CopyTo(packet.AsSpan(at + 4));
        at += 4 + vendor.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(at), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(at + 4), (uint)field.Length);
        field.CopyTo(packet.AsSpan(at + 8));
        if (vorbis)
        {
            packet[^1] = 1; // the framing bit
        }

        return packet;
    }

    /// <summary>Writes one page holding whole packets; 0 when they need more than 255 lacing values.</summary>
    private static int WritePage(Span<byte> destination, byte flags, long granule, uint serial, uint sequence, byte[][] packets)
    {
        var segments = packets.Sum(p => (p.Length / 255) + 1);
        if (segments > 255)
        {
            return 0;
        }

        "OggS"u8.CopyTo(destination);
        destination[4] = 0;
        destination[5] = (byte)(flags & (BeginFlag | EndFlag) & ~ContinuedFlag);
        BinaryPrimitives.WriteInt64LittleEndian(destination[6..], granule);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[14..], serial);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[18..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[22..], 0);
        destination[26] = (byte)segments;
        var lacing = PageHeaderSize;
        var body = PageHeaderSize + segments;
        foreach (var packet in packets)
        {
            for (var left = packet.Length; left >= 0; left -= 255)
            {
                destination[lacing++] = (byte)Math.Min(left, 255);
                if (left < 255)
                {
                    break;
                }
            }

            packet.CopyTo(destination[body..]);
            body += packet.Length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination[22..], OggCrc.Compute(destination[..body]));
        return body;
    }
}
