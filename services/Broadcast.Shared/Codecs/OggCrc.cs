namespace Broadcast.Shared.Codecs;

/// <summary>
/// The Ogg page checksum (RFC 3533 §6): CRC-32, polynomial 0x04C11DB7, initial value 0, no reflection,
/// no final XOR, computed over the whole page with the checksum field read as zero.
/// </summary>
internal static class OggCrc
{
    private const uint Polynomial = 0x04C11DB7;
    private const int ChecksumOffset = 22;

    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> page)
    {
        var crc = 0u;
        for (var i = 0; i < page.Length; i++)
        {
            var b = i is >= ChecksumOffset and < ChecksumOffset + 4 ? (byte)0 : page[i];
            crc = (crc << 8) ^ Table[(int)((crc >> 24) ^ b)];
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var r = i << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                r = (r & 0x80000000) != 0 ? (r << 1) ^ Polynomial : r << 1;
            }

            table[i] = r;
        }

        return table;
    }
}
