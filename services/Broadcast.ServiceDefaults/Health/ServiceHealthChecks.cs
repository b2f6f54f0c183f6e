using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;

namespace Broadcast.ServiceDefaults.Health;

/// <summary>
/// The checks behind the three probes: startup (the host has started), readiness (the service can do its job now:
/// not draining, and its dependencies answer), liveness (the process serves, no check).
/// </summary>
public static class ServiceHealthChecks
{
    /// <summary>Adds a check computed from the service provider, with <paramref name="tag"/> (readiness or startup).</summary>
    public static IHealthChecksBuilder AddProbeCheck(this IHealthChecksBuilder builder, string name, string tag, Func<IServiceProvider, HealthCheckResult> check) =>
        builder.Add(new HealthCheckRegistration(name, services => new DelegateCheck(() => check(services)), failureStatus: null, tags: [tag]));

    public static HealthCheckResult Started(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("starting");

    public static HealthCheckResult NotDraining(Draining draining) =>
        draining.IsDraining ? HealthCheckResult.Unhealthy("draining: shutting down") : HealthCheckResult.Healthy();

    /// <summary>Ingest and edge can do nothing without NATS: ready only while connected.</summary>
    public static HealthCheckResult NatsConnected(INatsConnection nats) =>
        nats.ConnectionState == NatsConnectionState.Open ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"NATS {nats.ConnectionState}");
}
