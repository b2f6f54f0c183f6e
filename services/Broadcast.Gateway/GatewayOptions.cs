using System.ComponentModel.DataAnnotations;

namespace Broadcast.Gateway;

/// <summary>Gateway settings (section <c>Gateway</c>).</summary>
internal sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Edge base addresses (until the directory discovers them, issue #6).</summary>
    [MinLength(1)]
    public List<string> Edges { get; set; } = [];

    /// <summary>Listeners one edge takes for a station before new ones spill to the next edge in the station's order.</summary>
    [Range(1, 1_000_000)]
    public int MaxListenersPerEdge { get; set; } = 5000;

    /// <summary>Seconds a proxied stream may be silent before YARP ends it; the edge sends ~10 chunks a second.</summary>
    [Range(5, 3600)]
    public int ActivityTimeoutSeconds { get; set; } = 30;
}
