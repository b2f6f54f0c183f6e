using System.IO.Hashing;
using System.Text;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// Rendezvous (highest-random-weight) hashing of the station over the healthy edges, with bounded load: a
/// station's listeners go to the edge that ranks first for it until that edge carries
/// <see cref="GatewayOptions.MaxListenersPerEdge"/> requests, then to the next. One station's listeners therefore
/// share as few rings as possible, and removing an edge moves only the stations that ranked it first.
/// </summary>
/// <remarks>An edge's load is the larger of this gateway's requests to it and the edge's own count as reported to the
/// directory (which includes other gateways' listeners).</remarks>
internal sealed class StationAffinityPolicy(Microsoft.Extensions.Options.IOptions<GatewayOptions> options, EdgeLoads loads) : ILoadBalancingPolicy
{
    public const string PolicyName = "StationAffinity";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations) =>
        PickDestination(context.Request.Path.Value ?? "/", availableDestinations);

    /// <summary>The edge for a request of <paramref name="path"/> (a stream's or the now-playing events').</summary>
    public DestinationState? PickDestination(string path, IReadOnlyList<DestinationState> availableDestinations)
    {
        var station = StationKey(path);
        var limit = options.Value.MaxListenersPerEdge;
        DestinationState? best = null;
        DestinationState? bestUnderLimit = null;
        ulong bestScore = 0, bestUnderLimitScore = 0;
        foreach (var destination in availableDestinations)
        {
            var score = Score(station, destination.DestinationId);
            if (best is null || score > bestScore)
            {
                (best, bestScore) = (destination, score);
            }

            if (Math.Max(destination.ConcurrentRequestCount + loads.Local(destination.DestinationId), loads.Reported(destination.DestinationId)) < limit && (bestUnderLimit is null || score > bestUnderLimitScore))
            {
                (bestUnderLimit, bestUnderLimitScore) = (destination, score);
            }
        }

        return bestUnderLimit ?? best;
    }

    /// <summary>
    /// The station a request is for: its path, or for now-playing events (<c>/api/stations/{mount}/events</c>) the
    /// mount, so a station's watchers land on the edge that holds its listeners' ring.
    /// </summary>
    internal static string StationKey(string path)
    {
        const string prefix = "/api/stations/", suffix = "/events";
        return path.StartsWith(prefix, StringComparison.Ordinal) && path.EndsWith(suffix, StringComparison.Ordinal) && path.Length > prefix.Length + suffix.Length
            ? path[(prefix.Length - 1)..^suffix.Length]
            : path;
    }

    /// <summary>A stable 64-bit hash (XxHash64, not string.GetHashCode, which differs per process).</summary>
    internal static ulong Score(string station, string destinationId) =>
        XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(station + "|" + destinationId));
}
