using Broadcast.Shared.Messaging;

namespace Broadcast.Shared.Codecs;

/// <summary>
/// One frame of digital silence in a station's own codec and parameters, made from a frame it sent, so a fallback can
/// fill a gap with frames every decoder of that stream accepts (issue #13: "frame-aligned silence").
/// </summary>
/// <remarks>
/// MPEG audio: the same header with no CRC and no padding, then zeros. Zero side information means no main data
/// (main_data_begin 0, part2_3_length 0) in Layer III, and zero bit allocation in Layers I and II: every sample is 0
/// (ISO/IEC 11172-3 §2.4.1). AAC in ADTS: one single (mono) or pair (stereo) channel element whose ics_info has
/// max_sfb 0, so no band carries spectral data, then END (ISO/IEC 14496-3 §4.4.2); other channel layouts get none.
/// Ogg gets none: a Vorbis packet can only be made with the stream's own codebooks.
/// </remarks>
public static class SilentFrame
{
    /// <summary>Largest ADTS header (with CRC) a source frame may start with.</summary>
    private const int AdtsHeaderBytes = 7;

    /// <summary>An SCE: id 0, tag 0, global_gain 100, ics_info all zero (long window, max_sfb 0), no pulse/TNS/gain control, END.</summary>
    private static ReadOnlySpan<byte> MonoElement => [0x00, 0xC8, 0x00, 0x07];

    /// <summary>A CPE without a common window: id 1, tag 0, common_window 0, two such channel streams, END, byte-aligned.</summary>
    private static ReadOnlySpan<byte> StereoElement => [0x20, 0x64, 0x00, 0x01, 0x90, 0x00, 0x0E];

    /// <summary>A silent frame like <paramref name="sample"/> (a whole audio frame of the stream); null when the codec or layout has none.</summary>
    public static byte[]? Build(AudioCodec codec, ReadOnlySpan<byte> sample, out int samples, out int sampleRate)
    {
        samples = sampleRate = 0;
        return codec switch
        {
            AudioCodec.Mpeg => Mpeg(sample, out samples, out sampleRate),
            AudioCodec.AacAdts => Adts(sample, out samples, out sampleRate),
            _ => null,
        };
    }

    private static byte[]? Mpeg(ReadOnlySpan<byte> sample, out int samples, out int sampleRate)
    {
        samples = sampleRate = 0;
        if (sample.Length < 4)
        {
            return null;
        }

        Span<byte> header = [sample[0], (byte)(sample[1] | 0x01), (byte)(sample[2] & ~0x02), sample[3]];
        if (!MpegAudioFramer.ParseHeader(header, out var parsed))
        {
            return null;
        }

        var frame = new byte[parsed.Length];
        header.CopyTo(frame);
        (samples, sampleRate) = (parsed.Samples, parsed.SampleRate);
        return frame;
    }

    private static byte[]? Adts(ReadOnlySpan<byte> sample, out int samples, out int sampleRate)
    {
        samples = sampleRate = 0;
        if (sample.Length < AdtsHeaderBytes)
        {
            return null;
        }

        var channels = ((sample[2] & 1) << 2) | (sample[3] >> 6);
        var element = channels switch
        {
            1 => MonoElement,
            2 => StereoElement,
            _ => default,
        };
        if (element.IsEmpty)
        {
            return null;
        }

        var length = AdtsHeaderBytes + element.Length;
        var frame = new byte[length];
        sample[..AdtsHeaderBytes].CopyTo(frame);
        frame[1] |= 0x01; // protection_absent: no CRC
        frame[3] = (byte)((frame[3] & 0xFC) | ((length >> 11) & 0x03));
        frame[4] = (byte)(length >> 3);
        frame[5] = (byte)(((length & 0x07) << 5) | 0x1F); // buffer fullness 0x7FF (variable rate)...
        frame[6] = 0xFC; // ...and one raw data block
        element.CopyTo(frame.AsSpan(AdtsHeaderBytes));
        if (!AdtsFramer.ParseHeader(frame, out var parsed))
        {
            return null;
        }

        (samples, sampleRate) = (parsed.Samples, parsed.SampleRate);
        return frame;
    }
}
