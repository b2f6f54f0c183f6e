using Broadcast.Shared.Codecs;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Cuts a capture of an ADTS or MPEG audio stream after its last whole frame. A capture stops at a time, not at a frame,
/// and ffmpeg reports a cut-off last frame as a decoding error: ADTS always, MPEG Layer III when the part it has asks
/// for more bits than are there ("invalid new backstep -1"; seen when the edge woke listeners every 1000 ms and a read
/// ended 35 bytes into a 418-byte frame). Only the tail is cut: lost sync in the middle stays for ffmpeg to report.
/// Frames are read by the ingest's own header parsers (<see cref="AdtsFramer"/>, <see cref="MpegAudioFramer"/>).
/// </summary>
internal static class CaptureTail
{
    /// <summary>The longer header of the two (ADTS: 7 bytes; MPEG audio: 4): a shorter tail cannot be a frame.</summary>
    private const int HeaderBytes = 7;

    private const int MpegHeaderBytes = 4;

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
        var rest = bytes.AsSpan(Math.Min(at, bytes.Length));
        if (rest.Length >= HeaderBytes && AdtsFramer.ParseHeader(rest, out var adts))
        {
            return adts.Length;
        }

        return rest.Length >= MpegHeaderBytes && MpegAudioFramer.ParseHeader(rest, out var mpeg) ? mpeg.Length : 0;
    }
}
