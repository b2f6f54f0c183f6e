using System.Collections.Concurrent;
using Broadcast.ServiceDefaults.Listeners;
using Microsoft.Extensions.Options;

namespace Broadcast.Gateway.Routing;

/// <summary>
/// Finds edges that stopped answering while keeping their connections open (a frozen process, a partitioned node):
/// once a second it looks for relays that got nothing for <see cref="GatewayOptions.StallSeconds"/>, asks each of their
/// edges once whether it is alive (<c>/healthz/live</c>, 2 s), and ends the streams of the edges that did not answer, so
/// that <see cref="ListenerProxy"/> continues them elsewhere. A station that is merely silent (its source paused, the
/// broker restarting) has a live edge, and its listeners keep waiting. One probe per silent edge, not per listener;
/// per read a relay only stores a timestamp. The same pass ends streams silent for
/// <see cref="GatewayOptions.ActivityTimeoutSeconds"/> (what a timer per relay did), and it closes lean listeners (<see cref="ConnectionExchange"/>)
/// whose pending send has waited longer than <see cref="StalledListenerOptions.StalledSeconds"/>: their socket's buffer
/// (<see cref="StalledListenerOptions.SendBufferBytes"/>) stayed full, so they took far less than
/// <see cref="StalledListenerOptions.MinimumBytesPerSecond"/> (Kestrel's data rate does that on its own path).
/// </summary>
internal sealed partial class StallWatchdog(IOptions<GatewayOptions> options, IOptions<StalledListenerOptions> stalled, TimeProvider time, ILogger<StallWatchdog> logger) : BackgroundService
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<Relay, byte> _relays = new();
    private readonly HttpClient _probe = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = ProbeTimeout }) { Timeout = ProbeTimeout };

    public void Add(Relay relay) => _relays.TryAdd(relay, 0);

    public void Remove(Relay relay) => _relays.TryRemove(relay, out _);

    public override void Dispose()
    {
        _probe.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var listenerLimit = TimeSpan.FromSeconds(stalled.Value.StalledSeconds);
            foreach (var relay in _relays.Keys)
            {
                var since = relay.Listener.SendingSince;
                if (since != 0 && time.GetElapsedTime(since) > listenerLimit)
                {
                    ListenerStalled(logger, relay.Listener.Client?.ToString(), relay.Mount, listenerLimit.TotalSeconds);
                    try
                    {
                        relay.Listener.Abort();
                    }
                    catch (Exception exception) when (exception is not OutOfMemoryException)
                    {
                        AbortFailed(logger, exception, relay.Mount); // one listener's close must not end the watchdog
                    }
                }
            }

            // The activity timeout, checked here rather than by a timer per listener re-armed at every read (96 bytes
            // and a timer-queue update per batch): an edge that sent a relay nothing for that long ends its stream.
            var activity = TimeSpan.FromSeconds(options.Value.ActivityTimeoutSeconds);
            foreach (var quiet in _relays.Keys.Where(r => r.Streaming && time.GetElapsedTime(r.LastData) >= activity).GroupBy(r => r.Edge))
            {
                var ended = 0;
                foreach (var relay in quiet)
                {
                    relay.EndSilent();
                    ended++;
                }

                EdgeSilent(logger, quiet.Key?.ToString(), ended, activity.TotalSeconds); // one line per edge, not per listener
            }

            var stall = TimeSpan.FromSeconds(options.Value.StallSeconds);
            var silent = _relays.Keys.Where(r => r.Failover && r.Streaming && r.Edge is not null && time.GetElapsedTime(r.LastData) >= stall).GroupBy(r => r.Edge!);
            await Parallel.ForEachAsync(silent, stoppingToken, async (edge, cancellationToken) =>
            {
                if (await AliveAsync(edge.Key, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                // Only where another edge can go on: with none, ending the streams would end the listeners, while an
                // edge that is merely overloaded (its core saturated, as a 10,000-listener bench on one core showed:
                // 3,799 listeners ended that way) catches up and they play on.
                var relays = edge.Where(r => r.Cluster.DestinationsState.AvailableDestinations.Any(d => d.DestinationId != r.EdgeId)).ToList();
                if (relays.Count == 0)
                {
                    return;
                }

                EdgeStalled(logger, edge.Key.ToString(), relays.Count);
                foreach (var relay in relays)
                {
                    relay.EndStalled();
                }
            }).ConfigureAwait(false);
        }
    }

    private async Task<bool> AliveAsync(Uri edge, CancellationToken cancellationToken)
    {
        try
        {
            using var reply = await _probe.GetAsync(new Uri(edge, Broadcast.ServiceDefaults.ServiceDefaultsSetup.LivenessPath), cancellationToken).ConfigureAwait(false);
            return true; // any answer: the process runs; the stream is silent for its own reasons
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(5104, LogLevel.Information, "Listener {Client} on {Mount} closed: it accepted nothing for {Seconds} s")]
    private static partial void ListenerStalled(ILogger logger, string? client, string mount, double seconds);

    [LoggerMessage(5105, LogLevel.Warning, "Closing a stalled listener on {Mount} failed")]
    private static partial void AbortFailed(ILogger logger, Exception exception, string mount);

    [LoggerMessage(5106, LogLevel.Warning, "Edge {Edge} sent {Listeners} relayed listeners nothing for {Seconds} s (the activity timeout): their streams end")]
    private static partial void EdgeSilent(ILogger logger, string? edge, int listeners, double seconds);

    [LoggerMessage(5102, LogLevel.Warning, "Edge {Edge} is silent and does not answer: its {Listeners} relayed listeners go on elsewhere")]
    private static partial void EdgeStalled(ILogger logger, string edge, int listeners);
}
