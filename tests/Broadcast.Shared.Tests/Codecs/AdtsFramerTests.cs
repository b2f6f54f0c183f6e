using Broadcast.Shared.Codecs;

namespace Broadcast.Shared.Tests.Codecs;

public sealed class AdtsFramerTests
{
    [Fact]
    public void TryReadFrame_AacLc_1024SamplesPerFrameAt44100()
    {
        var frames = FramerRun.Whole(new AdtsFramer(), Fixture.Read("aac-lc.aac"));

        Assert.All(frames, f => Assert.Equal((FrameKind.Audio, 1024, 44100), (f.Kind, f.Samples, f.SampleRate)));
        Assert.All(frames, f => Assert.Equal(0xFF, f.Data[0]));
    }

    [Fact]
    public void TryReadFrame_MpegAudio_NotMistakenForAdts()
    {
        var framer = new AdtsFramer();

        var frames = FramerRun.Whole(framer, Fixture.Read("cbr128.mp3"));

        Assert.Empty(frames);
    }

    [Fact]
    public void TryReadFrame_CorruptLengthField_ResyncsOnNextFrames()
    {
        var bytes = Fixture.Read("aac-lc.aac");
        var clean = FramerRun.Whole(new AdtsFramer(), bytes);
        var at = clean.Take(10).Sum(f => f.Data.Length);
        bytes[at + 4] ^= 0x55; // frame 10's length is now wrong
        var framer = new AdtsFramer();

        var frames = FramerRun.Whole(framer, bytes);

        Assert.InRange(frames.Count, clean.Count - 2, clean.Count - 1);
        Assert.Equal(clean[^1].Data, frames[^1].Data);
        Assert.True(framer.Resyncs >= 1);
    }
}
