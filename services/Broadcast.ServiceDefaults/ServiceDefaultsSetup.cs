using Broadcast.ServiceDefaults.Health;
using Broadcast.ServiceDefaults.Memory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Broadcast.ServiceDefaults.Telemetry;

namespace Broadcast.ServiceDefaults;

/// <summary>Cross-cutting setup every service gets, in every environment (not only Development).</summary>
public static class ServiceDefaultsSetup
{
    public const string LivenessPath = "/healthz/live";
    public const string ReadinessPath = "/healthz/ready";
    public const string StartupPath = "/healthz/startup";
    public const string ReadyTag = "ready";
    public const string StartupTag = "startup";
    public const string MemoryPath = "/healthz/memory";

    /// <summary>Health checks, and the memory discipline: Kestrel's pool per <see cref="MemoryOptions.KestrelPool"/> and the memory governor.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Health.Draining>();
        builder.Services.AddHealthChecks()
            .AddProbeCheck("started", StartupTag, services => Health.ServiceHealthChecks.Started(services.GetRequiredService<IHostApplicationLifetime>()))
            .AddProbeCheck("not-draining", ReadyTag, services => Health.ServiceHealthChecks.NotDraining(services.GetRequiredService<Health.Draining>()));
        builder.AddTelemetry();
        builder.Services.AddOptions<MemoryOptions>()
            .Bind(builder.Configuration.GetSection(MemoryOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddTimeProvider();
        builder.Services.AddOptions<Listeners.StalledListenerOptions>()
            .Bind(builder.Configuration.GetSection(Listeners.StalledListenerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<InFlightRequests>();
        builder.Services.AddSingleton<ILoadGauge>(services => services.GetRequiredService<InFlightRequests>());
        builder.Services.AddHostedService<MemoryGovernor>();
        var memory = builder.Configuration.GetSection(MemoryOptions.Section).Get<MemoryOptions>() ?? new MemoryOptions();
        // Registered after Kestrel's own (WebApplication.CreateBuilder adds it first), so the transport resolves this one.
        if (memory.KestrelPool == KestrelPool.Shared)
        {
            builder.Services.AddSingleton<IMemoryPoolFactory<byte>, SharedMemoryPoolFactory>();
        }
        else if (memory.KestrelPool == KestrelPool.Governed)
        {
            builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(new GovernedMemoryPoolFactory(memory.KestrelBlockBytes));
        }

        // Refuse connections past what the open-file limit allows rather than let the runtime run out of descriptors.
        // Proxies (the gateway) say Connections:FilesPerConnection = 2; Connections:MaxConcurrent overrides the cap.
        var filesPerConnection = builder.Configuration.GetValue("Connections:FilesPerConnection", 1);
        var cap = builder.Configuration.GetValue<long?>("Connections:MaxConcurrent") ?? ConnectionLimit.ForThisProcess(filesPerConnection);
        // Connections:HeaderTimeoutSeconds: a connection must send its request head within it, and one that sends nothing
        // (before its first request or between two) is closed after it. Kestrel's defaults, 30 s for the head and 130 s of
        // silence, let idle sockets pile up (slowloris); the first byte starts the former.
        var headerTimeout = ConnectionLimit.HeaderTimeout(builder.Configuration);
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.MaxConcurrentConnections = cap;
            kestrel.Limits.RequestHeadersTimeout = headerTimeout;
            kestrel.Limits.KeepAliveTimeout = headerTimeout;
        });

        // Network:TrustedProxies: the proxies (and, on edges, the gateways) whose forwarded-for headers are believed; a
        // list (Network__TrustedProxies__0=…) or one comma-separated value. Malformed entries stop the start.
        var trusted = builder.Configuration.GetSection("Network:TrustedProxies");
        string[] entries = [.. trusted.GetChildren().Select(c => c.Value ?? string.Empty), .. (trusted.Value ?? string.Empty).Split(',')];
        builder.Services.AddSingleton(new Clients.TrustedProxies(entries));
        return builder;
    }

    /// <summary>
    /// Counts requests in flight for the memory governor, then maps liveness (answers while the process runs) and
    /// readiness (runs the checks tagged <see cref="ReadyTag"/>), and <see cref="MemoryPath"/> (a <see cref="MemoryReport"/>).
    /// </summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        var inFlight = app.Services.GetRequiredService<InFlightRequests>();
        app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            inFlight.Enter();
            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                inFlight.Leave();
            }
        });

        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteReasonAsync });
        app.MapHealthChecks(StartupPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(StartupTag) });
        app.Services.GetRequiredService<Health.Draining>(); // created now, so it hears ApplicationStopping
        app.MapTelemetry();
        app.MapGet(MemoryPath, () => Results.Json(MemoryReport.Now(), MemoryReportJsonContext.Default.MemoryReport));
        return app;
    }

    /// <summary>Readiness says why it is not ready (the first failing check's reason), for people reading probes.</summary>
    private static Task WriteReasonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var reason = report.Entries.Values.FirstOrDefault(e => e.Status != HealthStatus.Healthy).Description;
        return context.Response.WriteAsync(report.Status + (reason is null ? string.Empty : ": " + reason));
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(service => service.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
