using System.Diagnostics;
using System.Net;
using Broadcast.ServiceDefaults.Clients;
using Broadcast.ServiceDefaults.Listeners;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// What the edge takes from a listener's request: read from the raw head by <see cref="ListenerHead"/> on the lean
/// path, or from Kestrel's request when a stream is asked for on a connection Kestrel already serves. Made once per
/// listener, at its join.
/// </summary>
internal sealed class ListenerRequest
{
    /// <summary>The request's path: <c>/</c> and a mount name (not yet checked).</summary>
    public required string Mount { get; init; }

    /// <summary>A <c>HEAD</c>: headers, no stream.</summary>
    public bool Head { get; init; }

    /// <summary>An HTTP/1.0 request (answered as such); else HTTP/1.1.</summary>
    public bool Http10 { get; init; }

    /// <summary><c>from=</c>, <c>session=</c>, <c>icyphase=</c>: a resume (ListenerEndpoint.Resume.cs).</summary>
    public string? From { get; init; }

    public string? Session { get; init; }

    public string? IcyPhase { get; init; }

    /// <summary><c>Icy-MetaData: 1</c>.</summary>
    public bool WantsIcyMetadata { get; init; }

    public string UserAgent { get; init; } = string.Empty;

    /// <summary>The client as far as the trusted proxies vouch for it (see <see cref="TrustedProxies"/>).</summary>
    public IPAddress? Client { get; init; }

    /// <summary>The caller's trace (<c>traceparent</c>, a gateway's listener span): the listener's span is its child.</summary>
    public ActivityContext Parent { get; init; }

    /// <summary>From a request Kestrel parsed.</summary>
    public static ListenerRequest Of(HttpContext context, string mount, TrustedProxies trusted)
    {
        var request = context.Request;
        ActivityContext.TryParse(request.Headers.TraceParent, request.Headers.TraceState, out var parent);
        return new ListenerRequest
        {
            Mount = "/" + mount,
            Head = HttpMethods.IsHead(request.Method),
            Http10 = request.Protocol == "HTTP/1.0",
            From = request.Query.TryGetValue("from", out var from) ? from[0] : null,
            Session = request.Query.TryGetValue("session", out var session) ? session[0] : null,
            IcyPhase = request.Query.TryGetValue("icyphase", out var phase) ? phase[0] : null,
            WantsIcyMetadata = IcyClients.WantsIcyMetadata(request.Headers),
            UserAgent = request.Headers.UserAgent.ToString(),
            Client = trusted.ClientOf(context),
            Parent = parent,
        };
    }
}
