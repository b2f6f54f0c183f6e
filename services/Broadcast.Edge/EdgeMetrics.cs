using System.Diagnostics.Metrics;

namespace Broadcast.Edge;

/// <summary>The edge's meter, <c>Broadcast.Edge</c>; gauges are registered in Program from the registry.</summary>
internal static class EdgeMetrics
{
    public const string MeterName = "Broadcast.Edge";

    public static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Lagged = Meter.CreateCounter<long>("broadcast.edge.listeners.lagged", "{listener}", "Listeners that fell out of the ring (dropped or resynced).");
}
