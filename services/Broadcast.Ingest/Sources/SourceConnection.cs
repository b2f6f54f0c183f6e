using System.IO.Pipelines;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// A source's transport, whichever listener accepted it (Kestrel's connection on the HTTP port, or the SHOUTcast
/// port's own socket): its pipes, its peer, the token that fires when it closes, and how to cut it.
/// </summary>
internal sealed record SourceConnection(PipeReader Input, PipeWriter Output, string? Remote, Action Abort, CancellationToken ConnectionClosed)
{
    /// <summary>The peer's address without its port, for the rule that source-credential title updates come from the source's own address.</summary>
    public string? RemoteAddress => Remote is null ? null
        : System.Net.IPEndPoint.TryParse(Remote, out var endPoint) ? ServiceDefaults.Clients.TrustedProxies.Normal(endPoint.Address).ToString() : Remote;
}
