using Broadcast.ServiceDefaults.Health;
using Microsoft.Extensions.Options;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// An edge going away (SIGTERM; in Kubernetes after the preStop hook) drains: it is not ready and refuses new
/// listeners (503, so a gateway takes the next edge), and ends the listeners it has gradually, at most
/// <see cref="EdgeOptions.DrainListenersPerSecond"/> (more when that would not finish within
/// <see cref="EdgeOptions.DrainSeconds"/>), so the edges that receive them are not stormed. A gateway continues each
/// on another edge at its next byte; Kestrel's shutdown waits for the last one, then the process exits.
/// </summary>
internal sealed partial class ListenerDrain(ListenerDirectory listeners, Draining draining, IOptions<EdgeOptions> options, TimeProvider time, ILogger<ListenerDrain> logger)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    /// <summary>Done when every listener has been let go.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Begin()
    {
        draining.Begin();
        Draining(logger, listeners.Of(null).Count(), options.Value.DrainSeconds);
        Completion = DrainAsync();
    }

    private async Task DrainAsync()
    {
        var settings = options.Value;
        var started = time.GetTimestamp();
        var window = TimeSpan.FromSeconds(settings.DrainSeconds);
        var perTick = Math.Max(1, settings.DrainListenersPerSecond / 10);
        var ended = 0;
        using var timer = new PeriodicTimer(Tick, time);
        while (true)
        {
            var remaining = listeners.Of(null).ToList();
            if (remaining.Count == 0)
            {
                break; // (the process may exit before this line is logged: Kestrel's shutdown waited only for them)
            }

            var ticksLeft = Math.Max(1, (int)((window - time.GetElapsedTime(started)) / Tick));
            var now = Math.Max(perTick, (remaining.Count + ticksLeft - 1) / ticksLeft);
            foreach (var listener in remaining.Take(now))
            {
                listener.Drain();
                ended++;
            }

            await timer.WaitForNextTickAsync().ConfigureAwait(false);
        }

        Drained(logger, ended, time.GetElapsedTime(started).TotalSeconds);
    }

    [LoggerMessage(2101, LogLevel.Information, "Draining: {Listeners} listeners to let go within {Seconds} s; no new ones")]
    private static partial void Draining(ILogger logger, int listeners, int seconds);

    [LoggerMessage(2100, LogLevel.Information, "Drained: {Listeners} listeners let go in {Seconds:F1} s")]
    private static partial void Drained(ILogger logger, int listeners, double seconds);
}
