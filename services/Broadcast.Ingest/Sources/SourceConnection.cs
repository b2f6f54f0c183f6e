using System.IO.Pipelines;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// A source's transport, whichever listener accepted it (Kestrel's connection on the HTTP port, or the SHOUTcast
/// port's own socket): its pipes, its peer, the token that fires when it closes, and how to cut it.
/// </summary>
internal sealed record SourceConnection(PipeReader Input, PipeWriter Output, string? Remote, Action Abort, CancellationToken ConnectionClosed)
{
    /// <summary>The peer's address without its port, for the rule that source-credential title updates come from the source's own address.</summary>
    public string? RemoteAddress => Remote is null ? null : System.Net.IPEndPoint.TryParse(Remote, out var endPoint) ? Normal(endPoint.Address) : Remote;

    /// <summary>IPv4 as IPv4 even when a dual-mode socket reports it IPv6-mapped (<c>::ffff:127.0.0.1</c>), so addresses compare.</summary>
    public static string Normal(System.Net.IPAddress address) => (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
