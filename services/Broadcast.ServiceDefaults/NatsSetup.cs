using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace Broadcast.ServiceDefaults;

/// <summary>The one NATS connection per process, configured the same way in every service that speaks NATS.</summary>
public static partial class NatsSetup
{
    public const string DefaultUrl = "nats://127.0.0.1:4222";

    /// <summary>
    /// Registers <see cref="INatsConnection"/> from <c>Nats:Url</c>; it keeps retrying the first connect so start order
    /// does not matter. With <paramref name="readiness"/>, the service is ready only while NATS is connected.
    /// </summary>
    /// <remarks>
    /// Reconnects are tried every 250 ms, doubling up to 1 s (the client's defaults, 2 s to 5 s, left stations silent
    /// for 2 s and more after nats-server was back). Losing and regaining the connection are logged as warnings.
    /// </remarks>
    public static IHostApplicationBuilder AddNats(this IHostApplicationBuilder builder, string clientName, bool readiness = true)
    {
        var url = builder.Configuration["Nats:Url"] ?? DefaultUrl;
        builder.Services.AddSingleton<INatsConnection>(services =>
        {
            var connection = new NatsConnection(new NatsOpts
            {
                Url = url,
                Name = clientName,
                RetryOnInitialConnect = true,
                ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
                ReconnectWaitMax = TimeSpan.FromSeconds(1),
                ReconnectJitter = TimeSpan.FromMilliseconds(100),
            });
            Watch(connection, services.GetRequiredService<ILoggerFactory>().CreateLogger("Broadcast.Nats"), services.GetService<TimeProvider>() ?? TimeProvider.System);
            return connection;
        });
        if (readiness)
        {
            Health.ServiceHealthChecks.AddProbeCheck(builder.Services.AddHealthChecks(), "nats", ServiceDefaultsSetup.ReadyTag, services => Health.ServiceHealthChecks.NatsConnected(services.GetRequiredService<INatsConnection>()));
        }

        return builder;
    }

    /// <summary>Logs the connection's losses and returns, the latter with how long it was away.</summary>
    private static void Watch(NatsConnection connection, ILogger logger, TimeProvider time)
    {
        long lost = 0;
        connection.ConnectionDisconnected += (_, args) =>
        {
            Interlocked.Exchange(ref lost, time.GetTimestamp());
            Lost(logger, connection.Opts.Url, args.Message);
            return ValueTask.CompletedTask;
        };
        connection.ConnectionOpened += (_, _) =>
        {
            var since = Interlocked.Exchange(ref lost, 0);
            if (since != 0)
            {
                Regained(logger, connection.Opts.Url, time.GetElapsedTime(since).TotalSeconds);
            }

            return ValueTask.CompletedTask;
        };
    }

    [LoggerMessage(900, LogLevel.Warning, "NATS connection to {Url} lost ({Reason}); reconnecting")]
    private static partial void Lost(ILogger logger, string url, string reason);

    [LoggerMessage(901, LogLevel.Warning, "NATS connection to {Url} regained after {Seconds:F1} s")]
    private static partial void Regained(ILogger logger, string url, double seconds);
}
