namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Cuts a capture of an ADTS or MPEG audio stream after its last whole frame. A capture stops at a time, not at a frame,
/// and ffmpeg reports a cut-off last frame as a decoding error: ADTS always, MPEG Layer III when the part it has asks
/// for more bits than are there ("invalid new backstep -1"; seen when the edge woke listeners every 1000 ms and a read
/// ended 35 bytes into a 418-byte frame). Only the tail is cut: lost sync in the middle stays for ffmpeg to report.
/// </summary>
internal static class CaptureTail
{
    /// <summary>Shortest header of either kind (ADTS: 7 bytes; MPEG audio: 4).</summary>
    private const int HeaderBytes = 7;

    private static readonly int[] Mpeg1Layer1 = [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448];
    private static readonly int[] Mpeg1Layer2 = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384];
    private static readonly int[] Mpeg1Layer3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    private static readonly int[] Mpeg2Layer1 = [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256];
    private static readonly int[] Mpeg2Layer23 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    private static readonly int[] Mpeg1Rates = [44100, 48000, 32000];

    public static async Task TrimAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        if (FrameLength(bytes, 0) == 0)
        {
            return; // not a stream of these frames from its first byte (Ogg, or a capture that starts elsewhere)
        }

        var end = 0;
        while (FrameLength(bytes, end) is var length and > 0 && end + length <= bytes.Length)
        {
            end += length;
        }

        var tail = bytes.Length - end;
        if (tail > 0 && (tail < HeaderBytes || FrameLength(bytes, end) > 0))
        {
            await File.WriteAllBytesAsync(path, bytes.AsMemory(0, end), cancellationToken);
        }
    }

    /// <summary>The length of the ADTS or MPEG audio frame whose header starts at <paramref name="at"/>; 0 when none does.</summary>
    public static int FrameLength(byte[] bytes, int at)
    {
        if (at + 4 > bytes.Length || bytes[at] != 0xFF || (bytes[at + 1] & 0xE0) != 0xE0)
        {
            return 0;
        }

        var version = (bytes[at + 1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5 (ADTS: 0 or 2 with layer 0)
        var layer = (bytes[at + 1] >> 1) & 3; // 3: Layer I, 2: II, 1: III, 0: ADTS
        if (layer == 0)
        {
            var adts = at + HeaderBytes <= bytes.Length && (bytes[at + 1] & 0xF0) == 0xF0
                ? ((bytes[at + 3] & 0x03) << 11) | (bytes[at + 4] << 3) | (bytes[at + 5] >> 5)
                : 0;
            return adts >= HeaderBytes ? adts : 0;
        }

        var bitrateIndex = bytes[at + 2] >> 4;
        var rateIndex = (bytes[at + 2] >> 2) & 3;
        if (version == 1 || bitrateIndex is 0 or 15 || rateIndex == 3)
        {
            return 0;
        }

        var mpeg1 = version == 3;
        var kbps = (mpeg1, layer) switch
        {
            (true, 3) => Mpeg1Layer1[bitrateIndex],
            (true, 2) => Mpeg1Layer2[bitrateIndex],
            (true, _) => Mpeg1Layer3[bitrateIndex],
            (false, 3) => Mpeg2Layer1[bitrateIndex],
            _ => Mpeg2Layer23[bitrateIndex],
        };
        var rate = Mpeg1Rates[rateIndex] >> (mpeg1 ? 0 : version == 2 ? 1 : 2);
        var padding = (bytes[at + 2] >> 1) & 1;
        return layer switch
        {
            3 => ((12 * kbps * 1000 / rate) + padding) * 4,
            1 when !mpeg1 => (72 * kbps * 1000 / rate) + padding,
            _ => (144 * kbps * 1000 / rate) + padding,
        };
    }
}
