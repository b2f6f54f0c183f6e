using System.Buffers.Binary;

namespace Broadcast.Shared.Codecs;

/// <summary>
/// MPEG audio frames: MPEG-1, MPEG-2 and MPEG-2.5, Layers I, II and III (MP3). Skips ID3v2 tags and marks
/// the Xing/Info/VBRI header frame an encoder writes first, which holds no sound.
/// </summary>
/// <remarks>Header layout and tables: ISO/IEC 11172-3 §2.4.2.3 and 13818-3 §2.4.2.3. Free-format bitrate is refused.</remarks>
public sealed class MpegAudioFramer : SyncWordFramer
{
    /// <summary>
    /// The largest frame is Layer II at 160 kbit/s and 8 kHz (MPEG-2.5): 144 × 160000 / 8000 + 1 = 2881 bytes.
    /// The buffer holds that plus the following header, rounded up.
    /// </summary>
    public const int MaxFrameLength = 2881;

    private const int BufferSize = 8192;
    private const int Id3HeaderSize = 10;

    public MpegAudioFramer()
        : base(BufferSize)
    {
    }

    private protected override int HeaderSize => 4;

    // kbit/s by [table][index]; tables: V1 L1, V1 L2, V1 L3, V2/2.5 L1, V2/2.5 L2 and L3.
    private static ReadOnlySpan<short> Bitrates =>
    [
        0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160,
    ];

    private static ReadOnlySpan<int> SampleRates => [44100, 48000, 32000];

    private protected override bool TryParseHeader(ReadOnlySpan<byte> bytes, out SyncFrameHeader header) => ParseHeader(bytes, out header);

    internal static bool ParseHeader(ReadOnlySpan<byte> bytes, out SyncFrameHeader header)
    {
        header = default;
        var word = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var version = (int)(word >> 19) & 3;     // 0 = 2.5, 1 = reserved, 2 = MPEG-2, 3 = MPEG-1
        var layerBits = (int)(word >> 17) & 3;   // 1 = III, 2 = II, 3 = I
        var bitrateIndex = (int)(word >> 12) & 15;
        var rateIndex = (int)(word >> 10) & 3;
        if ((word & 0xFFE00000) != 0xFFE00000 || version == 1 || layerBits == 0
            || bitrateIndex is 0 or 15 || rateIndex == 3 || (word & 3) == 2)
        {
            return false;
        }

        var layer = 4 - layerBits;
        var mpeg1 = version == 3;
        var table = mpeg1 ? layer - 1 : (layer == 1 ? 3 : 4);
        var bitrate = Bitrates[(table * 15) + bitrateIndex] * 1000;
        var sampleRate = SampleRates[rateIndex] >> (mpeg1 ? 0 : version == 2 ? 1 : 2);
        var padding = (int)(word >> 9) & 1;
        int length;
        int samples;
        if (layer == 1)
        {
            length = ((12 * bitrate / sampleRate) + padding) * 4;
            samples = 384;
        }
        else
        {
            var perSlot = layer == 3 && !mpeg1 ? 72 : 144;
            length = (perSlot * bitrate / sampleRate) + padding;
            samples = layer == 3 && !mpeg1 ? 576 : 1152;
        }

        var key = (uint)((version << 4) | (layerBits << 2) | rateIndex);
        header = new SyncFrameHeader(length, samples, sampleRate, key);
        return true;
    }

    private protected override AudioFrame Describe(ReadOnlySpan<byte> frame)
    {
        _ = ParseHeader(frame, out var header); // Scan accepted this header already.
        var kind = IsInfoFrame(frame) ? FrameKind.Info : FrameKind.Audio;
        return new AudioFrame(frame, kind, header.Samples, header.SampleRate, packets: 1, startsChain: false, isSyncPoint: kind == FrameKind.Audio);
    }

    private protected override int IndexOfCandidate(ReadOnlySpan<byte> bytes) => bytes.IndexOfAny((byte)0xFF, (byte)'I');

    private protected override FrameScan? ScanNonFrame(ReadOnlySpan<byte> window, out int length)
    {
        length = 0;
        if (window[0] != 'I')
        {
            return null;
        }

        if (window.Length < Id3HeaderSize)
        {
            return "ID3"u8.StartsWith(window[..Math.Min(3, window.Length)]) ? FrameScan.NeedMore : null;
        }

        if (!window.StartsWith("ID3"u8) || window[3] == 0xFF || window[4] == 0xFF
            || ((window[6] | window[7] | window[8] | window[9]) & 0x80) != 0)
        {
            return null;
        }

        // ID3v2.4 §3.1: the size is 28 bits in four 7-bit bytes, excluding the header and an optional footer.
        var size = (window[6] << 21) | (window[7] << 14) | (window[8] << 7) | window[9];
        var footer = (window[5] & 0x10) != 0 ? Id3HeaderSize : 0;
        length = Id3HeaderSize + size + footer;
        return FrameScan.Skip;
    }

    /// <summary>Xing/Info sit after the Layer III side information; VBRI always 32 bytes after the header.</summary>
    private static bool IsInfoFrame(ReadOnlySpan<byte> frame)
    {
        var layerBits = (frame[1] >> 1) & 3;
        if (layerBits != 1)
        {
            return false;
        }

        var mpeg1 = ((frame[1] >> 3) & 3) == 3;
        var mono = (frame[3] >> 6) == 3;
        var crc = (frame[1] & 1) == 0 ? 2 : 0;
        var sideInfo = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
        var tagAt = 4 + crc + sideInfo;
        if (frame.Length >= tagAt + 4)
        {
            var tag = frame.Slice(tagAt, 4);
            if (tag.SequenceEqual("Xing"u8) || tag.SequenceEqual("Info"u8))
            {
                return true;
            }
        }

        return frame.Length >= 40 && frame.Slice(36, 4).SequenceEqual("VBRI"u8);
    }
}
