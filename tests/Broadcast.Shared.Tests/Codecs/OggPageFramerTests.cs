using Broadcast.Shared.Codecs;

namespace Broadcast.Shared.Tests.Codecs;

public sealed class OggPageFramerTests
{
    [Theory]
    [InlineData("vorbis.ogg", OggCodec.Vorbis, 44100)]
    [InlineData("opus.ogg", OggCodec.Opus, 48000)]
    [InlineData("flac.ogg", OggCodec.Flac, 8000)]
    public void TryReadFrame_Codec_HeaderPagesFirstThenAudio(string name, OggCodec codec, int sampleRate)
    {
        var framer = new OggPageFramer();

        var frames = FramerRun.Whole(framer, Fixture.Read(name));

        Assert.Equal(codec, framer.Codec);
        var headers = frames.TakeWhile(f => f.Kind == FrameKind.OggHeader).Count();
        Assert.InRange(headers, 2, 4);
        Assert.True(frames[0].StartsChain);
        Assert.All(frames.Skip(headers), f => Assert.Equal(FrameKind.Audio, f.Kind));
        Assert.All(frames.Skip(headers).Where(f => f.Samples > 0), f => Assert.Equal(sampleRate, f.SampleRate));
        Assert.All(frames, f => Assert.True(f.Data.AsSpan().StartsWith("OggS"u8)));
    }

    [Fact]
    public void TryReadFrame_ChainedStream_NewChainRecognisedAndHeadersReplaced()
    {
        var frames = FramerRun.Whole(new OggPageFramer(), Fixture.Read("chained.ogg"));
        var capture = new OggHeaderCapture();
        foreach (var frame in frames)
        {
            capture.Observe(new AudioFrame(frame.Data, frame.Kind, frame.Samples, frame.SampleRate, frame.Packets, frame.StartsChain, frame.IsSyncPoint));
        }

        var chainStarts = frames.Select((f, i) => (f, i)).Where(x => x.f.StartsChain).Select(x => x.i).ToList();
        Assert.Equal(2, chainStarts.Count);
        var secondHeaders = frames.Skip(chainStarts[1]).TakeWhile(f => f.Kind == FrameKind.OggHeader).SelectMany(f => f.Data).ToArray();
        Assert.Equal(2, capture.Generation);
        Assert.Equal(secondHeaders, capture.Pages.ToArray());
        Assert.Contains(frames.Skip(chainStarts[1]), f => f.Kind == FrameKind.Audio && f.SampleRate == 22050);
    }

    [Fact]
    public void TryReadFrame_CorruptPage_DroppedByCrcAndNextPageFramed()
    {
        var bytes = Fixture.Read("vorbis.ogg");
        var clean = FramerRun.Whole(new OggPageFramer(), bytes);
        var victim = clean.FindIndex(f => f.Kind == FrameKind.Audio) + 1;
        var at = clean.Take(victim).Sum(f => f.Data.Length) + 40;
        bytes[at] ^= 0x01; // one bit flipped inside the second audio page's body
        var framer = new OggPageFramer();

        var frames = FramerRun.Whole(framer, bytes);

        Assert.Equal(1, framer.CrcFailures);
        Assert.Equal(clean.Count - 1, frames.Count);
        Assert.Equal(clean[victim + 1].Data, frames[victim].Data);
        Assert.Equal(clean[^1].Data, frames[^1].Data);
    }

    [Fact]
    public void TryReadFrame_JoinedMidStream_AudioPagesWithoutHeaders()
    {
        var bytes = Fixture.Read("opus.ogg");
        var framer = new OggPageFramer();

        var frames = FramerRun.Whole(framer, bytes.AsSpan(bytes.Length / 2));

        Assert.NotEmpty(frames);
        Assert.All(frames, f => Assert.Equal(FrameKind.Audio, f.Kind));
        Assert.True(framer.SkippedBytes < OggPageFramer.MaxPageLength);
    }
}
