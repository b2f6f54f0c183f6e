namespace Broadcast.ServiceDefaults.Memory;

/// <summary>What a service counts as its load (listeners, sources, proxied streams); the governor watches the sum.</summary>
public interface ILoadGauge
{
    public long CurrentLoad { get; }
}

/// <summary>Requests in flight: for endless audio responses, the listeners. Counted by a middleware of the service defaults.</summary>
public sealed class InFlightRequests : ILoadGauge
{
    private long _count;

    public long CurrentLoad => Interlocked.Read(ref _count);

    public void Enter() => Interlocked.Increment(ref _count);

    public void Leave() => Interlocked.Decrement(ref _count);
}
