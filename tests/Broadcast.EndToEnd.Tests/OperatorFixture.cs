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

    /// <summary>The station whose fallback is <see cref="FallbackFile"/>.</summary>
    public const string FileFallbackMount = "/file-fallback.mp3";

    public DirectoryCluster Cluster { get; private set; } = null!;

    /// <summary>A 3 s MP3 at 32 kbit/s, so a test can tell it from the sources (128 and 64) and from silence.</summary>
    public string FallbackFile { get; } = TestFiles.NewPath("broadcast-fallback", ".mp3");

    public async ValueTask InitializeAsync()
    {
        await ExternalTool.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=660:duration=3", "-c:a", "libmp3lame", "-b:a", "32k", FallbackFile], TimeSpan.FromSeconds(30), CancellationToken.None);
        Cluster = await StartClusterAsync();
    }

    private Task<DirectoryCluster> StartClusterAsync() =>
        DirectoryCluster.StartAsync(ingests: 2, edges: 2, ingestSettings: new Dictionary<string, string>
        {
            [$"Ingest__FallbackFiles__{FileFallbackMount.TrimStart('/')}"] = FallbackFile,
            ["Ingest__LingerSeconds"] = LingerSeconds.ToString(CultureInfo.InvariantCulture),
            [$"Ingest__SourcePriorities__{DjUser}"] = "10",
        },
        edgeSettings: new Dictionary<string, string> { ["Network__TrustedProxies"] = "127.0.0.1" }, // the gateway
        gatewaySettings: new Dictionary<string, string> { ["Gateway__ExposeAdmin"] = "true" });

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        File.Delete(FallbackFile);
    }
}
