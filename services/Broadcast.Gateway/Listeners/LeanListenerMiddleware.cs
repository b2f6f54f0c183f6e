using System.Net;
using System.Net.Sockets;
using Broadcast.Gateway.Routing;
using Broadcast.ServiceDefaults;
using Broadcast.ServiceDefaults.Clients;
using Broadcast.ServiceDefaults.Listeners;
using Broadcast.ServiceDefaults.Memory;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace Broadcast.Gateway.Listeners;

/// <summary>
/// The gateway's lean listener path (issue #17), as the edge has one: Kestrel connection middleware reads a
/// connection's first request head itself (<see cref="StreamRequestHead"/>) and, when it asks for a station's stream
/// (<c>GET</c> or <c>HEAD /{mount}</c>, not a playlist or a page of ours), relays it on the connection's socket
/// (<see cref="ConnectionExchange"/>) with the same <see cref="ListenerProxy"/> rules as any other listener: limits,
/// admission, affinity, failover. A listener then costs its socket, its edge's socket, Kestrel's transport connection,
/// and the relay's few objects; no HTTP connection, request, response or header dictionary of Kestrel's, and no buffer
/// while it waits for the edge. Every other connection continues into Kestrel's HTTP pipeline with its bytes unread.
/// Most listeners do not even get here: <see cref="LeanTransportFactory"/> takes them out before Kestrel sees them, with
/// this class's <see cref="Parse"/> and <see cref="ServeAsync"/>; here come those Kestrel got (a head in pieces, or
/// <c>Listeners:LeanTransport=false</c>).
/// </summary>
internal sealed partial class LeanListenerMiddleware(
    ListenerProxy proxy,
    TrustedProxies trusted,
    InFlightRequests inFlight,
    IConfiguration configuration,
    IOptions<GatewayOptions> options,
    IOptions<StalledListenerOptions> stalled,
    TimeProvider time,
    ILogger<LeanListenerMiddleware> logger) : ILeanListeners
{
    /// <summary>One-segment paths that are pages of the gateway's or the directory's, not stations.</summary>
    private static readonly string[] Reserved = ["/metrics", "/favicon.ico", "/robots.txt", "/admin", "/status-json.xsl", "/status.xsl"];

    private readonly TimeSpan _headerTimeout = ConnectionLimit.HeaderTimeout(configuration);

    public async Task InvokeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (!Enabled || connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var (head, timedOut, gone) = await StreamRequestHead.ReadAsync(connection, _headerTimeout, static head => IsStream(StreamRequestHead.TryParse(head, ConnectionExchange.Names))).ConfigureAwait(false);
        if (timedOut)
        {
            HeadTimedOut(logger, connection.RemoteEndPoint?.ToString(), _headerTimeout.TotalSeconds);
            return; // Kestrel closes the connection when this returns (issue #16: silence or a slow head)
        }

        if (gone)
        {
            return;
        }

        if (head is null)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        // The client sends nothing more: what it might send is not read (the pipe holds no buffer while it waits).
        await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        try
        {
            await ServeAsync(LeanConnection.Of(connection, socket), head).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ConnectionResetException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // the listener left while the gateway answered it
        }
    }

    public bool Enabled => options.Value.LeanListeners && options.Value.ListenerProxy == ListenerProxyMode.Direct;

    public object? Parse(ReadOnlySpan<byte> head, IPAddress? peer) => IsStream(StreamRequestHead.TryParse(head, ConnectionExchange.Names));

    public async Task ServeAsync(LeanConnection connection, object request)
    {
        var head = (StreamRequestHead)request;
        var headers = new HeaderDictionary();
        if (head.Values[5] is { } forwardedFor)
        {
            headers["X-Forwarded-For"] = forwardedFor;
        }

        if (head.Values[6] is { } forwarded)
        {
            headers["Forwarded"] = forwarded;
        }

        var client = trusted.ClientOf((connection.Socket.RemoteEndPoint as IPEndPoint)?.Address, headers);
        inFlight.Enter();
        try
        {
            await proxy.RelayAsync(new ConnectionExchange(connection, head, client, stalled.Value, time)).ConfigureAwait(false);
        }
        finally
        {
            inFlight.Leave();
        }
    }

    /// <summary>A stream's head: one segment that is not a playlist or a page of ours (those are Kestrel's).</summary>
    internal static StreamRequestHead? IsStream(StreamRequestHead? head) =>
        head is null || Array.IndexOf(Reserved, head.Path) >= 0 || PlaylistEndpoint.IsPlaylist(head.Path) ? null : head;

    [LoggerMessage(5103, LogLevel.Debug, "Connection from {Remote} closed: no request head within {Seconds} s")]
    private static partial void HeadTimedOut(ILogger logger, string? remote, double seconds);
}
