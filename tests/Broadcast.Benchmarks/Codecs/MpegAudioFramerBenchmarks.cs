using BenchmarkDotNet.Attributes;
using Broadcast.Shared.Codecs;

namespace Broadcast.Benchmarks.Codecs;

/// <summary>Framing 3 s of 128 kbit/s MP3 (49 KB) fed in 1400-byte reads, as a socket delivers it.</summary>
[MemoryDiagnoser]
public class MpegAudioFramerBenchmarks
{
    private readonly MpegAudioFramer _framer = new();
    private byte[] _file = [];

    [GlobalSetup]
    public void Setup() => _file = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "cbr128.mp3"));

    [Benchmark]
    public int FrameFile()
    {
        _framer.Reset();
        var frames = 0;
        ReadOnlySpan<byte> input = _file;
        while (!input.IsEmpty)
        {
            var part = input[..Math.Min(1400, input.Length)];
            input = input[part.Length..];
            while (!part.IsEmpty)
            {
                part = part[_framer.Feed(part)..];
                while (_framer.TryReadFrame(out _))
                {
                    frames++;
                }
            }
        }

        return frames;
    }
}
