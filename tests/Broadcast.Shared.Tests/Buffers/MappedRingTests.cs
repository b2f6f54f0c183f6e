using Broadcast.Shared.Buffers;

namespace Broadcast.Shared.Tests.Buffers;

/// <summary>Rings in mmap-ed memory: same behaviour as managed ones, and freeing one gives its pages back at once.</summary>
[Collection(MappedRingTests.Collection)]
public sealed class MappedRingTests
{
    /// <summary>Tests that map rings run one after another, so the process-wide mapped-bytes count is theirs alone.</summary>
    public const string Collection = "mapped rings";

    [Fact]
    public void MappedRing_WrapsAndReadsLikeAManagedOne()
    {
        Assert.SkipUnless(MappedRegion.IsSupported, "mapped rings need Linux");
        using var mapped = new StationRingBuffer(1000, initialOffset: 5, mapped: true);
        var managed = new StationRingBuffer(1000, initialOffset: 5);
        var random = new Random(3);
        var frame = new byte[333];
        for (var i = 0; i < 40; i++)
        {
            random.NextBytes(frame);
            mapped.Append(frame);
            managed.Append(frame);
        }

        var (a, b) = (new byte[1000], new byte[1000]);
        Assert.Equal(managed.Start, mapped.Start);
        Assert.Equal(managed.TryRead(managed.Start, a, out var readA), mapped.TryRead(mapped.Start, b, out var readB));
        Assert.Equal(readA, readB);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Dispose_ThenRead_ThrowsInsteadOfTouchingUnmappedMemory()
    {
        Assert.SkipUnless(MappedRegion.IsSupported, "mapped rings need Linux");
        var ring = new StationRingBuffer(4096, mapped: true);
        ring.Append([1, 2, 3]);

        ring.Dispose();

        Assert.Throws<ObjectDisposedException>(() => ring.TryRead(0, new byte[3], out _));
        Assert.Throws<ObjectDisposedException>(() => ring.Append([4]));
    }

    [Fact]
    public void Dispose_FilledRing_ResidentMemoryAndMappedBytesDropAtOnce()
    {
        Assert.SkipUnless(MappedRegion.IsSupported, "mapped rings need Linux");
        const int Size = 64 * 1024 * 1024;
        var mappedBefore = MappedRegion.MappedBytes;
        var ring = new StationRingBuffer(Size, mapped: true);
        var frame = new byte[64 * 1024];
        Array.Fill(frame, (byte)0x5a);
        for (var i = 0; i < Size / frame.Length; i++)
        {
            ring.Append(frame);
        }

        var filled = ResidentBytes();
        Assert.Equal(mappedBefore + Size, MappedRegion.MappedBytes);

        ring.Dispose();

        // munmap is synchronous: no GC, no trim, no waiting. Other tests run alongside, so allow them 16 MiB of growth.
        var freed = filled - ResidentBytes();
        Assert.True(freed > Size - (16 * 1024 * 1024), $"RSS fell by only {freed / 1024 / 1024} MiB after unmapping a full 64 MiB ring");
        Assert.Equal(mappedBefore, MappedRegion.MappedBytes);
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
