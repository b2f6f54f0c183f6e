using System.ComponentModel.DataAnnotations;

namespace Broadcast.Ingest;

/// <summary>Ingest settings (section <c>Ingest</c>). Every limit states its unit and why it has its default.</summary>
internal sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>Password any source may use (user <c>source</c> unless <see cref="SourceUser"/> says otherwise). Empty disables it.</summary>
    public string SourcePassword { get; set; } = string.Empty;

    /// <summary>User name expected with <see cref="SourcePassword"/>; Icecast's default is <c>source</c>.</summary>
    public string SourceUser { get; set; } = "source";

    /// <summary>Admin user for title updates of any mount from anywhere (Icecast's <c>admin-user</c>).</summary>
    public string AdminUser { get; set; } = "admin";

    /// <summary>Admin password (Icecast's <c>admin-password</c>); empty: only source credentials update titles.</summary>
    public string AdminPassword { get; set; } = string.Empty;

    /// <summary>
    /// TCP port for SHOUTcast v1/v2 sources (password line, then <c>icy-*</c> headers; Icecast's <c>shoutcast-mount</c>
    /// listen socket). 0: off. Encoders in SHOUTcast mode connect to the port they are given plus one, so this is
    /// usually the encoder-facing port + 1.
    /// </summary>
    [Range(0, 65535)]
    public int ShoutcastPort { get; set; }

    /// <summary>Address the SHOUTcast port binds; loopback by default, as the quick start binds everything.</summary>
    public string ShoutcastAddress { get; set; } = "127.0.0.1";

    /// <summary>The mount SHOUTcast stream 1 feeds (Icecast's default <c>shoutcast-mount</c> is <c>/stream</c>).</summary>
    public string ShoutcastMount { get; set; } = "/stream";

    /// <summary>Mounts of further SHOUTcast v2 stream ids (<c>password:#2</c>, <c>admin.cgi?sid=2</c>), keyed by id.</summary>
    public Dictionary<string, string> ShoutcastStreams { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Certificate for sources that upgrade to TLS on the source port (RFC 2817; libshout's default "auto" TLS mode
    /// asks): a PEM certificate with <see cref="TlsKeyPath"/>, or a PKCS#12 file with <see cref="TlsCertificatePassword"/>.
    /// Empty: no TLS, and the upgrade probe is answered as Icecast does without it.
    /// </summary>
    public string TlsCertificatePath { get; set; } = string.Empty;

    /// <summary>PEM private key of <see cref="TlsCertificatePath"/>; empty when that is a PKCS#12 file.</summary>
    public string TlsKeyPath { get; set; } = string.Empty;

    /// <summary>Password of a PKCS#12 <see cref="TlsCertificatePath"/>.</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>
    /// Ogg stations: a title update (<c>/admin/metadata</c>) also starts a new chain whose comment header carries it, so
    /// players that read Ogg comments (VLC, mpv, ffmpeg) show it. Off by default: browsers stall on chained Ogg, and
    /// the title reaches everyone out of band (status-json, now-playing events) either way.
    /// </summary>
    public bool OggTitleChains { get; set; }

    /// <summary>Per-mount passwords, keyed by mount name without the slash; they take precedence over the global one.</summary>
    public Dictionary<string, string> MountPasswords { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Seconds a station stays on the air after its source leaves: listeners stay connected and hear the fallback, and a
    /// returning or new source continues the same stream (a DJ hand-over). 0: the station ends with its source, as in
    /// Icecast without a fallback mount.
    /// </summary>
    [Range(0, 3600)]
    public int LingerSeconds { get; set; } = 10;

    /// <summary>
    /// Fallback mounts by mount name without the slash (Icecast's <c>fallback-mount</c>): played while the station has
    /// no source, when that mount is live with the same codec. The directory's <c>/admin/fallbacks</c> overrides these.
    /// </summary>
    public Dictionary<string, string> Fallbacks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Fallback files by mount name without the slash, looped; the file must be in the station's codec.</summary>
    public Dictionary<string, string> FallbackFiles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>With no live fallback mount or file, play frame-aligned silence in the station's codec (MPEG audio, AAC).</summary>
    public bool FallbackSilence { get; set; } = true;

    /// <summary>
    /// Source priorities by user name: a source whose user has a higher priority takes a live station over from a lower
    /// one (a live DJ over an automatic playlist), which waits connected and resumes when the DJ leaves. Unlisted users
    /// have priority 0; two sources of equal priority: the second gets 403, as in Icecast.
    /// </summary>
    public Dictionary<string, int> SourcePriorities { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Seconds between chunks that carry trace context to the edges (a span at ingest and at each edge, in one trace
    /// with the source session), while tracing is on; 0: none. One every 20 s is three a minute per station: enough to
    /// see the hop's latency, and nothing next to the ten chunks a second the station publishes.
    /// </summary>
    [Range(0, 3600)]
    public int TraceChunkSeconds { get; set; } = 20;

    /// <summary>Most concurrent sources; the next gets 503. Icecast's <c>sources</c> limit defaults to 2; we allow more.</summary>
    [Range(1, 100_000)]
    public int MaxSources { get; set; } = 100;

    /// <summary>Largest request head in bytes. Source heads are a few hundred bytes; Kestrel allows 32 KiB.</summary>
    [Range(1024, 65536)]
    public int MaxHeaderBytes { get; set; } = 8192;

    /// <summary>Seconds a client may take to send its request head (slowloris guard); Kestrel's default is 30 s.</summary>
    [Range(1, 300)]
    public int HeaderTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Wrong source passwords one client address may send within <see cref="LoginFailureWindowSeconds"/>; then it is
    /// refused with 429 until the window ends (a password-guessing guard; other addresses are not affected).
    /// </summary>
    [Range(1, 100_000)]
    public int LoginFailuresPerAddress { get; set; } = 20;

    /// <summary>Seconds over which wrong source passwords are counted per address, and how long a limited one waits.</summary>
    [Range(1, 3600)]
    public int LoginFailureWindowSeconds { get; set; } = 60;

    /// <summary>Seconds without a byte from a source before it is ended; Icecast's <c>source-timeout</c> is 10 s.</summary>
    [Range(1, 3600)]
    public int SourceIdleTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Seconds a source may send bytes in which no audio frame of its declared codec is found (garbage, the wrong
    /// codec) before it is closed and its station ended: listeners would get nothing from it.
    /// </summary>
    [Range(1, 3600)]
    public int NoAudioSeconds { get; set; } = 10;

    /// <summary>
    /// The directory's gRPC address (e.g. http://directory:8301): provisioned credentials and one source per mount
    /// across every ingest. Empty: this ingest decides alone (quick start).
    /// </summary>
    public string DirectoryUrl { get; set; } = string.Empty;

    /// <summary>This ingest's name in leases and station records; default: host name and a random suffix.</summary>
    [Required]
    public string IngestId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How long a source's lease and its station record live without renewal (a crashed ingest's stations vanish after this).</summary>
    [Range(1000, 60_000)]
    public int LeaseTtlMilliseconds { get; set; } = 6000;

    /// <summary>Target duration of one published chunk in milliseconds (DESIGN.md: about 100 ms).</summary>
    [Range(10, 2000)]
    public int ChunkMilliseconds { get; set; } = 100;

    /// <summary>Bytes of recent audio kept per source for edges' burst requests; 512 KiB ≈ 32 s at 128 kbit/s.</summary>
    [Range(131072, 64 * 1024 * 1024)]
    public int BurstBufferBytes { get; set; } = 512 * 1024;

    /// <summary>Largest burst an edge may ask for, in bytes; keeps replies far under NATS's 1 MB max_payload.</summary>
    [Range(1024, 900 * 1024)]
    public int MaxBurstBytes { get; set; } = 256 * 1024;
}
