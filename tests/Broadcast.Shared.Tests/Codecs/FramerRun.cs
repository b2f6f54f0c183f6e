using Broadcast.Shared.Codecs;

namespace Broadcast.Shared.Tests.Codecs;

/// <summary>Feeds bytes to a framer in pieces and records every frame, as ingest would.</summary>
internal static class FramerRun
{
    public static List<FrameRecord> Whole(AudioFramer framer, ReadOnlySpan<byte> input) => Split(framer, input, [input.Length]);

    /// <summary>Feeds <paramref name="input"/> in pieces of the given sizes (cycled), then completes and drains.</summary>
    public static List<FrameRecord> Split(AudioFramer framer, ReadOnlySpan<byte> input, IReadOnlyList<int> pieces)
    {
        var frames = new List<FrameRecord>();
        var piece = 0;
        while (!input.IsEmpty)
        {
            var size = Math.Min(Math.Max(1, pieces[piece++ % pieces.Count]), input.Length);
            var part = input[..size];
            input = input[size..];
            while (!part.IsEmpty)
            {
                part = part[framer.Feed(part)..];
                while (framer.TryReadFrame(out var frame))
                {
                    frames.Add(new FrameRecord(frame.Kind, frame.Data.ToArray(), frame.Samples, frame.SampleRate, frame.Packets, frame.StartsChain, frame.IsSyncPoint));
                }
            }
        }

        framer.Complete();
        while (framer.TryReadFrame(out var frame))
        {
            frames.Add(new FrameRecord(frame.Kind, frame.Data.ToArray(), frame.Samples, frame.SampleRate, frame.Packets, frame.StartsChain, frame.IsSyncPoint));
        }

        return frames;
    }

    public static int[] RandomPieces(Random random, int count, int maximum)
    {
        var pieces = new int[count];
        for (var i = 0; i < count; i++)
        {
            pieces[i] = random.Next(1, maximum + 1);
        }

        return pieces;
    }
}
