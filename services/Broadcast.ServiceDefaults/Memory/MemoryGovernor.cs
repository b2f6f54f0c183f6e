using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Broadcast.ServiceDefaults.Memory;

/// <summary>
/// Returns memory after load drops. Nothing in the GC is time-based: a server that allocates little after a peak may
/// never run another full collection, and freed large-object and pool memory stays committed until an aggressive one
/// (research/dotnet.md §2.2–2.3). So when the services' load has fallen to <see cref="MemoryOptions.DropFraction"/>
/// of its peak and stayed there for <see cref="MemoryOptions.QuietSeconds"/>, at most every
/// <see cref="MemoryOptions.MinIntervalSeconds"/>, this empties the <see cref="GovernedBlockPool"/>s, runs a
/// blocking, compacting, aggressive GC and asks glibc to return free heap pages (<c>malloc_trim</c>). The same runs
/// once after load has risen and settled (<see cref="MemoryOptions.SettleAfterRise"/>, <see cref="RiseDetector"/>):
/// what the ramp left behind would otherwise be held for as long as the listeners stay.
/// </summary>
internal sealed partial class MemoryGovernor(
    IEnumerable<ILoadGauge> gauges,
    IOptions<MemoryOptions> options,
    TimeProvider time,
    ILogger<MemoryGovernor> logger) : BackgroundService
{
    public const string MeterName = "Broadcast.Memory";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Collections = Meter.CreateCounter<long>("broadcast.memory.governor.collections", "{collection}", "Aggressive collections run by the memory governor.");
    private static readonly Histogram<double> Pauses = Meter.CreateHistogram<double>("broadcast.memory.governor.pause", "ms", "Time spent in the governor's collection and trim.");
    private static int s_trimUnavailable;
    private static long s_collections;

    private readonly ILoadGauge[] _gauges = [.. gauges];

    /// <summary>Collections run so far in this process (tests and <c>/stats</c> wait on it instead of sleeping).</summary>
    public static long CollectionCount => Interlocked.Read(ref s_collections);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.GovernorEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.CheckSeconds), time);
        var drop = new DropDetector(settings);
        var rise = new RiseDetector(settings);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                long load = 0;
                foreach (var gauge in _gauges)
                {
                    load += gauge.CurrentLoad;
                }

                var now = time.GetUtcNow();
                if (drop.ShouldCollect(load, now))
                {
                    var (before, after, milliseconds) = Collect();
                    Collected(logger, drop.LastPeak, load, before / (1024 * 1024), after / (1024 * 1024), milliseconds);
                    rise.Collected(load);
                }
                else if (settings.SettleAfterRise && rise.ShouldCollect(load, now))
                {
                    var (before, after, milliseconds) = Collect();
                    Settled(logger, load, before / (1024 * 1024), after / (1024 * 1024), milliseconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>Runs the collection and trim now; returns the resident bytes before and after and how long it took.</summary>
    private static (long Before, long After, double Milliseconds) Collect()
    {
        var before = ProcessMemory.ResidentBytes();
        var clock = Stopwatch.StartNew();
        GovernedBlockPool.TrimAll(); // pooled blocks become garbage for the collection below
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
        clock.Stop();
        var after = ProcessMemory.ResidentBytes();
        Collections.Add(1);
        Interlocked.Increment(ref s_collections);
        Pauses.Record(clock.Elapsed.TotalMilliseconds);
        return (before, after, clock.Elapsed.TotalMilliseconds);
    }

    private static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref s_trimUnavailable) != 0)
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (EntryPointNotFoundException)
        {
            Volatile.Write(ref s_trimUnavailable, 1); // not glibc (musl): nothing to trim this way
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LoggerMessage(3000, LogLevel.Information, "Memory governor: load fell from {Peak} to {Load}; aggressive GC and trim took RSS from {BeforeMiB} MiB to {AfterMiB} MiB in {Milliseconds:F1} ms")]
    private static partial void Collected(ILogger logger, long peak, long load, long beforeMiB, long afterMiB, double milliseconds);

    [LoggerMessage(3001, LogLevel.Information, "Memory governor: load rose to {Load} and held; aggressive GC and trim took RSS from {BeforeMiB} MiB to {AfterMiB} MiB in {Milliseconds:F1} ms")]
    private static partial void Settled(ILogger logger, long load, long beforeMiB, long afterMiB, double milliseconds);
}
