using BenchmarkDotNet.Attributes;
using Broadcast.Shared.Messaging;

namespace Broadcast.Benchmarks.Messaging;

/// <summary>Encoding and decoding a ~100 ms chunk of 128 kbit/s audio (1.6 KB). Budget: 0 B allocated.</summary>
[MemoryDiagnoser]
public class ChunkEnvelopeBenchmarks
{
    private readonly byte[] _payload = new byte[1600];
    private readonly byte[] _message = new byte[ChunkEnvelope.MaxOverhead + 1600];
    private readonly ChunkHeader _header = new(Guid.NewGuid(), 123_456, 78, AudioCodec.Mpeg, ChunkFlags.None);
    private int _length;

    [GlobalSetup]
    public void Setup() => _length = ChunkEnvelope.Write(_message, _header, "live.mp3"u8, _payload);

    [Benchmark]
    public int Write() => ChunkEnvelope.Write(_message, _header, "live.mp3"u8, _payload);

    [Benchmark]
    public long Read()
    {
        ChunkEnvelope.TryRead(_message.AsSpan(0, _length), out var chunk);
        return chunk.Header.Offset + chunk.Payload.Length;
    }
}
