using System.IO.Pipelines;
using System.Net;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.LoadBalancing;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// <c>GET</c>/<c>HEAD /{mount}</c> straight to the chosen edge (<see cref="GatewayOptions.ListenerProxy"/> = Direct):
/// the edge's body is read, after a zero-byte read that waits for data without holding a buffer, directly into
/// Kestrel's pipe. YARP's copier instead rents a 64 KiB array for every read, and with thousands of listeners most
/// of those rents allocate. The edge is picked exactly as for YARP: its health-checked destinations, the
/// <see cref="StationAffinityPolicy"/>.
/// </summary>
internal sealed class ListenerProxy(
    IProxyStateLookup proxyState,
    IEnumerable<ILoadBalancingPolicy> policies,
    EdgeLoads loads,
    Listeners.ListenerLimits limits,
    ServiceDefaults.Clients.TrustedProxies trusted,
    TimeProvider time,
    IOptions<GatewayOptions> options) : IDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private static readonly string[] ForwardedRequestHeaders = ["User-Agent", "Icy-MetaData", "Accept", "Referer"];

    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(15), // YARP's default: a busy edge accepts slowly, not never
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    });

    private readonly ILoadBalancingPolicy _policy = policies.Single(p => p.Name == StationAffinityPolicy.PolicyName);

    public void Dispose() => _client.Dispose();

    public async Task HandleAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        // The path is checked here, once, by the rule the edge uses (StationName): "/live.mp3%20" is not /live.mp3.
        // Forwarding the decoded path instead let System.Uri trim the space and serve the other station.
        if (!StationName.TryParse(StationAffinityPolicy.StationKey(context.Request.Path.Value ?? "/"), out _, out var mountError))
        {
            await PlainAsync(context.Response, StatusCodes.Status404NotFound, "not a station: " + MountErrorText.Describe(mountError)).ConfigureAwait(false);
            return;
        }

        // The policy picks nothing from an empty list: no edge known, or none healthy.
        var destination = proxyState.TryGetCluster(EdgeProxyConfig.ClusterId, out var cluster)
            ? _policy.PickDestination(context, cluster, cluster.DestinationsState.AvailableDestinations)
            : null;
        if (destination is null)
        {
            await PlainAsync(context.Response, StatusCodes.Status503ServiceUnavailable, "no edge available").ConfigureAwait(false);
            return;
        }

        // Listener limits apply to streams (GET /{mount}); HEAD probes and now-playing events take no place.
        var mount = context.Request.Path.Value ?? "/";
        var counted = HttpMethods.IsGet(context.Request.Method) && mount.IndexOf('/', 1) < 0;
        if (counted && !limits.TryEnter(mount, out var refusal))
        {
            await RefuseFullAsync(context, mount, refusal!).ConfigureAwait(false);
            return;
        }

        var edgeId = destination.DestinationId;
        loads.Enter(edgeId);
        var station = Telemetry.GatewayTelemetry.Station(mount);
        var head = HttpMethods.IsHead(context.Request.Method);
        using var span = head ? null : Telemetry.GatewayTelemetry.Source.StartActivity("listener.session");
        span?.SetTag("broadcast.station", mount).SetTag("broadcast.edge", edgeId).SetTag("client.address", trusted.ClientOf(context)?.ToString());
        if (!head)
        {
            Telemetry.GatewayTelemetry.Listeners.Add(1, station);
        }

        var (bytes, reason) = (0L, "refused");
        try
        {
            (bytes, reason) = await ForwardAsync(context, new Uri(destination.Model.Config.Address), mount, started, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            if (!head)
            {
                Telemetry.GatewayTelemetry.Listeners.Add(-1, station);
                Telemetry.GatewayTelemetry.Disconnects.Add(1, station, new KeyValuePair<string, object?>("broadcast.end_reason", reason));
                span?.SetTag("broadcast.end_reason", reason).SetTag("broadcast.listener.bytes", bytes);
            }

            loads.Leave(edgeId);
            if (counted)
            {
                limits.Leave(mount);
            }
        }
    }

    /// <summary>A full station: the configured redirect (302), else 503 with the reason and when to try again.</summary>
    private Task RefuseFullAsync(HttpContext context, string mount, string reason)
    {
        if (options.Value.FullRedirects.TryGetValue(mount.TrimStart('/'), out var target) && target.Length > 0)
        {
            var location = target.StartsWith('/') ? target + context.Request.QueryString.Value : target;
            context.Response.Redirect(location);
            return Task.CompletedTask;
        }

        context.Response.Headers.RetryAfter = "30";
        return PlainAsync(context.Response, StatusCodes.Status503ServiceUnavailable, reason);
    }

    /// <summary>Relays one listener from the edge; the bytes relayed and why it ended.</summary>
    private async Task<(long Bytes, string Reason)> ForwardAsync(HttpContext context, Uri edge, string mount, long started, CancellationToken aborted)
    {
        var request = context.Request;
        var response = context.Response;
        var method = HttpMethods.IsHead(request.Method) ? HttpMethod.Head : HttpMethod.Get; // the only two mapped
        using var upstream = new HttpRequestMessage(method, new Uri(edge, request.Path.ToUriComponent() + request.QueryString.Value))
        {
            // HTTP/1.0: the edge sends the endless body as is, delimited by the connection's close, instead of in
            // chunks this side would parse only for Kestrel to chunk it again for the listener (issue #5 figures).
            Version = HttpVersion.Version10,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        foreach (var name in ForwardedRequestHeaders)
        {
            if (request.Headers.TryGetValue(name, out var value))
            {
                upstream.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
            }
        }

        // The client as far as our trusted proxies vouch for it; a spoofed header from anyone else is not passed on.
        // The edge believes this header only from the gateways it trusts (its own Network:TrustedProxies).
        upstream.Headers.TryAddWithoutValidation("X-Forwarded-For", trusted.ClientOf(context)?.ToString());
        upstream.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        upstream.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);

        HttpResponseMessage reply;
        try
        {
            reply = await _client.SendAsync(upstream, aborted).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            await PlainAsync(response, StatusCodes.Status502BadGateway, "the edge did not answer").ConfigureAwait(false);
            return (0, "edge_error");
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            await PlainAsync(response, StatusCodes.Status504GatewayTimeout, "the edge did not accept the connection in time").ConfigureAwait(false);
            return (0, "edge_error");
        }

        using (reply)
        {
            response.StatusCode = (int)reply.StatusCode;
            CopyHeaders(reply.Headers, response.Headers);
            CopyHeaders(reply.Content.Headers, response.Headers);
            if (reply.IsSuccessStatusCode && ServiceDefaults.Listeners.IcyClients.WantsUnchunked(request))
            {
                response.Headers.TransferEncoding = "identity"; // see IcyClients: the body as Icecast sends it
            }

            if (method == HttpMethod.Head)
            {
                return (0, "head");
            }

            var body = await reply.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
            var relayed = await CopyBodyAsync(body, response.BodyWriter, TimeSpan.FromSeconds(options.Value.ActivityTimeoutSeconds), mount, started, aborted).ConfigureAwait(false);
            return reply.IsSuccessStatusCode ? relayed : (0, "refused"); // the edge's error (404, 416) went to the client as it was
        }
    }

    /// <summary>Edge body into Kestrel's pipe: wait for data holding no buffer, then read straight into a pipe block.</summary>
    private async Task<(long Bytes, string Reason)> CopyBodyAsync(Stream body, PipeWriter writer, TimeSpan activityTimeout, string mount, long started, CancellationToken aborted)
    {
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var station = Telemetry.GatewayTelemetry.Station(mount);
        long bytes = 0;
        try
        {
            while (true)
            {
                silence.CancelAfter(activityTimeout);
                await body.ReadAsync(Memory<byte>.Empty, silence.Token).ConfigureAwait(false);
                var read = await body.ReadAsync(writer.GetMemory(), silence.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return (bytes, "edge_closed");
                }

                writer.Advance(read);
                if (bytes == 0)
                {
                    Telemetry.GatewayTelemetry.TimeToFirstByte.Record(time.GetElapsedTime(started).TotalSeconds, station);
                }

                bytes += read;
                Telemetry.GatewayTelemetry.Bytes.Add(read, station);
                var flush = await writer.FlushAsync(aborted).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return (bytes, "client_closed");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the listener left, or the edge went silent for the activity timeout
            return (bytes, aborted.IsCancellationRequested ? "client_closed" : "edge_silent");
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            // the edge went away mid-stream: the listener's response ends; a player reconnects (and may resume)
            return (bytes, "edge_error");
        }
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (!HopByHop.Contains(name))
            {
                to[name] = values.ToArray();
            }
        }
    }

    private static Task PlainAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n");
    }
}
