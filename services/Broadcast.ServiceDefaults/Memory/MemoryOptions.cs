using System.ComponentModel.DataAnnotations;

namespace Broadcast.ServiceDefaults.Memory;

/// <summary>
/// How a service gives memory back after load drops (section <c>Memory</c>). The defaults come from the
/// measurements in research/dotnet.md §1–2 and the benchmark in the README.
/// </summary>
public sealed class MemoryOptions
{
    public const string Section = "Memory";

    /// <summary>Run the governor: an aggressive, compacting GC once load has dropped and stayed down.</summary>
    public bool GovernorEnabled { get; set; } = true;

    /// <summary>Load counts as dropped when it is at most this fraction of its peak since the last collection.</summary>
    [Range(0.0, 1.0)]
    public double DropFraction { get; set; } = 0.5;

    /// <summary>Seconds load must stay dropped before collecting, so a reconnect wave does not trigger it.</summary>
    [Range(1, 3600)]
    public int QuietSeconds { get; set; } = 10;

    /// <summary>Fewest seconds between two collections: a blocking full GC is cheap with a small live heap, not free.</summary>
    [Range(1, 86_400)]
    public int MinIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Also collect once load has risen to twice its level at the last collection, at least
    /// <see cref="SettleMinimumLoad"/>, and held within 10 % of one level for <see cref="QuietSeconds"/>: what a ramp of
    /// thousands of connections leaves behind is otherwise kept for as long as the listeners stay (README, issue #17).
    /// </summary>
    public bool SettleAfterRise { get; set; } = true;

    /// <summary>Least load (requests in flight) a rise must reach before it is worth a blocking collection.</summary>
    [Range(1, 10_000_000)]
    public int SettleMinimumLoad { get; set; } = 1000;

    /// <summary>Seconds between load samples.</summary>
    [Range(1, 60)]
    public int CheckSeconds { get; set; } = 2;

    /// <summary>
    /// Kestrel's buffer pool. <see cref="KestrelPool.Governed"/> reuses blocks under load and lets the governor
    /// return them; <see cref="KestrelPool.Shared"/> returns memory too but allocates on most writes under load;
    /// Kestrel's own pinned pool keeps most of its peak (research §1.2; README benchmark).
    /// </summary>
    public KestrelPool KestrelPool { get; set; } = KestrelPool.Governed;

    /// <summary>
    /// Block size of the <see cref="GovernedBlockPool"/>: what one socket write or read can carry before the pipe needs
    /// another block. With the gateway reading the edge unchunked (HTTP/1.0), 16 KiB instead of 4 cut the CPU per
    /// listener-minute by about 13 % at 1000 and 5000 listeners, and cost the edge 30–60 MiB more at a 5000-listener
    /// peak: every block in flight is a whole block (README, issue #5 figures).
    /// </summary>
    [Range(1024, 64 * 1024)]
    public int KestrelBlockBytes { get; set; } = GovernedBlockPool.DefaultBlockSize;
}

/// <summary>Which memory pool Kestrel's transport uses.</summary>
public enum KestrelPool
{
    /// <summary><c>MemoryPool&lt;byte&gt;.Shared</c>: ArrayPool-backed, unpinned, trimmed and compacted by the GC.</summary>
    Shared,

    /// <summary>Kestrel's default pinned-block pool (POH, never compacted; slow eviction).</summary>
    Pinned,

    /// <summary><see cref="GovernedBlockPool"/>: pinned 4 KiB blocks reused without limit, all freed by the memory governor.</summary>
    Governed,
}
