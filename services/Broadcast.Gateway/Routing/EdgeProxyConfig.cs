using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Broadcast.Gateway.Routing;

/// <summary>Builds YARP's routes and clusters: listener mounts to the edges, and the directory's public API.</summary>
internal static class EdgeProxyConfig
{
    public const string ClusterId = "edges";
    public const string DirectoryClusterId = "directory";

    /// <summary>The static configuration: <see cref="GatewayOptions.Edges"/> as edge-0, edge-1, …</summary>
    public static (RouteConfig[] Routes, ClusterConfig[] Clusters) Build(GatewayOptions options) =>
        Build(options, options.Edges.Select((address, i) => new EdgeDestination($"edge-{i}", address)));

    public static (RouteConfig[] Routes, ClusterConfig[] Clusters) Build(GatewayOptions options, IEnumerable<EdgeDestination> edges)
    {
        // In Direct mode the edges cluster has no route: ListenerProxy serves /{mount} and uses the cluster's
        // health-checked destinations.
        var routes = new List<RouteConfig>();
        if (options.ListenerProxy == ListenerProxyMode.Yarp)
        {
            routes.Add(new RouteConfig
            {
                RouteId = "listeners",
                ClusterId = ClusterId,
                Match = new RouteMatch { Path = "/{mount}", Methods = ["GET", "HEAD"] },
            });
        }

        var clusters = new List<ClusterConfig>
        {
            new()
            {
                ClusterId = ClusterId,
                LoadBalancingPolicy = StationAffinityPolicy.PolicyName,
                Destinations = edges.ToDictionary(e => e.Id, e => new DestinationConfig { Address = e.Address }, StringComparer.Ordinal),
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
            },
        };

        if (!string.IsNullOrEmpty(options.DirectoryHttpUrl))
        {
            // Public reads only (the admin API stays on the directory's internal address). Order -1: "/status-json.xsl"
            // would otherwise match the listener route's "/{mount}".
            // "/api/stations/{mount}" is one segment: "/api/stations/{mount}/events" (now-playing) goes to an edge instead.
            string[] paths = ["/status-json.xsl", "/status.xsl", "/api/stations", "/api/stations/{mount}", "/api/edges"];
            routes.AddRange(paths.Select((path, i) => new RouteConfig
            {
                RouteId = $"directory-{i}",
                ClusterId = DirectoryClusterId,
                Order = -1,
                Match = new RouteMatch { Path = path, Methods = ["GET", "HEAD"] },
            }));
            if (options.ExposeAdmin)
            {
                // Icecast's admin URLs and the JSON admin API on the public URL, for operators whose tools expect them
                // there; the directory checks the credentials.
                string[] admin = ["/admin/{**command}", "/api/admin/{**command}"];
                routes.AddRange(admin.Select((path, i) => new RouteConfig
                {
                    RouteId = $"directory-admin-{i}",
                    ClusterId = DirectoryClusterId,
                    Order = -1,
                    Match = new RouteMatch { Path = path },
                }));
            }
            clusters.Add(new ClusterConfig
            {
                ClusterId = DirectoryClusterId,
                Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal) { ["directory"] = new() { Address = options.DirectoryHttpUrl } },
            });
        }

        return ([.. routes], [.. clusters]);
    }
}

/// <summary>One edge as the gateway routes to it.</summary>
internal readonly record struct EdgeDestination(string Id, string Address);
