using System.Threading.Tasks.Sources;

namespace Broadcast.Edge.Stations;

/// <summary>
/// One listener's reusable wait for the next chunk: a <see cref="IValueTaskSource"/> armed before each wait and woken by
/// <see cref="DataSignal.Pulse"/>. Allocated once per listener; waiting and waking allocate nothing.
/// </summary>
internal sealed class ListenerWaiter : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    /// <summary>Readies a new wait. Only after the previous one was awaited (its result taken).</summary>
    public ValueTask Arm()
    {
        _core.Reset();
        return new ValueTask(this, _core.Version);
    }

    public void Wake() => _core.SetResult(true);

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
