using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Broadcast.ServiceDefaults.Health;

/// <summary>A health check that is one in-memory read (every check here is: probes must answer at once).</summary>
internal sealed class DelegateCheck(Func<HealthCheckResult> check) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(check());
}
