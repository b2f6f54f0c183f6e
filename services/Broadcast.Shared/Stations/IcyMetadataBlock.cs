using System.Text;

namespace Broadcast.Shared.Stations;

/// <summary>
/// Icecast's in-band metadata for <c>Icy-MetaData: 1</c> listeners (research/features.md §2.2): after every
/// <c>icy-metaint</c> audio bytes, one length byte N, then N × 16 bytes of <c>StreamTitle='…';StreamUrl='…';</c>
/// padded with NULs. A listener that already has the current title gets a single zero byte instead.
/// </summary>
public static class IcyMetadataBlock
{
    /// <summary>Icecast's default <c>icy-metaint</c>: 16000 audio bytes between blocks.</summary>
    public const int DefaultInterval = 16000;

    /// <summary>The largest block: the length byte can say at most 255 × 16 bytes.</summary>
    public const int MaxBlockBytes = 1 + (255 * 16);

    /// <summary>The block that says "no change since the last block".</summary>
    public static ReadOnlyMemory<byte> Unchanged { get; } = new byte[] { 0 };

    /// <summary>The block for a station with no title yet, as Icecast sends it: <c>StreamTitle='';</c>.</summary>
    public static byte[] Empty { get; } = Build(string.Empty, string.Empty);

    /// <summary>Builds the block for a title (and URL, when not empty); allocated once per title change, shared by every listener.</summary>
    public static byte[] Build(string title, string url)
    {
        var text = new StringBuilder("StreamTitle='").Append(title).Append("';");
        if (url.Length > 0)
        {
            text.Append("StreamUrl='").Append(url).Append("';");
        }

        var content = Encoding.UTF8.GetBytes(text.ToString());
        var length = Math.Min(content.Length, MaxBlockBytes - 1);
        var units = (length + 15) / 16;
        var block = new byte[1 + (units * 16)];
        block[0] = (byte)units;
        content.AsSpan(0, length).CopyTo(block.AsSpan(1));
        return block;
    }
}
