using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;

namespace Broadcast.ServiceDefaults;

/// <summary>The one NATS connection per process, configured the same way in every service that speaks NATS.</summary>
public static class NatsSetup
{
    public const string DefaultUrl = "nats://127.0.0.1:4222";

    /// <summary>Registers <see cref="INatsConnection"/> from <c>Nats:Url</c>; it keeps retrying the first connect so start order does not matter.</summary>
    public static IHostApplicationBuilder AddNats(this IHostApplicationBuilder builder, string clientName)
    {
        var url = builder.Configuration["Nats:Url"] ?? DefaultUrl;
        builder.Services.AddSingleton<INatsConnection>(_ => new NatsConnection(new NatsOpts
        {
            Url = url,
            Name = clientName,
            RetryOnInitialConnect = true,
        }));
        return builder;
    }
}
