namespace Broadcast.ServiceDefaults.Memory;

/// <summary>
/// The governor's second decision: has load risen well above where it stood at the last collection and then held
/// steady? A ramp of thousands of connections leaves garbage behind (request parsing, connection setup, the
/// thread pool's growth), much of it promoted before it died, and the GC's budgets grow to what the ramp allocated. A
/// steady state that allocates next to nothing never runs the full collection that would give that back, so the
/// process holds it for as long as the listeners stay.
/// </summary>
internal sealed class RiseDetector(MemoryOptions options)
{
    /// <summary>Load counts as risen at this many times its level at the last collection.</summary>
    public const int RiseFactor = 2;

    /// <summary>Load counts as held while it stays within this fraction of where the hold began.</summary>
    public const double HoldBand = 0.1;

    private long _base;
    private long _level;
    private DateTimeOffset _heldSince;

    /// <summary>The lowest load since the last collection of either kind: a rise is measured from it.</summary>
    public long Base => _base;

    /// <summary>A collection ran (this detector's or the drop's) with this load: the next rise is measured from it.</summary>
    public void Collected(long load) => _base = load;

    public bool ShouldCollect(long load, DateTimeOffset now)
    {
        // From the lowest point, not the last collection: listeners who left before the drop's collection could run
        // (it waits out MinIntervalSeconds) must not make the next, larger audience count as no rise.
        _base = Math.Min(_base, load);
        if (Math.Abs(load - _level) > _level * HoldBand || (_level == 0 && load > 0))
        {
            _level = load; // still moving: a hold starts here
            _heldSince = now;
            return false;
        }

        if (load < options.SettleMinimumLoad || load < _base * RiseFactor || now - _heldSince < TimeSpan.FromSeconds(options.QuietSeconds))
        {
            return false;
        }

        _base = load;
        return true;
    }
}
