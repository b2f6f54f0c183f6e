using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;

namespace Broadcast.ServiceDefaults;

/// <summary>The one NATS connection per process, configured the same way in every service that speaks NATS.</summary>
public static class NatsSetup
{
    public const string DefaultUrl = "nats://127.0.0.1:4222";

    /// <summary>
    /// Registers <see cref="INatsConnection"/> from <c>Nats:Url</c>; it keeps retrying the first connect so start order
    /// does not matter. With <paramref name="readiness"/>, the service is ready only while NATS is connected.
    /// </summary>
    public static IHostApplicationBuilder AddNats(this IHostApplicationBuilder builder, string clientName, bool readiness = true)
    {
        var url = builder.Configuration["Nats:Url"] ?? DefaultUrl;
        builder.Services.AddSingleton<INatsConnection>(_ => new NatsConnection(new NatsOpts
        {
            Url = url,
            Name = clientName,
            RetryOnInitialConnect = true,
        }));
        if (readiness)
        {
            Health.ServiceHealthChecks.AddProbeCheck(builder.Services.AddHealthChecks(), "nats", ServiceDefaultsSetup.ReadyTag, services => Health.ServiceHealthChecks.NatsConnected(services.GetRequiredService<INatsConnection>()));
        }

        return builder;
    }
}
