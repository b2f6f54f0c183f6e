using Broadcast.ServiceDefaults.Memory;

namespace Broadcast.ServiceDefaults.Tests;

/// <summary>When the memory governor collects: after a real drop, held for the quiet period, not too often.</summary>
public sealed class DropDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static readonly MemoryOptions Options = new() { DropFraction = 0.5, QuietSeconds = 10, MinIntervalSeconds = 60 };

    [Fact]
    public void ShouldCollect_LoadDropsAndStaysDown_CollectsOnceAfterTheQuietPeriod()
    {
        var detector = new DropDetector(Options);
        Assert.False(detector.ShouldCollect(2000, T0));
        Assert.False(detector.ShouldCollect(0, T0.AddSeconds(1)));
        Assert.False(detector.ShouldCollect(0, T0.AddSeconds(10)));

        Assert.True(detector.ShouldCollect(0, T0.AddSeconds(11)));
        Assert.Equal(2000, detector.LastPeak);
        Assert.False(detector.ShouldCollect(0, T0.AddSeconds(200)), "no new peak, no new collection");
    }

    [Fact]
    public void ShouldCollect_LoadComesBackDuringQuietPeriod_StartsOver()
    {
        var detector = new DropDetector(Options);
        detector.ShouldCollect(1000, T0);
        detector.ShouldCollect(100, T0.AddSeconds(1));
        Assert.False(detector.ShouldCollect(900, T0.AddSeconds(5)), "a reconnect wave is not a drop");

        Assert.False(detector.ShouldCollect(100, T0.AddSeconds(6)));
        Assert.False(detector.ShouldCollect(100, T0.AddSeconds(15)));
        Assert.True(detector.ShouldCollect(100, T0.AddSeconds(16)));
    }

    [Fact]
    public void ShouldCollect_SmallDipOrNoLoadEver_NeverCollects()
    {
        var detector = new DropDetector(Options);
        for (var i = 0; i < 100; i++)
        {
            Assert.False(detector.ShouldCollect(0, T0.AddSeconds(i * 10)));
        }

        detector.ShouldCollect(1000, T0.AddSeconds(2000));
        for (var i = 1; i < 100; i++)
        {
            Assert.False(detector.ShouldCollect(600, T0.AddSeconds(2000 + (i * 10))));
        }
    }

    [Fact]
    public void ShouldCollect_SecondDropSoonAfterTheFirst_WaitsForTheMinimumInterval()
    {
        var detector = new DropDetector(Options);
        detector.ShouldCollect(1000, T0);
        Assert.True(detector.ShouldCollect(0, T0.AddSeconds(0)) || detector.ShouldCollect(0, T0.AddSeconds(10)));
        var first = T0.AddSeconds(10);

        detector.ShouldCollect(1000, first.AddSeconds(5));
        Assert.False(detector.ShouldCollect(0, first.AddSeconds(20)));
        Assert.False(detector.ShouldCollect(0, first.AddSeconds(59)));
        Assert.True(detector.ShouldCollect(0, first.AddSeconds(60)));
    }
}
