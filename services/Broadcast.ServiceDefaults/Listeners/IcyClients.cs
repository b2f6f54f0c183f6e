using Microsoft.AspNetCore.Http;

namespace Broadcast.ServiceDefaults.Listeners;

/// <summary>
/// Which listeners get the stream unchunked. Icecast answers every listener with a plain body delimited by the
/// connection's close (HTTP/1.0 style); ICY readers that send <c>HTTP/1.1</c> requests rely on that and cannot parse
/// chunked transfer coding: streamripper (<c>GET … HTTP/1.1</c>, <c>Icy-Metadata: 1</c>, <c>Connection: close</c>) reads
/// the chunk-size lines as audio and fails with SR_ERROR_INVALID_METADATA. Kestrel chunks every HTTP/1.1 body without
/// a length unless the response names another transfer coding, so for those clients the response says
/// <c>Transfer-Encoding: identity</c>: Kestrel then writes the body as it is and closes the connection at its end.
/// Browsers (which send <c>Sec-Fetch-Mode</c>) keep standard chunking.
/// </summary>
public static class IcyClients
{
    /// <summary>True for a <c>GET</c> (a <c>HEAD</c> has no body to delimit) from such a client.</summary>
    public static bool WantsUnchunked(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && WantsUnchunked(request.Protocol, request.Headers);

    public static bool WantsUnchunked(string protocol, IHeaderDictionary headers) =>
        protocol == "HTTP/1.1" && WantsIcyMetadata(headers) && !headers.ContainsKey("Sec-Fetch-Mode");

    /// <summary>Players ask for in-band titles with <c>Icy-MetaData: 1</c> (VLC, mpv, ffmpeg, streamripper, browsers' ICY readers).</summary>
    public static bool WantsIcyMetadata(IHeaderDictionary headers) =>
        headers.TryGetValue("Icy-MetaData", out var icy) && icy.Count > 0 && icy[0]?.Trim() == "1";
}
