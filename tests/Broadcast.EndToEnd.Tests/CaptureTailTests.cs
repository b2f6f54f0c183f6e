using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>The trim that lets ffmpeg judge a capture cut at an arbitrary byte, on frames ffmpeg itself encoded.</summary>
public sealed class CaptureTailTests
{
    [Theory]
    [InlineData(0xFB, 0x90, 417)] // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
    [InlineData(0xFB, 0x92, 418)] // the same, padded
    [InlineData(0xF3, 0x80, 208)] // MPEG-2 Layer III, 64 kbit/s, 22.05 kHz: 72 × 64000 / 22050
    [InlineData(0xFD, 0x80, 417)] // MPEG-1 Layer II, 128 kbit/s (index 8 in its table), 44.1 kHz
    public void FrameLength_MpegAudioHeader_IsTheFramesLength(byte second, byte third, int expected) =>
        Assert.Equal(expected, CaptureTail.FrameLength([0xFF, second, third, 0x64], 0));

    [Fact]
    public void FrameLength_NotAHeader_IsZero()
    {
        Assert.Equal(0, CaptureTail.FrameLength([0x49, 0x44, 0x33, 0x03], 0)); // "ID3"
        Assert.Equal(0, CaptureTail.FrameLength([0xFF, 0xFB, 0xF0, 0x64], 0)); // bitrate index 15
        Assert.Equal(0, CaptureTail.FrameLength([0xFF, 0xFB], 0)); // too short
    }

    [Fact]
    public async Task TrimAsync_CaptureCutInsideAFrame_KeepsWholeFramesThatDecodeCleanly()
    {
        var ct = TestContext.Current.CancellationToken;
        var (path, starts) = await FramesAsync(ct);
        var bytes = await File.ReadAllBytesAsync(path, ct);
        var cut = starts[starts.Count / 2];
        await File.WriteAllBytesAsync(path, bytes.AsMemory(0, cut + 35), ct); // as a read that ended 35 bytes into a frame

        await CaptureTail.TrimAsync(path, ct);

        Assert.Equal(cut, new FileInfo(path).Length);
        Assert.Equal("mp3", await Listener.DecodeAsync(path, ct));
    }

    [Fact]
    public async Task TrimAsync_JunkInTheMiddle_IsLeftForFfmpegToReport()
    {
        var ct = TestContext.Current.CancellationToken;
        var (path, starts) = await FramesAsync(ct);
        var bytes = (await File.ReadAllBytesAsync(path, ct)).ToList();
        bytes.InsertRange(starts[starts.Count / 2], new byte[100]);
        await File.WriteAllBytesAsync(path, bytes.ToArray(), ct);

        await CaptureTail.TrimAsync(path, ct);

        Assert.Equal(bytes.Count, new FileInfo(path).Length);
    }

    /// <summary>Three seconds of ffmpeg's MP3 without tags or a Xing frame, and where each frame starts.</summary>
    private static async Task<(string Path, List<int> Starts)> FramesAsync(CancellationToken cancellationToken)
    {
        var path = TestFiles.NewPath("tail", ".mp3");
        await ExternalTool.RunAsync(
            "ffmpeg",
            ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "libmp3lame", "-b:a", "128k", "-id3v2_version", "0", "-write_xing", "0", "-f", "mp3", path],
            TimeSpan.FromSeconds(60),
            cancellationToken);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var starts = new List<int>();
        for (var at = 0; CaptureTail.FrameLength(bytes, at) is var length and > 0; at += length)
        {
            starts.Add(at);
        }

        Assert.True(starts.Count > 100, $"ffmpeg's 3 s of MP3 parsed as {starts.Count} frames");
        return (path, starts);
    }
}
