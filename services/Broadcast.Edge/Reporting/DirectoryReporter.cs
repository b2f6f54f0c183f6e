using Broadcast.Directory.V1;
using Broadcast.Edge.Stations;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using DirectoryClient = Broadcast.Directory.V1.Directory.DirectoryClient;

namespace Broadcast.Edge.Reporting;

/// <summary>
/// Tells the directory this edge exists, where the gateway reaches it, and how many listeners each station has
/// here, every <see cref="EdgeOptions.ReportSeconds"/>; the record lives three intervals, so a dead edge leaves
/// the routing within seconds. On shutdown the edge removes itself at once. A directory that cannot answer
/// changes nothing for listeners; the next report re-registers.
/// </summary>
internal sealed partial class DirectoryReporter(
    DirectoryClient client,
    StationFeedRegistry registry,
    IServer server,
    IOptions<EdgeOptions> options,
    EdgeIdentity identity,
    ServiceDefaults.Health.Draining draining,
    ILogger<DirectoryReporter> logger) : BackgroundService
{
    private readonly string _edgeId = identity.Id;
    private bool _failing;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await client.RemoveEdgeAsync(new RemoveEdgeRequest { EdgeId = _edgeId }, deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // the TTL removes it
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.ReportSeconds);
        using var timer = new PeriodicTimer(interval);
        do
        {
            await ReportAsync(interval, stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task ReportAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        var address = Address();
        if (address is null)
        {
            return; // Kestrel has not bound yet
        }

        var counts = registry.ListenersByMount();
        var report = new EdgeReport
        {
            EdgeId = _edgeId,
            Address = address,
            Listeners = counts.Values.Sum(),
            Draining = draining.IsDraining, // the gateway sends no new listener here
            TtlMilliseconds = (int)(interval.TotalMilliseconds * 3),
        };
        report.StationListeners.Add(counts);
        try
        {
            await client.ReportEdgeAsync(report, deadline: DateTime.UtcNow.Add(interval), cancellationToken: stoppingToken).ConfigureAwait(false);
            if (_failing)
            {
                _failing = false;
                Reported(logger, _edgeId, address);
            }
        }
        catch (RpcException exception) when (exception.StatusCode != StatusCode.Cancelled)
        {
            if (!_failing)
            {
                _failing = true;
                ReportFailed(logger, exception.Status.Detail);
            }
        }
    }

    /// <summary><see cref="EdgeOptions.AdvertiseUrl"/>, else the first address Kestrel bound.</summary>
    private string? Address()
    {
        if (!string.IsNullOrEmpty(options.Value.AdvertiseUrl))
        {
            return options.Value.AdvertiseUrl.TrimEnd('/');
        }

        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return bound?.Replace("://0.0.0.0", "://" + Environment.MachineName, StringComparison.Ordinal)
            .Replace("://[::]", "://" + Environment.MachineName, StringComparison.Ordinal)
            .Replace("://+", "://" + Environment.MachineName, StringComparison.Ordinal);
    }

    [LoggerMessage(2010, LogLevel.Warning, "Directory report failed ({Reason}); listeners are unaffected, retrying")]
    private static partial void ReportFailed(ILogger logger, string reason);

    [LoggerMessage(2011, LogLevel.Information, "Directory reachable again: edge {EdgeId} at {Address} reported")]
    private static partial void Reported(ILogger logger, string edgeId, string address);
}
