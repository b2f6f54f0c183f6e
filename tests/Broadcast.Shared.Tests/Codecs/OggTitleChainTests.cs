using Broadcast.Shared.Codecs;

namespace Broadcast.Shared.Tests.Codecs;

public sealed class OggTitleChainTests
{
    [Theory]
    [InlineData("vorbis.ogg")]
    [InlineData("opus.ogg")]
    public void Begin_ThenCarry_MakesAChainTheFramerAcceptsWithTheTitle(string fixture)
    {
        var frames = FramerRun.Whole(new OggPageFramer(), Fixture.Read(fixture));
        var headers = frames.Where(f => f.Kind == FrameKind.OggHeader).SelectMany(f => f.Data).ToArray();
        var audio = frames.Where(f => f.Kind == FrameKind.Audio).ToList();
        var chain = new OggTitleChain();
        chain.Carry(audio[0].Data);

        var pages = chain.Begin(headers, "Ärtist - Title", serial: 0x1234_5678);

        Assert.NotNull(pages);
        Assert.True(chain.Active);
        var carried = audio.Skip(1).Take(5).SelectMany(f => chain.Carry(f.Data).ToArray()).ToArray();
        var framer = new OggPageFramer();
        var again = FramerRun.Whole(framer, [.. headers, .. audio[0].Data, .. pages, .. carried]);
        Assert.Equal(0, framer.CrcFailures); // every page made or rewritten checks out
        var chainStart = again.FindLastIndex(f => f.StartsChain);
        Assert.True(chainStart > 0, "a second chain");
        Assert.Contains(again.Skip(chainStart), f => f.Kind == FrameKind.Audio); // the carried pages belong to it
        var newHeaders = again.Skip(chainStart).TakeWhile(f => f.Kind == FrameKind.OggHeader).SelectMany(f => f.Data).ToArray();
        Assert.True(OggComments.TryReadTitle(newHeaders, out var title));
        Assert.Equal("Ärtist - Title", title);
    }

    [Fact]
    public void Begin_NotVorbisOrOpus_IsNull_AndCarryLeavesPagesAlone()
    {
        var frames = FramerRun.Whole(new OggPageFramer(), Fixture.Read("flac.ogg"));
        var chain = new OggTitleChain();
        var audio = frames.First(f => f.Kind == FrameKind.Audio).Data;

        Assert.Null(chain.Begin(frames.Where(f => f.Kind == FrameKind.OggHeader).SelectMany(f => f.Data).ToArray(), "t", 7));
        Assert.False(chain.Active);
        Assert.Equal(audio, chain.Carry(audio).ToArray());
    }
}
