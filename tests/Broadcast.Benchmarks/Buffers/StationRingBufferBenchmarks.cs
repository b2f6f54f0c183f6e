using BenchmarkDotNet.Attributes;
using Broadcast.Shared.Buffers;

namespace Broadcast.Benchmarks.Buffers;

/// <summary>
/// The ring's two hot operations. A 128 kbit/s MP3 frame is 417 bytes; an edge write to a listener socket
/// takes up to 4 KiB at once. Budget: 0 B allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class StationRingBufferBenchmarks : IDisposable
{
    private const int FrameLength = 417;
    private readonly byte[] _frame = new byte[FrameLength];
    private readonly byte[] _destination = new byte[4096];
    private StationRingBuffer _ring = null!;

    /// <summary>Managed array or mmap-ed region: a mapped ring takes a SafeHandle reference per access.</summary>
    [Params(false, true)]
    public bool Mapped { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ring = new StationRingBuffer(4 * 1024 * 1024, mapped: Mapped);
        for (var i = 0; i < 20_000; i++)
        {
            _ring.Append(_frame, 26_122);
        }
    }

    [Benchmark]
    public void Append() => _ring.Append(_frame, 26_122);

    [Benchmark]
    public int Read4KiB()
    {
        _ring.TryRead(_ring.End - _destination.Length, _destination, out var read);
        return read;
    }

    [Benchmark]
    public long FindBurstStart64KiB() => _ring.FindBurstStart(64 * 1024);

    [GlobalCleanup]
    public void Dispose()
    {
        _ring.Dispose();
        GC.SuppressFinalize(this);
    }
}
