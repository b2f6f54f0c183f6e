using System.ComponentModel.DataAnnotations;

namespace Broadcast.Gateway;

/// <summary>Gateway settings (section <c>Gateway</c>).</summary>
internal sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    /// <summary>
    /// The directory's gRPC address (e.g. http://directory:8301): the edges come from its watch, with no static list.
    /// </summary>
    public string DirectoryUrl { get; set; } = string.Empty;

    /// <summary>
    /// The directory's HTTP address, to which the public reads (<c>/status-json.xsl</c>, <c>/status.xsl</c>,
    /// <c>/api/stations</c>, <c>/api/edges</c>) are proxied; its admin only with <see cref="ExposeAdmin"/>. Empty: not served.
    /// </summary>
    public string DirectoryHttpUrl { get; set; } = string.Empty;

    /// <summary>
    /// Also proxy the directory's admin (Icecast's <c>/admin/*</c> and <c>/api/admin/*</c>, credentials checked there)
    /// on this public URL. Off by default: the admin stays on the directory's internal address.
    /// </summary>
    public bool ExposeAdmin { get; set; }

    /// <summary>
    /// The URL listeners reach this service at (e.g. https://radio.example.org), for playlists; empty: the request's,
    /// as a proxy in front reports it with <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c>.
    /// </summary>
    public string PublicUrl { get; set; } = string.Empty;

    /// <summary>Static edge base addresses, for a gateway without a directory (quick start, tests of the live path).</summary>
    public List<string> Edges { get; set; } = [];

    /// <summary>Most listeners of one station, cluster-wide (Icecast's <c>max-listeners</c>); 0: no limit.</summary>
    [Range(0, 10_000_000)]
    public int MaxListenersPerStation { get; set; }

    /// <summary>Most listeners in all, cluster-wide (Icecast's <c>clients</c>, for listeners); 0: no limit.</summary>
    [Range(0, 10_000_000)]
    public int MaxListeners { get; set; }

    /// <summary>
    /// Where a full station sends the next listener instead of refusing it (Icecast's <c>fallback-when-full</c>, kh's
    /// <c>redirect</c>): mount name without the slash → another mount (<c>/overflow.mp3</c>) or an absolute URL.
    /// </summary>
    public Dictionary<string, string> FullRedirects { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Listeners one edge takes for a station before new ones spill to the next edge in the station's order.</summary>
    [Range(1, 1_000_000)]
    public int MaxListenersPerEdge { get; set; } = 5000;

    /// <summary>
    /// The direct proxy's requests to edges on sockets of its own, the head written and parsed by
    /// <see cref="Routing.EdgeRequest"/> (default), or through <c>HttpClient</c> (false), kept for A/B runs: the
    /// client's connection holds two 4 KiB buffers and the request for as long as the listener listens (issue #17).
    /// </summary>
    public bool RawEdgeRequests { get; set; } = true;

    /// <summary>
    /// Relay listener streams from each edge on one mux connection (<see cref="Routing.EdgeMuxes"/>) instead of a
    /// connection per listener: the gateway then needs one file per listener, the edge none, and a batch of audio for
    /// a thousand listeners is a few sends and reads between them instead of a thousand of each (issue #17). An edge
    /// without the mux, or a request it does not serve on it, gets a connection of its own as with this off.
    /// </summary>
    public bool EdgeMux { get; set; } = true;

    /// <summary>
    /// Relay listener streams on the lean path (<see cref="Listeners.LeanListenerMiddleware"/>: a listener's first request
    /// head read off its connection, the stream sent on its socket, no Kestrel HTTP connection held for the stream's
    /// life). False sends every listener through Kestrel's pipeline (<see cref="Routing.HttpExchange"/>): the A/B of issue #17.
    /// </summary>
    public bool LeanListeners { get; set; } = true;

    /// <summary>Who copies listener streams from the edges: <see cref="Routing.ListenerProxy"/> (Direct, default) or YARP.</summary>
    public ListenerProxyMode ListenerProxy { get; set; } = ListenerProxyMode.Direct;

    /// <summary>Seconds a proxied stream may be silent before YARP ends it; the edge writes a few times a second.</summary>
    [Range(5, 3600)]
    public int ActivityTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// When the edge serving a listener dies, drains or stalls, continue the same response from another edge at the
    /// next byte (<c>from=</c>), instead of ending it. Off: the response ends and the player reconnects.
    /// </summary>
    public bool Failover { get; set; } = true;

    /// <summary>
    /// New listener streams admitted per second at most (and listeners continued elsewhere after a failover), with a
    /// burst of half that and a queue of five seconds' worth; beyond the queue, 503 with Retry-After. 0: no pacing.
    /// </summary>
    [Range(0, 1_000_000)]
    public int AdmitPerSecond { get; set; } = 2000;

    /// <summary>
    /// Seconds a relayed stream may bring nothing before its edge is asked whether it is alive; one that does not
    /// answer is left and its listeners continue on another edge (<see cref="Failover"/>). The edge writes a few times a second.
    /// </summary>
    [Range(1, 3600)]
    public int StallSeconds { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Edges.Count == 0 && string.IsNullOrEmpty(DirectoryUrl))
        {
            yield return new ValidationResult("Gateway needs Gateway:DirectoryUrl (edges from the directory) or a static Gateway:Edges list", [nameof(Edges), nameof(DirectoryUrl)]);
        }

        foreach (var (mount, target) in FullRedirects)
        {
            var toMount = target.StartsWith('/');
            var valid = toMount
                ? Broadcast.Shared.Stations.StationName.TryParse(target, out var station, out _) && station.Name != mount
                : Uri.TryCreate(target, UriKind.Absolute, out var url) && url.Scheme is "http" or "https";
            if (!valid)
            {
                yield return new ValidationResult($"Gateway:FullRedirects:{mount} must be another mount (/name) or an absolute http(s) URL, not '{target}'", [nameof(FullRedirects)]);
            }
        }
    }
}

/// <summary>Who copies listener streams from the edges.</summary>
internal enum ListenerProxyMode
{
    /// <summary>YARP's forwarder (a 64 KiB copy buffer per read).</summary>
    Yarp,

    /// <summary><see cref="Routing.ListenerProxy"/>: zero-byte reads, straight into Kestrel's pipe.</summary>
    Direct,
}
