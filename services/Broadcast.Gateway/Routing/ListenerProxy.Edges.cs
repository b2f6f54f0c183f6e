using System.Diagnostics;
using System.Net;

namespace Broadcast.Gateway.Routing;

/// <summary>The listener proxy's side toward the edges: its requests and connections, the "did you end it on purpose?" probe, headers.</summary>
internal sealed partial class ListenerProxy
{
    /// <summary>Longest wait for an edge to answer "are you still there?" after its stream ended.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After an edge's stream ended while the listener listens: true when the edge ended it on purpose (it answers
    /// and still serves the station: killclient, a lagging listener dropped; or the station is over), false when it is
    /// gone, draining or stuck, and the listener should go on elsewhere.
    /// </summary>
    private async Task<bool> EndedOnPurposeAsync(Uri edge, string path, CancellationToken aborted)
    {
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        probe.CancelAfter(ProbeTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(edge, path)) { Version = HttpVersion.Version10, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var reply = await _client.SendAsync(request, probe.Token).ConfigureAwait(false);
            return reply.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return aborted.IsCancellationRequested;
        }
    }

    /// <summary>One request to an edge with the listener's headers; null reply when the edge did not answer (and whether it timed out).</summary>
    private async Task<(HttpResponseMessage? Reply, bool TimedOut)> SendAsync(ListenerExchange listener, Uri edge, string pathAndQuery, HttpMethod method)
    {
        var target = new Uri(edge, pathAndQuery);
        try
        {
            // Streams only: the edge serves nothing else on the mux (HEAD probes and now-playing events take their own connection).
            if (options.Value.EdgeMux && method == HttpMethod.Get && listener.Path.IndexOf('/', 1) < 0
                && await muxes.SendAsync(new DnsEndPoint(target.IdnHost, target.Port), RequestHead(listener, method, target), EdgeConnectTimeout, listener.Aborted).ConfigureAwait(false) is { } muxed)
            {
                return (muxed, false);
            }

            if (options.Value.RawEdgeRequests)
            {
                return (await EdgeRequest.SendAsync(new DnsEndPoint(target.IdnHost, target.Port), RequestHead(listener, method, target), stalled.Value.SendBufferBytes, EdgeConnectTimeout, listener.Aborted).ConfigureAwait(false), false);
            }

            // HTTP/1.0 for the reason given at RequestHead; HttpClient adds traceparent itself.
            using var upstream = new HttpRequestMessage(method, target) { Version = HttpVersion.Version10, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            foreach (var (name, value) in listener.ForwardedHeaders())
            {
                if (!string.IsNullOrEmpty(value))
                {
                    upstream.Headers.TryAddWithoutValidation(name, value);
                }
            }

            return (await _client.SendAsync(upstream, listener.Aborted).ConfigureAwait(false), false);
        }
        catch (HttpRequestException)
        {
            return (null, false);
        }
        catch (TimeoutException)
        {
            return (null, true);
        }
        catch (OperationCanceledException) when (!listener.Aborted.IsCancellationRequested)
        {
            return (null, true); // HttpClient's connect timeout
        }
    }

    /// <summary>
    /// The HTTP/1.0 request head for an edge (see <see cref="EdgeRequest"/>), with <c>traceparent</c> (and baggage) as
    /// HttpClient would send them, so the edge's listener span joins this one's trace. HTTP/1.0 because the edge then
    /// sends the endless body as is, delimited by the connection's close, not in chunks this side would parse only for
    /// Kestrel to chunk it again for the listener (issue #5 figures).
    /// </summary>
    private static string RequestHead(ListenerExchange listener, HttpMethod method, Uri target)
    {
        var head = new System.Text.StringBuilder(256)
            .Append(method.Method).Append(' ').Append(target.PathAndQuery).Append(" HTTP/1.0\r\n")
            .Append("Host: ").Append(target.Authority).Append("\r\n");
        foreach (var (name, value) in listener.ForwardedHeaders())
        {
            AppendHeader(head, name, value);
        }

        DistributedContextPropagator.Current.Inject(Activity.Current, head, static (carrier, name, value) => AppendHeader((System.Text.StringBuilder)carrier!, name, value));
        return head.Append("\r\n").ToString();
    }

    /// <summary>One header line; a value with a control character (Kestrel refuses those already) is left out, never passed on.</summary>
    private static void AppendHeader(System.Text.StringBuilder head, string name, string? value)
    {
        if (string.IsNullOrEmpty(value) || value.AsSpan().ContainsAnyInRange('\0', '\u001f') || value.Contains('\u007f', StringComparison.Ordinal))
        {
            return;
        }

        head.Append(name).Append(": ").Append(value).Append("\r\n");
    }

    /// <summary>HttpClient's connection to an edge (the probe, and <see cref="GatewayOptions.RawEdgeRequests"/> off): see <see cref="EdgeRequest.ConnectAsync"/>.</summary>
    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint edge, int receiveBufferBytes, CancellationToken cancellationToken) =>
        new System.Net.Sockets.NetworkStream(await EdgeRequest.ConnectAsync(edge, receiveBufferBytes, cancellationToken).ConfigureAwait(false), ownsSocket: true);
}
