namespace Broadcast.ServiceDefaults.Memory;

/// <summary>The governor's decision, apart from any GC so it can be tested: has load dropped and stayed down long enough?</summary>
internal sealed class DropDetector(MemoryOptions options)
{
    private long _peak;
    private DateTimeOffset? _droppedSince;
    private DateTimeOffset _lastCollection = DateTimeOffset.MinValue;

    /// <summary>The peak the last positive decision was measured against.</summary>
    public long LastPeak { get; private set; }

    public bool ShouldCollect(long load, DateTimeOffset now)
    {
        _peak = Math.Max(_peak, load);
        if (_peak == 0 || load > _peak * options.DropFraction)
        {
            _droppedSince = null;
            return false;
        }

        _droppedSince ??= now;
        if (now - _droppedSince < TimeSpan.FromSeconds(options.QuietSeconds) || now - _lastCollection < TimeSpan.FromSeconds(options.MinIntervalSeconds))
        {
            return false;
        }

        LastPeak = _peak;
        _peak = load; // the next collection needs a new peak and a new drop
        _droppedSince = null;
        _lastCollection = now;
        return true;
    }
}
