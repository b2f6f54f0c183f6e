namespace Broadcast.Shared.Tests.Codecs;

/// <summary>
/// Property tests of the three framers on damaged streams: each fixture with random edits (bytes flipped, runs of
/// noise or fake sync words inserted, ranges cut out), fed in random pieces. Seeded and bounded (BROADCAST_FUZZ_SEED and
/// BROADCAST_FUZZ_CASES for a longer run); a failure names its seed and case. Whatever the damage: no exception, every
/// byte fed is a frame's, skipped or still buffered, the buffer stays within its size, and the frames do not depend on
/// how the reads split the bytes.
/// </summary>
public sealed class FramerPropertyTests
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_SEED"), out var seed) ? seed : 1616;

    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_CASES"), out var runs) ? runs : 40;

    public static TheoryData<string> Files => new() { "cbr128.mp3", "vbr-mpeg2.mp3", "layer2.mp2", "aac-lc.aac", "vorbis.ogg", "opus.ogg", "flac.ogg", "chained.ogg" };

    [Theory]
    [MemberData(nameof(Files))]
    public void Damaged_AnySplit_EveryByteAccountedFor_AndTheSameFrames(string name)
    {
        var clean = Fixture.Read(name);
        for (var run = 0; run < Runs; run++)
        {
            var random = new Random(HashCode.Combine(Seed, run, name.Length, name[0]));
            var damaged = Damage(clean, random);

            var whole = Fixture.FramerFor(name);
            var expected = FramerRun.Whole(whole, damaged);
            var split = Fixture.FramerFor(name);
            var frames = FramerRun.Split(split, damaged, FramerRun.RandomPieces(random, 48, random.Next(2) == 0 ? 7 : 9000));

            Assert.True(expected.SequenceEqual(frames), $"seed {Seed} case {run} ({name}): the frames depend on the split");
            Assert.True(damaged.Length == frames.Sum(f => f.Data.Length) + split.SkippedBytes + split.Buffered, $"seed {Seed} case {run} ({name}): bytes not accounted for");
            Assert.Equal(damaged.Length, split.BytesIn);
        }
    }

    /// <summary>One to twelve edits, each a flipped byte, an inserted run (noise, or sync words that look like frames), or a cut.</summary>
    private static byte[] Damage(byte[] input, Random random)
    {
        var bytes = new List<byte>(input);
        byte[][] syncs = [[0xFF, 0xFB, 0x90, 0x64], [0xFF, 0xF1, 0x50, 0x80], "OggS\0"u8.ToArray(), [0xFF, 0xFF, 0xFF, 0xFF]];
        for (var edits = random.Next(1, 13); edits > 0; edits--)
        {
            var at = random.Next(0, bytes.Count + 1);
            switch (random.Next(4))
            {
                case 0 when at < bytes.Count:
                    bytes[at] ^= (byte)random.Next(1, 256);
                    break;
                case 1:
                    var noise = new byte[random.Next(1, 3000)];
                    random.NextBytes(noise);
                    bytes.InsertRange(at, noise);
                    break;
                case 2:
                    for (var n = random.Next(1, 40); n > 0; n--)
                    {
                        var sync = syncs[random.Next(syncs.Length)];
                        bytes.InsertRange(Math.Min(at, bytes.Count), sync);
                        at += sync.Length + random.Next(0, 300);
                    }

                    break;
                default:
                    bytes.RemoveRange(Math.Min(at, bytes.Count), Math.Min(random.Next(1, 5000), bytes.Count - Math.Min(at, bytes.Count)));
                    break;
            }
        }

        return [.. bytes];
    }
}
