using Broadcast.Ingest.Sources;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Tests.Sources;

public sealed class SourceLoginLimiterTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Now { get; set; } = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now;

        public void Advance(TimeSpan by) => Now += by.Ticks;
    }

    private static (SourceLoginLimiter Limiter, ManualTime Time) Create(int failures = 3, int windowSeconds = 60)
    {
        var time = new ManualTime();
        var options = Options.Create(new IngestOptions { LoginFailuresPerAddress = failures, LoginFailureWindowSeconds = windowSeconds });
        return (new SourceLoginLimiter(options, time), time);
    }

    [Fact]
    public void Failures_UpToTheLimit_ThenLimitedUntilTheWindowEnds()
    {
        var (limiter, time) = Create();
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(limiter.RetryAfter("10.0.0.1"));
            limiter.Failed("10.0.0.1");
        }

        Assert.Equal(TimeSpan.FromSeconds(60), limiter.RetryAfter("10.0.0.1"));
        time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(TimeSpan.FromSeconds(15), limiter.RetryAfter("10.0.0.1"));
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.Null(limiter.RetryAfter("10.0.0.1"));
    }

    [Fact]
    public void OtherAddresses_AndSuccess_AreNotLimited()
    {
        var (limiter, _) = Create(failures: 2);
        limiter.Failed("10.0.0.1");
        limiter.Failed("10.0.0.1");

        Assert.NotNull(limiter.RetryAfter("10.0.0.1"));
        Assert.Null(limiter.RetryAfter("10.0.0.2"));
        Assert.Null(limiter.RetryAfter(null));

        limiter.Failed("10.0.0.2");
        limiter.Succeeded("10.0.0.2");
        limiter.Failed("10.0.0.2");
        Assert.Null(limiter.RetryAfter("10.0.0.2"));
    }

    [Fact]
    public void ManyAddresses_TrackingIsBounded_ExpiredOnesMakeRoom()
    {
        var (limiter, time) = Create(failures: 1);
        for (var i = 0; i < SourceLoginLimiter.MaxAddresses; i++)
        {
            limiter.Failed("a" + i);
        }

        limiter.Failed("one-too-many"); // every slot is current: not tracked
        Assert.Null(limiter.RetryAfter("one-too-many"));
        Assert.NotNull(limiter.RetryAfter("a0"));

        time.Advance(TimeSpan.FromSeconds(61));
        limiter.Failed("after-expiry"); // expired entries are dropped to make room
        Assert.NotNull(limiter.RetryAfter("after-expiry"));
    }
}
