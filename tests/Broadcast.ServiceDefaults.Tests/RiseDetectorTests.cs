using Broadcast.ServiceDefaults.Memory;

namespace Broadcast.ServiceDefaults.Tests;

/// <summary>When the memory governor collects after a rise: a large one, once it has held, once per doubling.</summary>
public sealed class RiseDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static readonly MemoryOptions Options = new() { QuietSeconds = 10, SettleMinimumLoad = 1000 };

    [Fact]
    public void ShouldCollect_RampThenHold_CollectsOnceTheHoldHasLastedTheQuietPeriod()
    {
        var detector = new RiseDetector(Options);
        for (var i = 0; i <= 10; i++)
        {
            Assert.False(detector.ShouldCollect(i * 500, T0.AddSeconds(i)), $"still ramping at {i * 500}");
        }

        Assert.False(detector.ShouldCollect(5000, T0.AddSeconds(19)));
        Assert.False(detector.ShouldCollect(4800, T0.AddSeconds(19.5)), "a few leaving are still the same hold");
        Assert.True(detector.ShouldCollect(5100, T0.AddSeconds(20)));
        Assert.Equal(5100, detector.Base);
        Assert.False(detector.ShouldCollect(5000, T0.AddSeconds(300)), "the same level does not collect twice");
    }

    [Fact]
    public void ShouldCollect_LoadKeepsMoving_WaitsForItToHold()
    {
        var detector = new RiseDetector(Options);
        for (var i = 0; i < 60; i++)
        {
            var load = i % 2 == 0 ? 2000 : 3000; // a reconnect storm: never within 10 % of the last sample
            Assert.False(detector.ShouldCollect(load, T0.AddSeconds(i * 6)));
        }
    }

    [Fact]
    public void ShouldCollect_SmallRises_NeverCollect()
    {
        var detector = new RiseDetector(Options);
        Assert.False(detector.ShouldCollect(999, T0));
        Assert.False(detector.ShouldCollect(999, T0.AddSeconds(3600)), "below the minimum load");

        detector.Collected(3000);
        Assert.False(detector.ShouldCollect(5000, T0.AddSeconds(4000)));
        Assert.False(detector.ShouldCollect(5000, T0.AddSeconds(5000)), "less than twice the last collection's load");
        Assert.True(detector.ShouldCollect(6000, T0.AddSeconds(5001)) || detector.ShouldCollect(6000, T0.AddSeconds(5011)));
    }

    [Fact]
    public void ShouldCollect_AfterADropCollection_MeasuresTheNextRiseFromIt()
    {
        var detector = new RiseDetector(Options);
        detector.ShouldCollect(8000, T0);
        Assert.True(detector.ShouldCollect(8000, T0.AddSeconds(10)));

        detector.Collected(100); // the drop's collection, with 100 left
        detector.ShouldCollect(2000, T0.AddSeconds(100));
        Assert.True(detector.ShouldCollect(2000, T0.AddSeconds(110)), "from 100, 2000 is a rise");
    }

    [Fact]
    public void ShouldCollect_AudienceLeftWithoutACollection_TheNextRiseCountsFromTheLowestLoad()
    {
        var detector = new RiseDetector(Options);
        detector.ShouldCollect(5000, T0);
        Assert.True(detector.ShouldCollect(5000, T0.AddSeconds(10)));

        detector.ShouldCollect(0, T0.AddSeconds(60)); // all left; the drop's collection waited out its interval
        detector.ShouldCollect(9700, T0.AddSeconds(90));
        Assert.True(detector.ShouldCollect(9700, T0.AddSeconds(100)), "9700 after 0 is a rise, though less than twice 5000");
    }
}
