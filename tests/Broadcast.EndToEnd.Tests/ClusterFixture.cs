using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>One live cluster (NATS, ingest, two edges, gateway) shared by the live-path tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public BroadcastCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Cluster = await BroadcastCluster.StartAsync(edges: 2, new Dictionary<string, string> { ["Edge__IdleGraceSeconds"] = "1" });

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
