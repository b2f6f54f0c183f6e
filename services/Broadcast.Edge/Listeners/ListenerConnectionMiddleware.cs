using System.Net;
using System.Net.Sockets;
using Broadcast.ServiceDefaults;
using Broadcast.ServiceDefaults.Clients;
using Broadcast.ServiceDefaults.Memory;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// The lean listener path (issue #17): Kestrel connection middleware that reads a connection's first request head
/// itself and, when it is a listener's (<see cref="ListenerHead"/>), serves the stream on the connection's socket. A
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

        var input = connection.Transport.Input;
        ListenerRequest? request = null;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            // The head within the header time; silence or a slow head is closed as Kestrel would (issue #16).
            limit.CancelAfter(_headerTimeout);
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync(limit.Token).ConfigureAwait(false);
                    var buffer = result.Buffer;
                    var verdict = ListenerHead.Classify(buffer, out var length);
                    if (verdict == ListenerHead.Verdict.Incomplete && !result.IsCompleted)
                    {
                        input.AdvanceTo(buffer.Start, buffer.End);
                        continue;
                    }

                    if (verdict == ListenerHead.Verdict.Whole)
                    {
                        var head = buffer.Slice(0, length);
                        request = ListenerHead.Parse(head.IsSingleSegment ? head.FirstSpan : System.Buffers.BuffersExtensions.ToArray(head), (connection.RemoteEndPoint as IPEndPoint)?.Address, trusted);
                    }

                    input.AdvanceTo(request is null ? buffer.Start : buffer.GetPosition(length));
                    break;
                }
            }
            catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested)
            {
                HeadTimedOut(logger, connection.RemoteEndPoint?.ToString(), _headerTimeout.TotalSeconds);
                return; // Kestrel closes the connection when this returns
            }
            catch (Exception exception) when (exception is ConnectionResetException or OperationCanceledException or IOException)
            {
                return;
            }
        }

        if (request is null)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        // The client sends nothing more: what it might send is not read (the pipe holds no buffer while it waits).
        await input.CompleteAsync().ConfigureAwait(false);
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
