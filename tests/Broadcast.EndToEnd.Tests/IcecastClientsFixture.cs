using System.Globalization;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// One cluster through the directory (so status-json, now-playing and two edges are all there) for the tests of what
/// Icecast's clients see: encoders logging in and titling, players reading titles, playlists, the listener page.
/// </summary>
public sealed class IcecastClientsFixture : IAsyncLifetime
{
    public const string AdminPassword = "admin-secret";

    public DirectoryCluster Cluster { get; private set; } = null!;

    /// <summary>The ingest's SHOUTcast v1/v2 source port.</summary>
    public int ShoutcastPort { get; } = FreePort.Next();

    public Uri Ingest => Cluster.Ingests[0].Address;

    public async ValueTask InitializeAsync() =>
        Cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 2, ingestSettings: new Dictionary<string, string>
        {
            ["Ingest__ShoutcastPort"] = ShoutcastPort.ToString(CultureInfo.InvariantCulture),
            ["Ingest__ShoutcastMount"] = "/sc.mp3",
            ["Ingest__AdminPassword"] = AdminPassword,
        });

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
