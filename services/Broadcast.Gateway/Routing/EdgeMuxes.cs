using System.Net;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// The gateway's mux connections, one per edge address (<see cref="GatewayOptions.EdgeMux"/>): made at the first
/// listener for that edge, made again after one ends. An edge that does not take the mux is asked again only after
/// <see cref="RefusalMemory"/>; meanwhile its listeners go on connections of their own, as with the mux off.
/// </summary>
internal sealed class EdgeMuxes(TimeProvider time, ILogger<EdgeMuxes> logger) : IDisposable
{
    private static readonly TimeSpan RefusalMemory = TimeSpan.FromSeconds(30);

    /// <summary>How long an edge may take to accept the mux connection and answer the upgrade.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, Task<EdgeMuxConnection?>> _connections = [];
    private readonly Dictionary<string, long> _refused = [];

    /// <summary>
    /// A listener's request to <paramref name="edge"/> on its mux connection, with the response head parsed; null when
    /// the edge takes no mux or sends this request back (421: not a stream it serves on the mux), and the caller asks on
    /// a connection of the listener's own. Failures and time limits are as <see cref="EdgeRequest.SendAsync"/>'s.
    /// </summary>
    public async Task<HttpResponseMessage?> SendAsync(DnsEndPoint edge, string head, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        MuxStream? stream = null;
        try
        {
            if (await ConnectionAsync(edge, limit.Token).ConfigureAwait(false) is not { } connection)
            {
                return null;
            }

            stream = await connection.OpenAsync(head, limit.Token).ConfigureAwait(false);
            var responseHead = await stream.ReadHeadAsync(EdgeRequest.MaxHeadBytes, limit.Token).ConfigureAwait(false)
                ?? throw new HttpRequestException("the edge ended the stream before its response head");
            var reply = EdgeRequest.Parse(responseHead, stream);
            if (reply.StatusCode == HttpStatusCode.MisdirectedRequest)
            {
                reply.Dispose(); // disposes the stream
                stream = null;
                return null;
            }

            stream = null; // the reply's content owns it now
            return reply;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the edge did not answer within {timeout.TotalSeconds:F0} s");
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException)
        {
            throw new HttpRequestException(exception.Message, exception); // refused, reset: as on a connection of the listener's own
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>Ends every mux connection.</summary>
    public void Dispose()
    {
        lock (_connections)
        {
            foreach (var connecting in _connections.Values)
            {
                if (connecting.IsCompletedSuccessfully && connecting.Result is { } connection)
                {
                    connection.Abort();
                }
            }

            _connections.Clear();
        }
    }

    private async Task<EdgeMuxConnection?> ConnectionAsync(DnsEndPoint edge, CancellationToken cancellationToken)
    {
        var key = edge.ToString();
        Task<EdgeMuxConnection?> connecting;
        lock (_connections)
        {
            if (_refused.TryGetValue(key, out var since))
            {
                if (time.GetElapsedTime(since) < RefusalMemory)
                {
                    return null;
                }

                _refused.Remove(key);
            }

            if (!_connections.TryGetValue(key, out connecting!) || connecting.IsFaulted || connecting.IsCanceled
                || (connecting.IsCompletedSuccessfully && connecting.Result is { Closed: true }))
            {
                // Edges gone for good (a pod replaced) leave an ended connection behind: dropped whenever one is made.
                foreach (var other in _connections.Where(entry => entry.Value.IsCompletedSuccessfully && entry.Value.Result is null or { Closed: true }).Select(entry => entry.Key).ToList())
                {
                    _connections.Remove(other);
                }

                // Connected apart from any one listener's cancellation: the connection serves all of them.
                connecting = EdgeMuxConnection.ConnectAsync(edge, logger, new CancellationTokenSource(ConnectTimeout, time).Token);
                _connections[key] = connecting;
            }
        }

        var connection = await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            lock (_connections)
            {
                _refused[key] = time.GetTimestamp();
                _connections.Remove(key);
            }
        }

        return connection;
    }
}
