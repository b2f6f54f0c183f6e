using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Broadcast.Gateway.Routing;

/// <summary>Builds YARP's route and cluster for listener mounts from <see cref="GatewayOptions"/>.</summary>
internal static class EdgeProxyConfig
{
    public const string ClusterId = "edges";

    public static (RouteConfig[] Routes, ClusterConfig[] Clusters) Build(GatewayOptions options)
    {
        var route = new RouteConfig
        {
            RouteId = "listeners",
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = "/{mount}", Methods = ["GET", "HEAD"] },
        };
        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = StationAffinityPolicy.PolicyName,
            Destinations = options.Edges.Select((address, i) => (address, i))
                .ToDictionary(e => $"edge-{e.i}", e => new DestinationConfig { Address = e.address }, StringComparer.Ordinal),
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = TimeSpan.FromSeconds(5),
                    Timeout = TimeSpan.FromSeconds(2),
                    Path = "/healthz/ready",
                    Policy = "ConsecutiveFailures",
                },
            },
            // Endless audio: the activity timeout ends streams that went silent, not long ones (research/dotnet.md §3.2).
            HttpRequest = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(options.ActivityTimeoutSeconds) },
        };
        return ([route], [cluster]);
    }
}
