namespace Broadcast.Edge.Stations;

/// <summary>
/// Wakes every listener of a station at once when a chunk lands: one task per chunk per station, shared by all
/// its listeners, instead of a timer or a queue per listener. Take <see cref="Next"/> before checking for data,
/// so a pulse between the check and the await is not lost.
/// </summary>
internal sealed class DataSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse()
    {
        var fired = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        fired.TrySetResult();
    }
}
