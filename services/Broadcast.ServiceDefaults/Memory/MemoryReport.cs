using System.Text.Json;
using System.Text.Json.Serialization;

namespace Broadcast.ServiceDefaults.Memory;

/// <summary>
/// Where a process's memory is, for <c>GET /healthz/memory</c>: resident set, the GC's heap, committed and
/// fragmented bytes, Kestrel's pooled blocks, threads and governor collections. Answers "what is still held after
/// the listeners left" without attaching a profiler.
/// </summary>
public sealed record MemoryReport(
    long ResidentBytes,
    long GcHeapBytes,
    long GcCommittedBytes,
    long GcFragmentedBytes,
    long GcTotalAvailableBytes,
    bool GcServer,
    long KestrelPooledBytes,
    int Threads,
    long GovernorCollections)
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
            process.Threads.Count,
            ProcessMemory.GovernorCollections);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MemoryReport))]
internal sealed partial class MemoryReportJsonContext : JsonSerializerContext;
