using System.Globalization;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>The operator and DJ tests (hand-over, fallback, cluster-wide admin) share one cluster and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class OperatorCollection : ICollectionFixture<OperatorFixture>
{
    public const string Name = "operators";
}

/// <summary>Two ingests and two edges through the directory, so every hand-over and admin command crosses processes.</summary>
public sealed class OperatorFixture : IAsyncLifetime
{
    /// <summary>Short, so a test that waits for the linger to end finishes in seconds; long enough for a hand-over.</summary>
    public const int LingerSeconds = 6;

    /// <summary>The user a DJ logs in as: its priority beats the playlist's <c>source</c> (0).</summary>
    public const string DjUser = "dj";

    public DirectoryCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Cluster = await DirectoryCluster.StartAsync(ingests: 2, edges: 2, ingestSettings: new Dictionary<string, string>
        {
            ["Ingest__LingerSeconds"] = LingerSeconds.ToString(CultureInfo.InvariantCulture),
            [$"Ingest__SourcePriorities__{DjUser}"] = "10",
        },
        edgeSettings: new Dictionary<string, string> { ["Network__TrustedProxies"] = "127.0.0.1" }, // the gateway
        gatewaySettings: new Dictionary<string, string> { ["Gateway__ExposeAdmin"] = "true" });

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
