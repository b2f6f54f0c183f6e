using Broadcast.Shared.Codecs;

namespace Broadcast.Shared.Tests.Codecs;

public sealed class OggHeaderCaptureTests
{
    [Fact]
    public void Observe_VorbisStream_KeepsExactlyTheHeaderPages()
    {
        var frames = FramerRun.Whole(new OggPageFramer(), Fixture.Read("vorbis.ogg"));
        var capture = new OggHeaderCapture();

        var kept = frames.Count(f => capture.Observe(ToFrame(f)));

        var expected = frames.Where(f => f.Kind == FrameKind.OggHeader).SelectMany(f => f.Data).ToArray();
        Assert.Equal(frames.Count(f => f.Kind == FrameKind.OggHeader), kept);
        Assert.Equal(expected, capture.Pages.ToArray());
        Assert.False(capture.Overflowed);
    }

    [Fact]
    public void Observe_HeadersLargerThanCapacity_OverflowedNotGrown()
    {
        var frames = FramerRun.Whole(new OggPageFramer(), Fixture.Read("vorbis.ogg"));
        var capture = new OggHeaderCapture(OggPageFramer.MaxPageLength);
        var header = frames.Where(f => f.Kind == FrameKind.OggHeader).MaxBy(f => f.Data.Length)!;

        for (var i = 0; i < 100_000 && !capture.Overflowed; i++)
        {
            capture.Observe(ToFrame(header with { StartsChain = false }));
        }

        Assert.True(capture.Overflowed);
        Assert.True(capture.Pages.Length <= OggPageFramer.MaxPageLength);
    }

    private static AudioFrame ToFrame(FrameRecord f) => new(f.Data, f.Kind, f.Samples, f.SampleRate, f.Packets, f.StartsChain, f.IsSyncPoint);
}
