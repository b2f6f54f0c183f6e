namespace Broadcast.Testing;

/// <summary>
/// The whole live path on loopback, really started: nats-server, one ingest, one or more edges and the gateway,
/// each on a free port, each a separate process running the built service.
/// </summary>
public sealed class BroadcastCluster : IAsyncDisposable
{
    public const string SourcePassword = "hackme";

    private readonly List<ManagedProcess> _processes = [];

    private BroadcastCluster()
    {
    }

    public int NatsPort { get; private set; }

    public Uri Ingest { get; private set; } = null!;

    public IReadOnlyList<Uri> Edges { get; private set; } = [];

    public Uri Gateway { get; private set; } = null!;

    public string Logs => string.Join("\n----\n", _processes.Select(p => p.Output));

    /// <summary>Starts the cluster; settings are environment variables (e.g. <c>Edge__IdleGraceSeconds</c>) for the edges, the ingest and the gateway.</summary>
    public static async Task<BroadcastCluster> StartAsync(int edges = 1, IDictionary<string, string>? edgeSettings = null, IDictionary<string, string>? ingestSettings = null, IDictionary<string, string>? gatewaySettings = null)
    {
        var cluster = new BroadcastCluster();
        try
        {
            await cluster.StartAllAsync(edges, edgeSettings ?? new Dictionary<string, string>(), ingestSettings ?? new Dictionary<string, string>(), gatewaySettings ?? new Dictionary<string, string>()).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StartAllAsync(int edgeCount, IDictionary<string, string> edgeSettings, IDictionary<string, string> ingestSettings, IDictionary<string, string> gatewaySettings)
    {
        NatsPort = FreePort.Next();
        _processes.Add(ManagedProcess.Start(ExternalTool.Find("nats-server"), ["-a", "127.0.0.1", "-p", NatsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        var nats = $"nats://127.0.0.1:{NatsPort}";

        Ingest = StartService("Broadcast.Ingest", new Dictionary<string, string>(ingestSettings)
        {
            ["Nats__Url"] = nats,
            ["Ingest__SourcePassword"] = SourcePassword,
            ["Ingest__MountPasswords__private.mp3"] = "secret",
        });
        var edges = new List<Uri>();
        for (var i = 0; i < edgeCount; i++)
        {
            var settings = new Dictionary<string, string>(edgeSettings) { ["Nats__Url"] = nats };
            edges.Add(StartService("Broadcast.Edge", settings));
        }

        Edges = edges;
        var gateway = new Dictionary<string, string>(gatewaySettings);
        for (var i = 0; i < edges.Count; i++)
        {
            gateway[$"Gateway__Edges__{i}"] = edges[i].ToString();
        }

        Gateway = StartService("Broadcast.Gateway", gateway);
        await ServiceLauncher.WaitReadyAsync(new[] { Ingest, Gateway }.Concat(Edges), () => Logs, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    private Uri StartService(string name, Dictionary<string, string> environment)
    {
        var (address, process) = ServiceLauncher.Start(name, environment);
        _processes.Add(process);
        return address;
    }
}
