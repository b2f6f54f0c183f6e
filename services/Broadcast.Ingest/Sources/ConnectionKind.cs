namespace Broadcast.Ingest.Sources;

/// <summary>What a new connection on the ingest's HTTP port is, from its first bytes.</summary>
internal enum ConnectionKind
{
    /// <summary>Anything Kestrel serves: health, <c>/admin/metadata</c>, <c>/admin/!POKE</c>.</summary>
    Http,

    /// <summary><c>SOURCE</c> or <c>PUT</c>: an encoder, served on the raw connection.</summary>
    Source,

    /// <summary><c>OPTIONS *</c>: libshout's TLS upgrade probe.</summary>
    Probe,
}
