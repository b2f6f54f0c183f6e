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
/// </summary>
internal sealed partial class ListenerConnectionMiddleware(ListenerStreams streams, TrustedProxies trusted, InFlightRequests inFlight, IConfiguration configuration, Microsoft.Extensions.Options.IOptions<EdgeOptions> options, ILogger<ListenerConnectionMiddleware> logger)
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
        inFlight.Enter();
        try
        {
            await streams.ServeAsync(request, new ConnectionLine(connection, socket)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ConnectionResetException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // a refusal's reply to a listener already gone
        }
        finally
        {
            inFlight.Leave();
        }
    }

    [LoggerMessage(2103, LogLevel.Debug, "Connection from {Remote} closed: no request head within {Seconds} s")]
    private static partial void HeadTimedOut(ILogger logger, string? remote, double seconds);
}
