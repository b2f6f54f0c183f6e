using Broadcast.Shared.Codecs;

namespace Broadcast.Shared.Tests.Codecs;

/// <summary>What every framer promises: agreement with ffprobe, split-invariance, and calm in the face of garbage.</summary>
public sealed class AudioFramerTests
{
    public static TheoryData<string> Files => new()
    {
        "cbr128.mp3", "vbr-mpeg2.mp3", "mpeg25.mp3", "layer2.mp2", "aac-lc.aac", "vorbis.ogg", "opus.ogg", "flac.ogg", "chained.ogg",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task TryReadFrame_Fixture_PacketsAndDurationAgreeWithFfprobe(string name)
    {
        // ffprobe counts a later chain's header packets as packets, so a chained file is checked as the sum of its parts.
        var (packets, duration) = name == "chained.ogg"
            ? Add(await Fixture.ProbeAsync("vorbis.ogg"), await Fixture.ProbeAsync("chain-b.ogg"))
            : await Fixture.ProbeAsync(name);
        var bytes = Fixture.Read(name);
        var framer = Fixture.FramerFor(name);

        var frames = FramerRun.Whole(framer, bytes);

        var audio = frames.Where(f => f.Kind == FrameKind.Audio).ToList();
        Assert.Equal(packets, audio.Sum(f => f.Packets));
        Assert.Equal(bytes.Length, frames.Sum(f => f.Data.Length) + framer.SkippedBytes);
        var ours = audio.Sum(f => (double)f.Samples / f.SampleRate);
        Assert.InRange(ours, duration - 0.01, duration + 0.01);
    }

    private static (int, double) Add((int Packets, double Duration) a, (int Packets, double Duration) b) =>
        (a.Packets + b.Packets, a.Duration + b.Duration);

    [Theory]
    [MemberData(nameof(Files))]
    public void TryReadFrame_RandomSplits_SameFramesAsWhole(string name)
    {
        var bytes = Fixture.Read(name);
        var expected = FramerRun.Whole(Fixture.FramerFor(name), bytes);
        var random = new Random(name.Length * 7919);

        for (var run = 0; run < 25; run++)
        {
            var maximum = run switch { 0 => 1, 1 => 2, 2 => 7, _ => random.Next(1, 20_000) };
            var framer = Fixture.FramerFor(name);
            var frames = FramerRun.Split(framer, bytes, FramerRun.RandomPieces(random, 64, maximum));
            Assert.Equal(expected, frames);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void TryReadFrame_GarbageInserted_ResyncsAndKeepsTheRest(string name)
    {
        var bytes = Fixture.Read(name);
        var clean = FramerRun.Whole(Fixture.FramerFor(name), bytes);
        var random = new Random(17);
        var garbage = new byte[3000];
        random.NextBytes(garbage);
        var cut = bytes.Length / 2;
        var dirty = bytes[..cut].Concat(garbage).Concat(bytes[cut..]).ToArray();
        var framer = Fixture.FramerFor(name);

        var frames = FramerRun.Split(framer, dirty, FramerRun.RandomPieces(random, 32, 5000));

        // At most the frame that the garbage cut in two is lost, and nothing invented survives in its place.
        var known = clean.Select(f => Convert.ToHexString(f.Data)).ToHashSet(StringComparer.Ordinal);
        var kept = frames.Count(f => known.Contains(Convert.ToHexString(f.Data)));
        Assert.InRange(kept, clean.Count - 2, clean.Count);
        Assert.InRange(frames.Count - kept, 0, 1);
        Assert.Equal(dirty.Length, frames.Sum(f => f.Data.Length) + framer.SkippedBytes + framer.Buffered);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void TryReadFrame_Truncated_PartialFrameHeldNotEmitted(string name)
    {
        var bytes = Fixture.Read(name);
        var all = FramerRun.Whole(Fixture.FramerFor(name), bytes);
        var last = all[^1].Data.Length;
        var framer = Fixture.FramerFor(name);

        var frames = FramerRun.Whole(framer, bytes.AsSpan(0, bytes.Length - (last / 2)));

        Assert.Equal(all.Count - 1, frames.Count);
        Assert.True(framer.Buffered < last);
    }

    public static TheoryData<int> Framers => new() { 0, 1, 2 };

    [Theory]
    [MemberData(nameof(Framers))]
    public void TryReadFrame_RandomBytes_NeverThrowsAndStaysBounded(int which)
    {
        var random = new Random(which + 100);
        AudioFramer framer = which switch { 0 => new MpegAudioFramer(), 1 => new AdtsFramer(), _ => new OggPageFramer() };
        var buffer = new byte[70_000];
        var maximumBuffered = 0;
        var frames = 0;

        for (var round = 0; round < 60; round++)
        {
            random.NextBytes(buffer);
            if (round % 3 == 0)
            {
                SprinkleSyncWords(random, buffer); // make false syncs common, not rare
            }

            var input = buffer.AsSpan(0, random.Next(1, buffer.Length));
            while (!input.IsEmpty)
            {
                input = input[framer.Feed(input[..Math.Min(input.Length, random.Next(1, 9000))])..];
                while (framer.TryReadFrame(out _))
                {
                    frames++;
                }

                maximumBuffered = Math.Max(maximumBuffered, framer.Buffered);
            }
        }

        Assert.True(framer.SkippedBytes > 1_000_000, "random data is skipped, not kept");
        Assert.True(maximumBuffered <= OggPageFramer.MaxPageLength + 27);
        Assert.True(frames < 500, $"{frames} frames out of random bytes");
    }

    private static void SprinkleSyncWords(Random random, byte[] buffer)
    {
        for (var i = 0; i < 2000; i++)
        {
            var at = random.Next(buffer.Length - 4);
            switch (i % 3)
            {
                case 0: buffer[at] = 0xFF; buffer[at + 1] = 0xFB; break;
                case 1: buffer[at] = 0xFF; buffer[at + 1] = 0xF1; break;
                default: "OggS"u8.CopyTo(buffer.AsSpan(at)); break;
            }
        }
    }
}
