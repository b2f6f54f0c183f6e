using Broadcast.Shared.Buffers;

namespace Broadcast.Shared.Tests.Buffers;

public sealed class StationRingBufferTests
{
    [Fact]
    public void TryRead_AfterAppend_ReturnsTheBytesAtTheCursor()
    {
        var ring = new StationRingBuffer(16);
        ring.Append([1, 2, 3, 4, 5]);
        var destination = new byte[3];

        Assert.Equal(RingReadStatus.Data, ring.TryRead(1, destination, out var read));
        Assert.Equal(3, read);
        Assert.Equal([2, 3, 4], destination);
        Assert.Equal(RingReadStatus.CaughtUp, ring.TryRead(5, destination, out _));
        Assert.Equal(RingReadStatus.Ahead, ring.TryRead(6, destination, out _));
    }

    [Fact]
    public void Append_PastCapacity_WrapsAndReportsOverwrittenAsLagged()
    {
        var ring = new StationRingBuffer(10);
        ring.Append([0, 1, 2, 3, 4, 5]);
        ring.Append([6, 7, 8, 9, 10, 11]);
        var destination = new byte[10];

        Assert.Equal(2, ring.Start);
        Assert.Equal(12, ring.End);
        Assert.Equal(RingReadStatus.Lagged, ring.TryRead(1, destination, out _));
        Assert.True(ring.IsLagging(1));
        Assert.Equal(RingReadStatus.Data, ring.TryRead(2, destination, out var read));
        Assert.Equal(10, read);
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11], destination);
        Assert.Equal(10, ring.GetLag(2));
    }

    [Fact]
    public void Constructor_InitialOffset_CursorsAreAbsoluteStreamOffsets()
    {
        var ring = new StationRingBuffer(8, initialOffset: 1_000_000);
        ring.Append([9, 8, 7]);
        var destination = new byte[2];

        Assert.Equal(RingReadStatus.Data, ring.TryRead(1_000_001, destination, out _));
        Assert.Equal([8, 7], destination);
        Assert.Equal(RingReadStatus.Lagged, ring.TryRead(999_999, destination, out _));
    }

    [Fact]
    public void FindBurstStart_Bytes_NewestFrameBoundaryAtLeastThatFarBack()
    {
        var ring = new StationRingBuffer(1000);
        for (var i = 0; i < 10; i++)
        {
            ring.Append(new byte[50]); // frames start at 0, 50, …, 450; End = 500
        }

        Assert.Equal(350, ring.FindBurstStart(120)); // 500 - 120 = 380 → boundary 350
        Assert.Equal(400, ring.FindBurstStart(100));
        Assert.Equal(0, ring.FindBurstStart(10_000)); // not that much held: the oldest boundary
        Assert.Equal(450, ring.NewestSyncPoint());
    }

    [Fact]
    public void FindBurstStart_AfterWrap_NeverBeforeStart()
    {
        var ring = new StationRingBuffer(200);
        for (var i = 0; i < 10; i++)
        {
            ring.Append(new byte[30]); // End = 300, Start = 100; boundaries held: 120 … 270
        }

        Assert.Equal(120, ring.FindBurstStart(10_000));
    }

    [Fact]
    public void FindBurstStart_NonSyncFrames_Skipped()
    {
        var ring = new StationRingBuffer(1000);
        ring.Append(new byte[50]);                    // 0, sync
        ring.Append(new byte[50], syncPoint: false);  // 50
        ring.Append(new byte[50], syncPoint: false);  // 100

        Assert.Equal(0, ring.FindBurstStart(10));
    }

    [Fact]
    public void FindBurstStartByDuration_Seconds_CountsFrameDurations()
    {
        var ring = new StationRingBuffer(100_000);
        for (var i = 0; i < 100; i++)
        {
            ring.Append(new byte[400], durationMicroseconds: 26_122); // ~one 128 kbit/s MP3 frame
        }

        var start = ring.FindBurstStartByDuration(TimeSpan.FromSeconds(1));

        Assert.Equal(0, start % 400);
        var framesBack = (ring.End - start) / 400;
        Assert.Equal(39, framesBack); // 39 × 26.122 ms ≥ 1 s > 38 × 26.122 ms
    }

    [Fact]
    public void FindBurstStart_EmptyRing_IsEnd()
    {
        var ring = new StationRingBuffer(100, initialOffset: 77);

        Assert.Equal(77, ring.FindBurstStart(64));
    }

    [Fact]
    public void Discontinue_DropsHeldBytesAndOldBoundaries()
    {
        var ring = new StationRingBuffer(1000);
        ring.Append(new byte[100]);
        ring.Append(new byte[100]);

        ring.Discontinue(500);
        ring.Append([1, 2, 3]);

        Assert.Equal(500, ring.Start);
        Assert.Equal(503, ring.End);
        Assert.Equal(RingReadStatus.Lagged, ring.TryRead(150, new byte[4], out _));
        Assert.Equal(500, ring.FindBurstStart(10_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Discontinue(10));
    }

    [Fact]
    public void Append_FrameLargerThanCapacity_Throws()
    {
        var ring = new StationRingBuffer(10);

        Assert.Throws<ArgumentException>(() => ring.Append(new byte[11]));
        Assert.Equal(0, ring.End);
    }

    [Fact]
    public void AppendAndTryRead_SteadyState_AllocateNothing()
    {
        var ring = new StationRingBuffer(64 * 1024);
        var frame = new byte[417];
        var destination = new byte[4096];
        long cursor = 0;
        Cycle();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20_000; i++)
        {
            Cycle();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(ring.End, cursor);

        void Cycle()
        {
            ring.Append(frame, 26_122);
            if (ring.TryRead(cursor, destination, out var read) == RingReadStatus.Data)
            {
                cursor += read;
            }

            cursor = Math.Max(cursor, ring.FindBurstStart(0));
        }
    }
}
