using Microsoft.Extensions.Hosting;

namespace Broadcast.ServiceDefaults.Health;

/// <summary>
/// Whether the process is on its way out: set when the host begins stopping (SIGTERM, Kubernetes' preStop and
/// termination), so readiness turns false before the listeners and sources are let go and traffic moves elsewhere.
/// </summary>
public sealed class Draining
{
    private int _draining;

    public Draining(IHostApplicationLifetime lifetime) => lifetime.ApplicationStopping.Register(Begin);

    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    public void Begin() => Interlocked.Exchange(ref _draining, 1);
}
