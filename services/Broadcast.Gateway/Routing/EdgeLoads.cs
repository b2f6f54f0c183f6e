using System.Collections.Frozen;
using System.Runtime.CompilerServices;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// Listeners per edge as the edges last reported them to the directory (all gateways' listeners, not just ours), and
/// this gateway's own streams per edge when it proxies listeners itself (<see cref="ListenerProxy"/>).
/// </summary>
internal sealed class EdgeLoads
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, StrongBox<long>> _local = new(StringComparer.Ordinal);
    private volatile FrozenDictionary<string, long> _reported = FrozenDictionary<string, long>.Empty;

    public long Reported(string edgeId) => _reported.GetValueOrDefault(edgeId);

    /// <summary>This gateway's streams to the edge now (YARP counts its own; this counts <see cref="ListenerProxy"/>'s).</summary>
    public long Local(string edgeId) => _local.TryGetValue(edgeId, out var count) ? Interlocked.Read(ref count.Value) : 0;

    public void Enter(string edgeId) => Interlocked.Increment(ref _local.GetOrAdd(edgeId, _ => new StrongBox<long>()).Value);

    public void Leave(string edgeId)
    {
        if (_local.TryGetValue(edgeId, out var count))
        {
            Interlocked.Decrement(ref count.Value);
        }
    }

    public void Update(IEnumerable<KeyValuePair<string, long>> reported) => _reported = reported.ToFrozenDictionary(StringComparer.Ordinal);
}
