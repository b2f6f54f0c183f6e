namespace Broadcast.Edge.Stations;

/// <summary>
/// Wakes one wake group of a station's listeners when new bytes landed (at each chunk, or at the group's turn on the
/// station's wake timer): one pass over the listeners that caught up, instead of a timer or a queue per listener.
/// Nothing is allocated per wake-up: each listener owns one reusable <see cref="ListenerWaiter"/>, and the two
/// waiting lists are swapped, never replaced (they keep the capacity of the group's busiest moment until the feed is
/// released).
/// </summary>
/// <remarks>
/// Read <see cref="Version"/> before checking the ring for data and pass it to <see cref="WaitAsync"/>: a pulse between
/// the check and the wait changes the version, and the wait returns at once, so no chunk is slept through.
/// </remarks>
internal sealed class DataSignal
{
    private readonly Lock _lock = new();
    private readonly Lock _pulseLock = new();
    private List<ListenerWaiter> _waiting = [];
    private List<ListenerWaiter> _firing = [];
    private long _version;

    public long Version => Volatile.Read(ref _version);

    /// <summary>Completes at the first pulse after <paramref name="seen"/>; at once if there has been one already.</summary>
    public ValueTask WaitAsync(ListenerWaiter waiter, long seen)
    {
        lock (_lock)
        {
            if (_version != seen)
            {
                return ValueTask.CompletedTask;
            }

            var wait = waiter.Arm();
            _waiting.Add(waiter);
            return wait;
        }
    }

    /// <summary>Wakes every listener waiting now. Called per chunk or per wake tick, and once when the station stops.</summary>
    public void Pulse()
    {
        lock (_pulseLock)
        {
            List<ListenerWaiter> fire;
            lock (_lock)
            {
                Volatile.Write(ref _version, _version + 1);
                fire = _waiting;
                _waiting = _firing;
                _firing = fire;
            }

            foreach (var waiter in fire)
            {
                waiter.Wake(); // continuations run on the thread pool, not on the pump
            }

            fire.Clear();
        }
    }
}
