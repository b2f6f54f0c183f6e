using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Broadcast.ServiceDefaults.Listeners;

public static class LeanTransportSetup
{
    /// <summary>
    /// Serves <typeparamref name="T"/>'s listeners on <see cref="LeanTransportFactory"/> (registered after Kestrel's
    /// socket transport, so Kestrel binds its IP endpoints with it), unless <c>Listeners:LeanTransport</c> is false;
    /// <typeparamref name="T"/> is also what the service's connection middleware uses for the connections Kestrel has.
    /// </summary>
    public static IServiceCollection AddLeanTransport<T>(this IServiceCollection services, IConfiguration configuration)
        where T : class, ILeanListeners
    {
        services.TryAddSingleton<T>();
        services.AddSingleton<ILeanListeners>(provider => provider.GetRequiredService<T>());
        if (configuration.GetValue("Listeners:LeanTransport", true))
        {
            services.AddSingleton<IConnectionListenerFactory, LeanTransportFactory>();
        }

        return services;
    }
}
