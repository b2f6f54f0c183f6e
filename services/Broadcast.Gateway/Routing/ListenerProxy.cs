using System.Diagnostics;
using System.Net;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// <c>GET</c>/<c>HEAD /{mount}</c> straight to the chosen edge (<see cref="GatewayOptions.ListenerProxy"/> = Direct):
/// the edge's body is read, after a zero-byte read that waits for data without holding a buffer, directly into
/// Kestrel's pipe. YARP's copier instead rents a 64 KiB array for every read, and with thousands of listeners most
/// of those rents allocate. The edge is picked exactly as for YARP: its health-checked destinations, the
/// <see cref="StationAffinityPolicy"/>.
/// </summary>
internal sealed partial class ListenerProxy(
    IProxyStateLookup proxyState,
    IEnumerable<ILoadBalancingPolicy> policies,
    EdgeLoads loads,
    Listeners.ListenerLimits limits,
    Listeners.ListenerAdmission admission,
    ServiceDefaults.Clients.TrustedProxies trusted,
    TimeProvider time,
    IOptions<GatewayOptions> options,
    IOptions<ServiceDefaults.Listeners.StalledListenerOptions> stalled,
    StallWatchdog watchdog,
    EdgeMuxes muxes,
    ILogger<ListenerProxy> logger) : IDisposable
{
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = EdgeConnectTimeout, // YARP's default: a busy edge accepts slowly, not never
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(10), // below the edges' idle close (Connections:HeaderTimeoutSeconds)
        ConnectCallback = (endpoint, cancellationToken) => ConnectAsync(endpoint.DnsEndPoint, stalled.Value.SendBufferBytes, cancellationToken),
    });

    /// <summary>How long an edge may take to accept a listener's connection and answer its request.</summary>
    private static readonly TimeSpan EdgeConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The longest ICY block: a length byte and 255 × 16 bytes of text.</summary>
    private const int IcyMaxBlockBytes = 1 + (255 * 16);

    private readonly StationAffinityPolicy _policy = policies.OfType<StationAffinityPolicy>().Single();

    public void Dispose() => _client.Dispose();

    /// <summary>A stream (or now-playing events) asked for through Kestrel's pipeline.</summary>
    public Task HandleAsync(HttpContext context) => RelayAsync(new HttpExchange(context, trusted, stalled.Value));

    /// <summary>One listener, from its request to its end, whichever path it came by.</summary>
    public async Task RelayAsync(ListenerExchange listener)
    {
        var started = time.GetTimestamp();
        // The path is checked here, once, by the rule the edge uses (StationName): "/live.mp3%20" is not /live.mp3.
        // Forwarding the decoded path instead let System.Uri trim the space and serve the other station.
        var mount = listener.Path;
        if (!StationName.TryParse(StationAffinityPolicy.StationKey(mount), out _, out var mountError))
        {
            await listener.PlainAsync(StatusCodes.Status404NotFound, "not a station: " + MountErrorText.Describe(mountError)).ConfigureAwait(false);
            return;
        }

        // The policy picks nothing from an empty list: no edge known, or none healthy.
        if (!proxyState.TryGetCluster(EdgeProxyConfig.ClusterId, out var cluster) || Pick(mount, cluster, failed: null) is null)
        {
            await listener.PlainAsync(StatusCodes.Status503ServiceUnavailable, "no edge available").ConfigureAwait(false);
            return;
        }

        // Listener limits apply to streams (GET /{mount}); HEAD probes and now-playing events take no place.
        var head = listener.Head;
        var counted = !head && mount.IndexOf('/', 1) < 0;
        if (counted && !limits.TryEnter(mount, out var refusal))
        {
            await RefuseFullAsync(listener, mount, refusal!).ConfigureAwait(false);
            return;
        }

        if (counted && !await admission.EnterAsync(listener.Aborted).ConfigureAwait(false))
        {
            limits.Leave(mount);
            await listener.PlainAsync(StatusCodes.Status503ServiceUnavailable, "too many listeners arriving at once; try again", retryAfter: "2").ConfigureAwait(false);
            return;
        }

        var station = Telemetry.GatewayTelemetry.Station(mount);
        using var span = head ? null : Telemetry.GatewayTelemetry.Source.StartActivity("listener.session", listener.SpanKind, listener.SpanParent);
        span?.SetTag("broadcast.station", mount).SetTag("client.address", listener.Client?.ToString());
        if (!head)
        {
            Telemetry.GatewayTelemetry.Listeners.Add(1, station);
        }

        var relay = new Relay(listener, cluster, mount, started, counted && options.Value.Failover);
        if (!head)
        {
            watchdog.Add(relay); // its edge's silence and its listener's (a send that waits too long)
        }

        try
        {
            await ForwardAsync(relay).ConfigureAwait(false);
        }
        finally
        {
            watchdog.Remove(relay);
            if (!head)
            {
                Telemetry.GatewayTelemetry.Listeners.Add(-1, station);
                Telemetry.GatewayTelemetry.Disconnects.Add(1, station, new KeyValuePair<string, object?>("broadcast.end_reason", relay.Reason));
                span?.SetTag("broadcast.edge", relay.EdgeId).SetTag("broadcast.end_reason", relay.Reason).SetTag("broadcast.listener.bytes", relay.Bytes)
                    .SetTag("broadcast.failovers", relay.Failovers);
            }

            relay.Leave(loads);
            if (counted)
            {
                limits.Leave(mount);
            }
        }
    }

    /// <summary>The edge for this request by the station's affinity, among the healthy ones that have not failed it.</summary>
    private DestinationState? Pick(string path, ClusterState cluster, HashSet<string>? failed)
    {
        var available = cluster.DestinationsState.AvailableDestinations;
        if (failed is { Count: > 0 })
        {
            available = [.. available.Where(d => !failed.Contains(d.DestinationId))];
        }

        return _policy.PickDestination(path, available);
    }

    /// <summary>A full station: the configured redirect (302), else 503 with the reason and when to try again.</summary>
    private Task RefuseFullAsync(ListenerExchange listener, string mount, string reason)
    {
        if (options.Value.FullRedirects.TryGetValue(mount.TrimStart('/'), out var target) && target.Length > 0)
        {
            return listener.RedirectAsync(target.StartsWith('/') ? target + listener.Query : target);
        }

        return listener.PlainAsync(StatusCodes.Status503ServiceUnavailable, reason, retryAfter: "30");
    }

    /// <summary>
    /// Relays one listener: the first edge that answers (one that refuses the connection or is draining is skipped for
    /// the next), then its stream; and when that stream ends while the listener still listens and the edge did not
    /// end it on purpose, the same response goes on from another edge at the very next byte (see <see cref="FailOverAsync"/>).
    /// </summary>
    private async Task ForwardAsync(Relay relay)
    {
        var listener = relay.Listener;
        var aborted = listener.Aborted;
        var reply = await FirstAnswerAsync(relay, listener.PathForEdge + listener.Query).ConfigureAwait(false);
        if (reply is null)
        {
            return;
        }

        Stream? body = null;
        try
        {
            await listener.AnswerAsync(reply).ConfigureAwait(false);
            if (listener.Head)
            {
                relay.Reason = "head";
                return;
            }

            var position = new RelayPosition();
            var resumable = relay.Failover && reply.IsSuccessStatusCode && position.Start(reply);
            while (true)
            {
                // Only the body is held while it streams: the message, its content and header collections were about
                // half a kilobyte per listener for the stream's life (a gcdump at 5000 listeners, 2026-12-07). Disposing
                // the body closes the edge's connection as disposing the reply would.
                var success = reply.IsSuccessStatusCode;
                body = await reply.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
                reply = null;
                var (relayed, reason) = await CopyBodyAsync(body, relay, resumable ? position : null).ConfigureAwait(false);
                relay.Bytes += relayed;
                relay.Reason = success ? reason : "refused"; // the edge's error (404, 416) went to the client as it was
                if (reason == "client_closed" || !resumable || await EndedOnPurposeAsync(relay.Edge!, listener.PathForEdge, aborted).ConfigureAwait(false))
                {
                    return;
                }

                await body.DisposeAsync().ConfigureAwait(false);
                body = null;
                reply = await FailOverAsync(relay, position).ConfigureAwait(false);
                if (reply is null)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            relay.Reason = "client_closed";
        }
        finally
        {
            reply?.Dispose();
            if (body is not null)
            {
                await body.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The first answer from an edge, trying the next in the station's order while they refuse or drain; null when none did (the client was told).</summary>
    private async Task<HttpResponseMessage?> FirstAnswerAsync(Relay relay, string pathAndQuery)
    {
        HashSet<string>? failed = null;
        var listener = relay.Listener;
        while (Pick(relay.Mount, relay.Cluster, failed) is { } destination)
        {
            relay.Enter(loads, destination);
            var (reply, timedOut) = await SendAsync(listener, relay.Edge!, pathAndQuery, listener.Head ? HttpMethod.Head : HttpMethod.Get).ConfigureAwait(false);
            if (reply is not null && reply.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                return reply;
            }

            reply?.Dispose();
            (failed ??= new HashSet<string>(StringComparer.Ordinal)).Add(destination.DestinationId);
            if (Pick(relay.Mount, relay.Cluster, failed) is null)
            {
                relay.Reason = "edge_error";
                var (status, message) = reply is not null
                    ? (StatusCodes.Status503ServiceUnavailable, "no edge can take listeners now")
                    : timedOut ? (StatusCodes.Status504GatewayTimeout, "the edge did not accept the connection in time") : (StatusCodes.Status502BadGateway, "the edge did not answer");
                await listener.PlainAsync(status, message).ConfigureAwait(false);
                return null;
            }
        }

        relay.Reason = "edge_error";
        await listener.PlainAsync(StatusCodes.Status503ServiceUnavailable, "no edge available").ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Continues a relay whose edge went away (killed, draining, stalled) on another healthy edge: first the rest of
    /// an ICY block cut short, then <c>from=&lt;offset&gt;&amp;session=</c> at the next byte, with the interleave's phase
    /// (<c>icyphase=</c>), so the listener gets exactly the bytes the lost edge would have sent. An edge that no longer
    /// holds the offset (416: the hole was longer than its ring, or the source started a new session) starts the
    /// listener at its newest frame instead (a resync, counted); a station no edge has any more ends the relay.
    /// </summary>
    private async Task<HttpResponseMessage?> FailOverAsync(Relay relay, RelayPosition position)
    {
        var listener = relay.Listener;
        var filler = position.CompleteBlock(listener.GetBuffer(IcyMaxBlockBytes).Span);
        if (!await listener.SendAsync(filler).ConfigureAwait(false))
        {
            relay.Reason = "client_closed";
            return null;
        }

        var failed = new HashSet<string>(StringComparer.Ordinal) { relay.EdgeId! };
        var path = listener.PathForEdge;
        await admission.EnterAsync(listener.Aborted).ConfigureAwait(false); // paced with new listeners; goes on even past the queue
        while (Pick(relay.Mount, relay.Cluster, failed) is { } destination)
        {
            relay.Enter(loads, destination);
            var resume = position.HeaderBytesLeft == 0;
            var (reply, _) = await SendAsync(listener, relay.Edge!, path + position.Query(resume), HttpMethod.Get).ConfigureAwait(false);
            var resynced = !resume;
            if (reply is { StatusCode: HttpStatusCode.RequestedRangeNotSatisfiable })
            {
                reply.Dispose();
                (reply, _) = await SendAsync(listener, relay.Edge!, path + position.Query(resume: false), HttpMethod.Get).ConfigureAwait(false);
                resynced = true;
            }

            if (reply is { StatusCode: HttpStatusCode.NotFound })
            {
                reply.Dispose();
                relay.Reason = "source_ended";
                return null;
            }

            if (reply is { IsSuccessStatusCode: true } && position.Continue(reply, resynced))
            {
                relay.Failovers++;
                var outcome = resynced ? "resynced" : "resumed";
                Telemetry.GatewayTelemetry.Failovers.Add(1, Telemetry.GatewayTelemetry.Station(relay.Mount), new KeyValuePair<string, object?>("broadcast.failover.outcome", outcome));
                Activity.Current?.AddEvent(new ActivityEvent("listener.failover", tags: new ActivityTagsCollection { ["broadcast.edge"] = relay.EdgeId, ["broadcast.failover.outcome"] = outcome, ["broadcast.offset"] = position.Offset }));
                GatewayLog.FailedOver(logger, relay.Mount, relay.EdgeId!, position.Offset, outcome);
                return reply;
            }

            reply?.Dispose();
            failed.Add(destination.DestinationId);
        }

        Telemetry.GatewayTelemetry.Failovers.Add(1, Telemetry.GatewayTelemetry.Station(relay.Mount), new KeyValuePair<string, object?>("broadcast.failover.outcome", "no_edge"));
        GatewayLog.NoEdgeToFailOver(logger, relay.Mount, position.Offset);
        relay.Reason = "edge_error";
        return null;
    }

    /// <summary>
    /// Edge body to the listener: wait for data holding no buffer, then read straight into the listener's buffer (a
    /// block of Kestrel's pipe, or on the lean path a pooled array given back once the socket took it).
    /// </summary>
    private async Task<(long Bytes, string Reason)> CopyBodyAsync(Stream body, Relay relay, RelayPosition? position)
    {
        var listener = relay.Listener;
        var aborted = listener.Aborted;
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(aborted); // ended by the watchdog: an edge silent for the activity timeout, or stalled
        var station = Telemetry.GatewayTelemetry.Station(relay.Mount);
        long bytes = 0;
        relay.BeginStream(silence, time.GetTimestamp());
        try
        {
            while (true)
            {
                await body.ReadAsync(Memory<byte>.Empty, silence.Token).ConfigureAwait(false);
                var memory = listener.GetBuffer();
                var read = await body.ReadAsync(memory, silence.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return (bytes, "edge_closed");
                }

                position?.Advance(memory.Span[..read]);
                relay.LastData = time.GetTimestamp();
                if (relay.Bytes + bytes == 0)
                {
                    Telemetry.GatewayTelemetry.TimeToFirstByte.Record(time.GetElapsedTime(relay.Started).TotalSeconds, station);
                }

                bytes += read;
                Telemetry.GatewayTelemetry.Bytes.Add(read, station);
                if (!await listener.SendAsync(read).ConfigureAwait(false))
                {
                    return (bytes, "client_closed");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the listener left, the edge went silent for the activity timeout, or the watchdog found it gone
            return (bytes, aborted.IsCancellationRequested ? "client_closed" : relay.Stalled ? "edge_stalled" : "edge_silent");
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            // the edge went away mid-stream (the caller decides whether the listener goes on elsewhere)
            return (bytes, "edge_error");
        }
        finally
        {
            listener.Release();
            relay.EndStream();
        }
    }
}
