using System.Text.Json;
using System.Text.Json.Serialization;

namespace Broadcast.ServiceDefaults.Memory;

/// <summary>
/// Where a process's memory is, for <c>GET /healthz/memory</c>: resident set, the GC's heap, committed and
/// fragmented bytes, Kestrel's pooled blocks, threads and governor collections; and what the GC has cost so far
/// (collections per generation, total pause time, bytes allocated). Answers "what is still held after the listeners
/// left" and "is the audio path allocating" without attaching a profiler.
/// </summary>
public sealed record MemoryReport(
    long ResidentBytes,
    long GcHeapBytes,
    long GcCommittedBytes,
    long GcFragmentedBytes,
    long GcTotalAvailableBytes,
    bool GcServer,
    long KestrelPooledBytes,
    long KestrelRentedBytes,
    int Threads,
    long GovernorCollections,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    double GcPauseMilliseconds,
    long AllocatedBytes)
{
    public static MemoryReport Now()
    {
        var gc = GC.GetGCMemoryInfo();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new MemoryReport(
            ProcessMemory.ResidentBytes(),
            gc.HeapSizeBytes,
            gc.TotalCommittedBytes,
            gc.FragmentedBytes,
            gc.TotalAvailableMemoryBytes,
            System.Runtime.GCSettings.IsServerGC,
            GovernedBlockPool.PooledBytes,
            GovernedBlockPool.RentedBytes,
            process.Threads.Count,
            ProcessMemory.GovernorCollections,
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            GC.GetTotalPauseDuration().TotalMilliseconds,
            GC.GetTotalAllocatedBytes(precise: true));
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MemoryReport))]
internal sealed partial class MemoryReportJsonContext : JsonSerializerContext;
