namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Reads the MPEG-1 Layer III frames of a capture (what the tests' encoders send: ffmpeg's mono tone at 44.1 kHz) as
/// their bitrate and whether they are the fallback's silence (all-zero side information), so a test can tell which
/// source a listener heard, and in which order.
/// </summary>
internal static class Mp3Frames
{
    private static readonly int[] Bitrates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

    /// <summary>The frames from the first header on: (kbit/s, silent), 0 kbit/s for bytes that are not a frame.</summary>
    public static List<(int Kbps, bool Silent)> Read(byte[] bytes)
    {
        var frames = new List<(int, bool)>();
        var at = 0;
        while (at + 4 <= bytes.Length && Length(bytes, at) == 0)
        {
            at++;
        }

        while (at + 4 <= bytes.Length)
        {
            var length = Length(bytes, at);
            if (length == 0 || at + length > bytes.Length)
            {
                break;
            }

            var sideInfo = bytes.AsSpan(at + 4 + ((bytes[at + 1] & 1) == 0 ? 2 : 0), (bytes[at + 3] >> 6) == 3 ? 17 : 32);
            frames.Add((Bitrates[bytes[at + 2] >> 4], !sideInfo.ContainsAnyExcept((byte)0)));
            at += length;
        }

        return frames;
    }

    /// <summary>Runs of equal frames, in order: e.g. 128 kbit/s audio, then silence, then 64 kbit/s audio.</summary>
    public static string Runs(byte[] bytes)
    {
        var runs = new List<string>();
        foreach (var (kbps, silent) in Read(bytes))
        {
            var name = silent ? "silence" : kbps + "k";
            if (runs.Count == 0 || runs[^1] != name)
            {
                runs.Add(name);
            }
        }

        return string.Join(" > ", runs);
    }

    /// <summary>MPEG-1 Layer III at 44.1 kHz: 144 × bitrate / 44100 + padding; 0 when no such header is at <paramref name="at"/>.</summary>
    private static int Length(byte[] bytes, int at)
    {
        if (bytes[at] != 0xFF || (bytes[at + 1] & 0xFE) != 0xFA || (bytes[at + 2] >> 4) is 0 or 15 || ((bytes[at + 2] >> 2) & 3) != 0)
        {
            return 0;
        }

        return (144 * Bitrates[bytes[at + 2] >> 4] * 1000 / 44100) + ((bytes[at + 2] >> 1) & 1);
    }
}
