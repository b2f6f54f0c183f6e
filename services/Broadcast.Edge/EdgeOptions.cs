using System.ComponentModel.DataAnnotations;

namespace Broadcast.Edge;

/// <summary>Edge settings (section <c>Edge</c>).</summary>
internal sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>Ring bytes per active station: 2 MiB ≈ 131 s of 128 kbit/s audio, ≈ 52 s at 320 kbit/s.</summary>
    [Range(256 * 1024, 256 * 1024 * 1024)]
    public int RingBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Burst a new listener gets, in bytes back from the newest frame: Icecast's default burst-size, 64 KiB.</summary>
    [Range(0, 1024 * 1024)]
    public int BurstBytes { get; set; } = 64 * 1024;

    /// <summary>Burst in seconds instead of bytes when above 0 (icecast-kh allows both).</summary>
    [Range(0, 60)]
    public double BurstSeconds { get; set; }

    /// <summary>Seconds a station's subscription and ring are kept after its last listener leaves.</summary>
    [Range(0, 3600)]
    public int IdleGraceSeconds { get; set; } = 10;

    /// <summary>What happens to a listener whose cursor falls out of the ring: dropped (Icecast's queue-size rule) or resynced.</summary>
    public LagPolicy LagPolicy { get; set; } = LagPolicy.Drop;

    /// <summary>
    /// Rings in mmap-ed memory, unmapped the moment a station is released (default on Linux), instead of managed
    /// arrays that only an aggressive GC returns to the OS (research/dotnet.md §2.4).
    /// </summary>
    public bool MappedRings { get; set; } = Broadcast.Shared.Buffers.MappedRegion.IsSupported;

    /// <summary>
    /// Listeners of a station are woken at most this often, each time with everything that arrived since (0: at every
    /// chunk). Fewer, larger writes per listener cut CPU on the edge and the gateway, where loopback sends are most of
    /// the time (perf at 5000 listeners: sendto 72 % of the edge's CPU, 60 % of the gateway's); players buffer
    /// seconds, and a listener's burst puts it seconds ahead, so a second between writes is inaudible. New listeners
    /// still get their burst at once. 1000 ms against 500: the whole path's CPU 28 % lower at 5000 listeners and 20 %
    /// at 10000 (bench-20261205-0558); audio reaches listeners about 250 ms later on average.
    /// </summary>
    [Range(0, 5000)]
    public int WakeIntervalMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Audio bytes between ICY metadata blocks for listeners that send <c>Icy-MetaData: 1</c> (<c>icy-metaint</c>):
    /// Icecast's default, 16000. Smaller intervals switch titles closer to their byte but cost a block per interval.
    /// </summary>
    [Range(256, 1_048_576)]
    public int IcyMetaInterval { get; set; } = Broadcast.Shared.Stations.IcyMetadataBlock.DefaultInterval;

    /// <summary>The directory's gRPC address (e.g. http://directory:8301); empty: this edge reports to no one.</summary>
    public string DirectoryUrl { get; set; } = string.Empty;

    /// <summary>This edge's id in the directory; default: host name and a random suffix.</summary>
    public string EdgeId { get; set; } = string.Empty;

    /// <summary>The base URL the gateway proxies to (e.g. http://10.0.0.7:8080); default: the first bound address.</summary>
    public string AdvertiseUrl { get; set; } = string.Empty;

    /// <summary>Seconds between reports to the directory; a report lives three times as long.</summary>
    [Range(1, 60)]
    public int ReportSeconds { get; set; } = 2;

    /// <summary>
    /// Seconds an edge that was told to stop (SIGTERM) takes to let its listeners go, gradually, before it exits; keep
    /// Kubernetes' terminationGracePeriodSeconds above the preStop delay plus this plus a few seconds.
    /// </summary>
    [Range(1, 3600)]
    public int DrainSeconds { get; set; } = 20;

    /// <summary>Listeners a draining edge lets go per second at most, unless more are needed to finish within <see cref="DrainSeconds"/>.</summary>
    [Range(1, 1_000_000)]
    public int DrainListenersPerSecond { get; set; } = 500;

    /// <summary>Milliseconds to wait for the owning ingest to answer metadata and burst requests; no answer means offline.</summary>
    [Range(50, 30_000)]
    public int RequestTimeoutMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Serve listener streams on the lean path (a listener's connection read and served beside Kestrel's HTTP pipeline,
    /// <c>ListenerConnectionMiddleware</c>). False sends every request through Kestrel's pipeline, which then serves the
    /// stream on the same socket while holding its HTTP connection and request for the stream's life: the A/B of issue #17.
    /// </summary>
    public bool LeanListeners { get; set; } = true;
}
