using Broadcast.ServiceDefaults.Listeners;
using Microsoft.Extensions.Options;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// Closes listeners that accept nothing: once a second, every listener whose pending send has waited longer than
/// <see cref="StalledListenerOptions.StalledSeconds"/> is aborted. A send waits only when the listener's socket buffer
/// (<see cref="StalledListenerOptions.SendBufferBytes"/>) is full, so a send of up to 64 KiB pending that long means the
/// client took far less than <see cref="StalledListenerOptions.MinimumBytesPerSecond"/>. One pass over the directory,
/// no timer per listener.
/// </summary>
internal sealed partial class ListenerStallWatch(ListenerDirectory listeners, IOptions<StalledListenerOptions> options, TimeProvider time, ILogger<ListenerStallWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var limit = TimeSpan.FromSeconds(options.Value.StalledSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var listener in listeners.All())
                {
                    var since = listener.Line.SendingSince;
                    if (since != 0 && time.GetElapsedTime(since) > limit)
                    {
                        Stalled(logger, listener.Feed.Station.Mount, listener.Address, limit.TotalSeconds);
                        listener.Stall();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(2104, LogLevel.Information, "Listener {Client} on {Mount} closed: it accepted nothing for {Seconds} s")]
    private static partial void Stalled(ILogger logger, string mount, string client, double seconds);
}
