using System.Net;
using System.Net.Sockets;
using Broadcast.ServiceDefaults;
using Broadcast.ServiceDefaults.Clients;
using Broadcast.ServiceDefaults.Listeners;
using Broadcast.ServiceDefaults.Memory;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// The lean listener path (issue #17): Kestrel connection middleware that reads a connection's first request head
/// itself (<see cref="StreamRequestHead"/>) and, when it is a listener's (<see cref="ListenerHead"/>), serves the stream on the connection's socket. A
/// listener then costs its socket, Kestrel's transport connection with its two idle pipes, and the few hundred bytes
/// of <see cref="ListenerSession"/> and its loop; no HTTP connection, request, response or header dictionary of
/// Kestrel's is held for hours. Every other connection continues into Kestrel's HTTP pipeline with its bytes unread.
/// Most listeners do not even get here: <see cref="LeanTransportFactory"/> takes them out before Kestrel sees them, with
/// this class's <see cref="Parse"/> and <see cref="ServeAsync"/>; here come those Kestrel got (a head in pieces, or
/// <c>Listeners:LeanTransport=false</c>).
/// </summary>
internal sealed partial class ListenerConnectionMiddleware(ListenerStreams streams, TrustedProxies trusted, InFlightRequests inFlight, IConfiguration configuration, Microsoft.Extensions.Options.IOptions<EdgeOptions> options, ILogger<ListenerConnectionMiddleware> logger) : ILeanListeners
{
    private readonly TimeSpan _headerTimeout = ConnectionLimit.HeaderTimeout(configuration);

    public async Task InvokeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (!options.Value.LeanListeners || connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var (request, timedOut, gone) = await StreamRequestHead.ReadAsync(connection, _headerTimeout, head => ListenerHead.Parse(head, peer, trusted)).ConfigureAwait(false);
        if (timedOut)
        {
            HeadTimedOut(logger, connection.RemoteEndPoint?.ToString(), _headerTimeout.TotalSeconds);
            return; // Kestrel closes the connection when this returns (issue #16: silence or a slow head)
        }

        if (gone)
        {
            return;
        }

        if (request is null)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        // The client sends nothing more: what it might send is not read (the pipe holds no buffer while it waits).
        await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        try
        {
            await ServeAsync(LeanConnection.Of(connection, socket), request).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ConnectionResetException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // a refusal's reply to a listener already gone
        }
    }

    public bool Enabled => options.Value.LeanListeners;

    public object? Parse(ReadOnlySpan<byte> head, IPAddress? peer) => MuxRequest.Is(head) ? new MuxRequest(peer) : ListenerHead.Parse(head, peer, trusted);

    public async Task ServeAsync(LeanConnection connection, object request)
    {
        if (request is MuxRequest mux)
        {
            await new EdgeMuxSession(connection, mux.Peer, streams, trusted, inFlight, logger).RunAsync().ConfigureAwait(false);
            return;
        }

        inFlight.Enter();
        try
        {
            await streams.ServeAsync((ListenerRequest)request, new ConnectionLine(connection)).ConfigureAwait(false);
        }
        finally
        {
            inFlight.Leave();
        }
    }

    [LoggerMessage(2103, LogLevel.Debug, "Connection from {Remote} closed: no request head within {Seconds} s")]
    private static partial void HeadTimedOut(ILogger logger, string? remote, double seconds);
}
