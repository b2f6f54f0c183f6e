using Broadcast.ServiceDefaults.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Broadcast.ServiceDefaults.Tests.Health;

public sealed class ServiceHealthChecksTests
{
    [Fact]
    public void NotDraining_AfterTheHostBeginsStopping_UnhealthyWithTheReason()
    {
        using var lifetime = new Lifetime();
        var draining = new Draining(lifetime);
        Assert.Equal(HealthStatus.Healthy, ServiceHealthChecks.NotDraining(draining).Status);

        lifetime.Stop();

        var result = ServiceHealthChecks.NotDraining(draining);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("draining", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Started_BeforeAndAfterTheHostStarted_UnhealthyThenHealthy()
    {
        using var lifetime = new Lifetime();
        Assert.Equal(HealthStatus.Unhealthy, ServiceHealthChecks.Started(lifetime).Status);

        lifetime.Start();

        Assert.Equal(HealthStatus.Healthy, ServiceHealthChecks.Started(lifetime).Status);
    }

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void Start() => _started.Cancel();

        public void Stop() => _stopping.Cancel();

        public void StopApplication() => Stop();

        public void Dispose()
        {
            _started.Dispose();
            _stopping.Dispose();
        }
    }
}
