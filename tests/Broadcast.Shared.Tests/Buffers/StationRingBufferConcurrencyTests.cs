using Broadcast.Shared.Buffers;

namespace Broadcast.Shared.Tests.Buffers;

/// <summary>
/// One writer, many readers, a small ring: every byte any reader is given must be the byte the writer put at
/// that offset. Bytes are a function of their offset, so a byte read from an overwritten slot shows up.
/// </summary>
[Collection(MappedRingTests.Collection)]
public sealed class StationRingBufferConcurrencyTests
{
    private const int Capacity = 4096;
    private const long StreamLength = 32L * 1024 * 1024;
    private const int Readers = 6;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryRead_OneWriterManyReaders_NeverReturnsOverwrittenBytes(bool mapped)
    {
        Assert.SkipWhen(mapped && !MappedRegion.IsSupported, "mapped rings need Linux");
        using var ring = new StationRingBuffer(Capacity, indexCapacity: 64, mapped: mapped);
        using var done = new CancellationTokenSource();
        using var started = new CountdownEvent(Readers);
        var readers = Enumerable.Range(0, Readers).Select(i => Task.Run(() => Read(ring, i, started, done.Token), TestContext.Current.CancellationToken)).ToArray();
        Assert.True(started.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "readers did not start");
        var writer = Task.Run(() => Write(ring), TestContext.Current.CancellationToken);

        await writer.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        done.Cancel();
        var results = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.All(results, r => Assert.Equal(0, r.Mismatches));
        // Two cores, seven threads: how far any one reader gets depends on the scheduler, so each must check at
        // least a ring's worth and all of them together a hundred rings' worth.
        Assert.All(results, r => Assert.True(r.Verified > Capacity, $"reader verified only {r.Verified} bytes"));
        Assert.True(results.Sum(r => r.Verified) > Capacity * 100L, $"readers verified only {results.Sum(r => r.Verified)} bytes in all");
        Assert.True(results.Sum(r => r.Lags) > 0, "a 4 KiB ring with slow readers must make someone lag; otherwise the test proves nothing");
    }

    private static byte Expected(long offset) => (byte)((offset * 2654435761L) >> 13);

    private static void Write(StationRingBuffer ring)
    {
        var random = new Random(1);
        var frame = new byte[700];
        long offset = 0;
        while (offset < StreamLength)
        {
            var length = random.Next(1, frame.Length);
            for (var i = 0; i < length; i++)
            {
                frame[i] = Expected(offset + i);
            }

            ring.Append(frame.AsSpan(0, length));
            offset += length;
            Thread.SpinWait(random.Next(0, 400)); // paced, so readers on two cores can keep up some of the time
        }
    }

    private static ReaderResult Read(StationRingBuffer ring, int seed, CountdownEvent started, CancellationToken done)
    {
        started.Signal();
        var random = new Random(seed);
        var destination = new byte[random.Next(64, 1500)];
        long cursor = ring.FindBurstStart(1024);
        long verified = 0, mismatches = 0, lags = 0;
        while (true)
        {
            var status = ring.TryRead(cursor, destination.AsSpan(0, random.Next(1, destination.Length)), out var read);
            if (status == RingReadStatus.Data)
            {
                for (var i = 0; i < read; i++)
                {
                    if (destination[i] != Expected(cursor + i))
                    {
                        mismatches++;
                    }
                }

                cursor += read;
                verified += read;
                if (seed % 2 == 1)
                {
                    Thread.SpinWait(random.Next(0, 3000)); // slow readers fall behind and must be told
                }
            }
            else if (status == RingReadStatus.Lagged)
            {
                lags++;
                cursor = ring.NewestSyncPoint();
            }
            else if (done.IsCancellationRequested)
            {
                return new ReaderResult(verified, mismatches, lags);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    private sealed record ReaderResult(long Verified, long Mismatches, long Lags);
}
