using Broadcast.Shared.Codecs;

namespace Broadcast.Shared.Tests.Codecs;

public sealed class MpegAudioFramerTests
{
    [Fact]
    public void TryReadFrame_Id3v2Tag_SkippedWhole()
    {
        var bytes = Fixture.Read("cbr128.mp3");
        Assert.True(bytes.AsSpan().StartsWith("ID3"u8));
        var tagSize = 10 + ((bytes[6] << 21) | (bytes[7] << 14) | (bytes[8] << 7) | bytes[9]);
        var framer = new MpegAudioFramer();

        var frames = FramerRun.Split(framer, bytes, [3]);

        Assert.Equal(bytes.AsSpan(tagSize, frames[0].Data.Length).ToArray(), frames[0].Data);
        Assert.Equal(0, framer.Resyncs);
    }

    [Theory]
    [InlineData("cbr128.mp3", 1)]
    [InlineData("vbr-mpeg2.mp3", 1)]
    [InlineData("mpeg25.mp3", 0)]
    public void TryReadFrame_EncoderInfoFrame_MarkedInfoNotAudio(string name, int infoFrames)
    {
        var frames = FramerRun.Whole(new MpegAudioFramer(), Fixture.Read(name));

        Assert.Equal(infoFrames, frames.Count(f => f.Kind == FrameKind.Info));
        Assert.All(frames.Where(f => f.Kind == FrameKind.Info), f => Assert.False(f.IsSyncPoint));
    }

    [Theory]
    [InlineData("cbr128.mp3", 44100, 1152)]
    [InlineData("vbr-mpeg2.mp3", 22050, 576)]
    [InlineData("mpeg25.mp3", 8000, 576)]
    [InlineData("layer2.mp2", 48000, 1152)]
    public void TryReadFrame_Versions_SampleRateAndSamplesPerFrame(string name, int sampleRate, int samples)
    {
        var audio = FramerRun.Whole(new MpegAudioFramer(), Fixture.Read(name)).Where(f => f.Kind == FrameKind.Audio).ToList();

        Assert.All(audio, f => Assert.Equal(sampleRate, f.SampleRate));
        Assert.All(audio, f => Assert.Equal(samples, f.Samples));
        Assert.All(audio, f => Assert.InRange(f.Data.Length, 4, MpegAudioFramer.MaxFrameLength));
    }

    [Fact]
    public void TryReadFrame_FalseSyncWordInLeadingGarbage_NotTakenForAFrame()
    {
        // A valid-looking header (MPEG-1 L3 128k 44.1k) followed by nothing that confirms it.
        byte[] fake = [0xFF, 0xFB, 0x90, 0x00, .. new byte[500]];
        var bytes = fake.Concat(Fixture.Read("mpeg25.mp3")).ToArray();
        var framer = new MpegAudioFramer();

        var frames = FramerRun.Whole(framer, bytes);

        Assert.DoesNotContain(frames, f => f.SampleRate == 44100);
        Assert.Equal(44, frames.Count(f => f.Kind == FrameKind.Audio));
    }

    [Fact]
    public void TryReadFrame_HugeId3Tag_SkippedWithoutBuffering()
    {
        var size = 1_000_000; // cover art: far larger than the framer's buffer
        byte[] header = [(byte)'I', (byte)'D', (byte)'3', 3, 0, 0, (byte)(size >> 21), (byte)((size >> 14) & 0x7F), (byte)((size >> 7) & 0x7F), (byte)(size & 0x7F)];
        var art = new byte[size];
        new Random(3).NextBytes(art);
        var bytes = header.Concat(art).Concat(Fixture.Read("mpeg25.mp3")).ToArray();
        var framer = new MpegAudioFramer();

        var frames = FramerRun.Split(framer, bytes, [4096]);

        Assert.Equal(44, frames.Count(f => f.Kind == FrameKind.Audio));
        Assert.True(framer.Buffered <= 8192);
    }
}
