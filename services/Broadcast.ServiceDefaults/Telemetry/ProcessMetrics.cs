using System.Diagnostics.Metrics;
using Broadcast.ServiceDefaults.Memory;

namespace Broadcast.ServiceDefaults.Telemetry;

/// <summary>
/// What <c>/healthz/memory</c> shows, as metrics (<c>Broadcast.Process</c>): resident memory, the GC heap, Kestrel's
/// pool and GC pauses, so an SRE sees whether memory comes back after listeners leave without scraping JSON.
/// </summary>
internal static class ProcessMetrics
{
    public const string Name = "Broadcast.Process";

    private static readonly Meter Meter = new(Name);

    /// <summary>Creates the instruments (once; the meter reads the process when a reader collects).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) != 0)
        {
            return;
        }

        Meter.CreateObservableGauge("broadcast.process.memory.resident", ProcessMemory.ResidentBytes, "By", "Resident set size (VmRSS).");
        Meter.CreateObservableGauge("broadcast.process.memory.gc_heap", () => GC.GetGCMemoryInfo().HeapSizeBytes, "By", "Managed heap after the last collection.");
        Meter.CreateObservableGauge("broadcast.process.memory.kestrel_pool", () => GovernedBlockPool.PooledBytes + GovernedBlockPool.RentedBytes, "By", "Kestrel's governed block pool: pooled and rented blocks.");
        Meter.CreateObservableCounter("broadcast.process.gc.pause", () => GC.GetTotalPauseDuration().TotalSeconds, "s", "Time paused for garbage collection since start.");
        Meter.CreateObservableCounter("broadcast.process.memory.governor_collections", () => ProcessMemory.GovernorCollections, "{collection}", "Collections the memory governor asked for.");
    }

    private static int s_registered;
}
