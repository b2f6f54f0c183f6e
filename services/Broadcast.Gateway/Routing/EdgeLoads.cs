using System.Collections.Frozen;

namespace Broadcast.Gateway.Routing;

/// <summary>Listeners per edge as the edges last reported them to the directory (all gateways' listeners, not just ours).</summary>
internal sealed class EdgeLoads
{
    private volatile FrozenDictionary<string, long> _reported = FrozenDictionary<string, long>.Empty;

    public long Reported(string edgeId) => _reported.GetValueOrDefault(edgeId);

    public void Update(IEnumerable<KeyValuePair<string, long>> reported) => _reported = reported.ToFrozenDictionary(StringComparer.Ordinal);
}
