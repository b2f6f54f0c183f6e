using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>The live-path test classes share one cluster and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>One live cluster (NATS, ingest, two edges, gateway) shared by the live-path tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int IngestHeaderTimeoutSeconds = 2;

    public const int IngestIdleTimeoutSeconds = 3;

    public const int IngestNoAudioSeconds = 3;

    /// <summary>Connections:HeaderTimeoutSeconds on the gateway and the edges (slowloris listeners).</summary>
    public const int HeaderTimeoutSeconds = 3;

    public BroadcastCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Cluster = await BroadcastCluster.StartAsync(
            edges: 2,
            edgeSettings: new Dictionary<string, string>
            {
                ["Edge__IdleGraceSeconds"] = "1",
                ["Connections__HeaderTimeoutSeconds"] = HeaderTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            ingestSettings: new Dictionary<string, string>
            {
                // Short limits so the slowloris and idle-source tests finish quickly; ffmpeg sends its head at once
                // and audio continuously, so they do not touch the other tests.
                ["Ingest__HeaderTimeoutSeconds"] = IngestHeaderTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Ingest__SourceIdleTimeoutSeconds"] = IngestIdleTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Ingest__NoAudioSeconds"] = IngestNoAudioSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            gatewaySettings: new Dictionary<string, string> { ["Connections__HeaderTimeoutSeconds"] = HeaderTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
