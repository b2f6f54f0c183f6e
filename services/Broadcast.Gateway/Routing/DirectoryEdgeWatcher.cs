using Broadcast.Directory.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using DirectoryClient = Broadcast.Directory.V1.Directory.DirectoryClient;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// Keeps YARP's edge list equal to the directory's live, non-draining edges, from its server-streaming watch: an
/// edge that registers is routable at once, one that dies or drains leaves within the directory's TTL. When the
/// directory cannot be reached the last known edges stay (listeners keep being served) and the watch is retried.
/// </summary>
internal sealed partial class DirectoryEdgeWatcher(
    DirectoryClient client,
    InMemoryConfigProvider proxyConfig,
    EdgeLoads loads,
    Listeners.StationCatalog catalog,
    IOptions<GatewayOptions> options,
    ILogger<DirectoryEdgeWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private EdgeDestination[] _current = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = client.Watch(new WatchRequest(), cancellationToken: stoppingToken);
                await foreach (var snapshot in call.ResponseStream.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (failing)
                    {
                        failing = false;
                        WatchRestored(logger);
                    }

                    Apply(snapshot);
                }
            }
            catch (RpcException exception) when (!stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    failing = true;
                    WatchFailed(logger, exception.Status.Detail, _current.Length);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Apply(DirectorySnapshot snapshot)
    {
        catalog.Update(snapshot.Stations);
        loads.Update(snapshot.Edges.Select(e => KeyValuePair.Create(e.EdgeId, e.Listeners)));
        var edges = snapshot.Edges.Where(e => !e.Draining)
            .Select(e => new EdgeDestination(e.EdgeId, e.Address))
            .OrderBy(e => e.Id, StringComparer.Ordinal)
            .ToArray();
        if (edges.AsSpan().SequenceEqual(_current))
        {
            return;
        }

        _current = edges;
        var (routes, clusters) = EdgeProxyConfig.Build(options.Value, edges);
        proxyConfig.Update(routes, clusters);
        EdgesChanged(logger, edges.Length, string.Join(", ", edges.Select(e => $"{e.Id}={e.Address}")));
    }

    [LoggerMessage(5000, LogLevel.Information, "Edges from the directory: {Count} ({Edges})")]
    private static partial void EdgesChanged(ILogger logger, int count, string edges);

    [LoggerMessage(5001, LogLevel.Warning, "Directory watch failed ({Reason}); routing stays on the last {Count} known edges, retrying")]
    private static partial void WatchFailed(ILogger logger, string reason, int count);

    [LoggerMessage(5002, LogLevel.Information, "Directory watch restored")]
    private static partial void WatchRestored(ILogger logger);
}
