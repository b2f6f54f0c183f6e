using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace Broadcast.Gateway.Listeners;

/// <summary>
/// Icecast's <c>max-listeners</c> per station and <c>clients</c> in all, for the cluster: a station's count is the larger
/// of this gateway's own listeners to it and the directory's total over every edge (which includes other gateways'),
/// so the limit holds cluster-wide within a report interval, and a gateway never lets more in than it alone would. A
/// full station refuses the next listener (503 with the reason, or a configured redirect) and never drops anyone
/// already listening.
/// </summary>
internal sealed class ListenerLimits(StationCatalog catalog, IOptions<GatewayOptions> options)
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _byStation = new(StringComparer.Ordinal);
    private long _total;

    /// <summary>Admits a listener to <paramref name="mount"/>, or says why not. Call <see cref="Leave"/> once for each admission.</summary>
    public bool TryEnter(string mount, out string? refusal)
    {
        var settings = options.Value;
        var station = _byStation.GetOrAdd(mount, _ => new StrongBox<long>());
        var here = Interlocked.Increment(ref station.Value);
        var total = Interlocked.Increment(ref _total);
        refusal = Refusal(mount, here, total, settings);
        if (refusal is null)
        {
            return true;
        }

        Leave(mount);
        return false;
    }

    public void Leave(string mount)
    {
        if (_byStation.TryGetValue(mount, out var station))
        {
            Interlocked.Decrement(ref station.Value);
        }

        Interlocked.Decrement(ref _total);
    }

    private string? Refusal(string mount, long here, long total, GatewayOptions settings)
    {
        if (settings.MaxListenersPerStation > 0)
        {
            // The directory's count does not include this listener yet; ours does.
            var reported = catalog.Stations.FirstOrDefault(s => s.Mount == mount)?.Listeners ?? 0;
            if (Math.Max(here, reported + 1) > settings.MaxListenersPerStation)
            {
                return $"station {mount} is full ({settings.MaxListenersPerStation} listeners)";
            }
        }

        if (settings.MaxListeners > 0 && Math.Max(total, catalog.Stations.Sum(s => s.Listeners) + 1) > settings.MaxListeners)
        {
            return $"the server is full ({settings.MaxListeners} listeners)";
        }

        return null;
    }
}
