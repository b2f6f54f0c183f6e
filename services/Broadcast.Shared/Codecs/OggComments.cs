using System.Buffers.Binary;
using System.Text;

namespace Broadcast.Shared.Codecs;

/// <summary>
/// Reads the title from an Ogg chain's comment header (Vorbis <c>\x03vorbis</c>, Opus <c>OpusTags</c>; the
/// Vorbis comment format: vendor string, then <c>KEY=value</c> pairs, lengths 32-bit little-endian). Encoders such
/// as ffmpeg and libshout-based ones start a new chain with new comments for each track.
/// </summary>
public static class OggComments
{
    /// <summary>Page header bytes before the segment table.</summary>
    private const int PageHeaderSize = 27;

    /// <summary>Most bytes of page bodies looked at: comment headers with cover art can be large; titles come first.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    private static ReadOnlySpan<byte> VorbisMagic => "\u0003vorbis"u8;

    private static ReadOnlySpan<byte> OpusMagic => "OpusTags"u8;

    /// <summary>
    /// The title of the chain whose header pages are <paramref name="headerPages"/>: <c>ARTIST - TITLE</c>, or whichever
    /// of the two is present; false when there is no comment header or it names neither.
    /// </summary>
    public static bool TryReadTitle(ReadOnlySpan<byte> headerPages, out string title)
    {
        title = string.Empty;
        var bodies = new byte[Math.Min(headerPages.Length, MaxBodyBytes)];
        var length = CollectBodies(headerPages, bodies);
        var packet = bodies.AsSpan(0, length);
        var at = packet.IndexOf(VorbisMagic);
        var magic = VorbisMagic.Length;
        if (at < 0)
        {
            at = packet.IndexOf(OpusMagic);
            magic = OpusMagic.Length;
        }

        if (at < 0)
        {
            return false;
        }

        var (artist, name) = ReadFields(packet[(at + magic)..]);
        title = artist.Length > 0 && name.Length > 0 ? $"{artist} - {name}" : artist + name;
        return title.Length > 0;
    }

    /// <summary>Concatenates page bodies (pages as the framer delivered them, one after another).</summary>
    private static int CollectBodies(ReadOnlySpan<byte> pages, Span<byte> destination)
    {
        var written = 0;
        while (pages.Length >= PageHeaderSize && pages.StartsWith("OggS"u8))
        {
            int segments = pages[26];
            if (pages.Length < PageHeaderSize + segments)
            {
                break;
            }

            var bodyLength = 0;
            foreach (var lacing in pages.Slice(PageHeaderSize, segments))
            {
                bodyLength += lacing;
            }

            var headerLength = PageHeaderSize + segments;
            if (pages.Length < headerLength + bodyLength)
            {
                break;
            }

            var take = Math.Min(bodyLength, destination.Length - written);
            pages.Slice(headerLength, take).CopyTo(destination[written..]);
            written += take;
            pages = pages[(headerLength + bodyLength)..];
        }

        return written;
    }

    private static (string Artist, string Title) ReadFields(ReadOnlySpan<byte> comments)
    {
        var (artist, title) = (string.Empty, string.Empty);
        if (!TrySkip(ref comments) || comments.Length < 4)
        {
            return (artist, title);
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(comments);
        comments = comments[4..];
        for (var i = 0u; i < count && comments.Length >= 4; i++)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(comments);
            if (length > comments.Length - 4)
            {
                break;
            }

            var field = comments.Slice(4, (int)length);
            comments = comments[(4 + (int)length)..];
            var equals = field.IndexOf((byte)'=');
            if (equals <= 0)
            {
                continue;
            }

            var key = Encoding.ASCII.GetString(field[..equals]);
            var value = Encoding.UTF8.GetString(field[(equals + 1)..]).Trim();
            if (key.Equals("TITLE", StringComparison.OrdinalIgnoreCase) && title.Length == 0)
            {
                title = value;
            }
            else if (key.Equals("ARTIST", StringComparison.OrdinalIgnoreCase) && artist.Length == 0)
            {
                artist = value;
            }
        }

        return (artist, title);
    }

    /// <summary>Skips the vendor string.</summary>
    private static bool TrySkip(ref ReadOnlySpan<byte> comments)
    {
        if (comments.Length < 4)
        {
            return false;
        }

        var vendor = BinaryPrimitives.ReadUInt32LittleEndian(comments);
        if (vendor > comments.Length - 4)
        {
            return false;
        }

        comments = comments[(4 + (int)vendor)..];
        return true;
    }
}
