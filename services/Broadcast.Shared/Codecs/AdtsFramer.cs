using System.Buffers.Binary;

namespace Broadcast.Shared.Codecs;

/// <summary>AAC in ADTS frames (ISO/IEC 13818-7 §6.2, 14496-3 §1.A.2): <c>audio/aac</c>, <c>audio/aacp</c>.</summary>
public sealed class AdtsFramer : SyncWordFramer
{
    /// <summary>frame_length is a 13-bit field, header included.</summary>
    public const int MaxFrameLength = 8191;

    private const int BufferSize = 16384;
    private const int SamplesPerRawBlock = 1024;

    public AdtsFramer()
        : base(BufferSize)
    {
    }

    private protected override int HeaderSize => 7;

    private static ReadOnlySpan<int> SampleRates =>
        [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    private protected override bool TryParseHeader(ReadOnlySpan<byte> bytes, out SyncFrameHeader header) => ParseHeader(bytes, out header);

    internal static bool ParseHeader(ReadOnlySpan<byte> bytes, out SyncFrameHeader header)
    {
        header = default;
        var high = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var rateIndex = (int)(high >> 10) & 15;
        // syncword 0xFFF, layer 00 (anything else is MPEG audio, not ADTS).
        if ((high & 0xFFF60000) != 0xFFF00000 || rateIndex >= SampleRates.Length)
        {
            return false;
        }

        var protectionAbsent = (high >> 16) & 1;
        var length = (int)((high & 3) << 11) | (bytes[4] << 3) | (bytes[5] >> 5);
        var minimum = protectionAbsent == 1 ? 7 : 9;
        if (length < minimum)
        {
            return false;
        }

        var rawBlocks = (bytes[6] & 3) + 1;
        var channelConfig = (int)(high >> 6) & 7;
        var profile = (int)(high >> 14) & 3;
        var mpegId = (int)(high >> 19) & 1;
        var key = (uint)((mpegId << 10) | (profile << 8) | (rateIndex << 4) | channelConfig);
        header = new SyncFrameHeader(length, rawBlocks * SamplesPerRawBlock, SampleRates[rateIndex], key);
        return true;
    }

    private protected override AudioFrame Describe(ReadOnlySpan<byte> frame)
    {
        _ = ParseHeader(frame, out var header); // Scan accepted this header already.
        return new AudioFrame(frame, FrameKind.Audio, header.Samples, header.SampleRate, packets: 1, startsChain: false, isSyncPoint: true);
    }
}
