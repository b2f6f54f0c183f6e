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

    /// <summary>Starts the cluster; settings are environment variables (e.g. <c>Edge__IdleGraceSeconds</c>) for the edges and the ingest.</summary>
    public static async Task<BroadcastCluster> StartAsync(int edges = 1, IDictionary<string, string>? edgeSettings = null, IDictionary<string, string>? ingestSettings = null)
    {
        var cluster = new BroadcastCluster();
        try
        {
            await cluster.StartAllAsync(edges, edgeSettings ?? new Dictionary<string, string>(), ingestSettings ?? new Dictionary<string, string>()).ConfigureAwait(false);
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

    private async Task StartAllAsync(int edgeCount, IDictionary<string, string> edgeSettings, IDictionary<string, string> ingestSettings)
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
        var gateway = new Dictionary<string, string>();
        for (var i = 0; i < edges.Count; i++)
        {
            gateway[$"Gateway__Edges__{i}"] = edges[i].ToString();
        }

        Gateway = StartService("Broadcast.Gateway", gateway);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var service in new[] { Ingest, Gateway }.Concat(Edges))
        {
            await Poll.UntilAsync(
                async () => (await http.GetAsync(new Uri(service, "/healthz/ready")).ConfigureAwait(false)).IsSuccessStatusCode,
                TimeSpan.FromSeconds(60),
                $"{service} to be ready\n{Logs}").ConfigureAwait(false);
        }
    }

    private Uri StartService(string name, Dictionary<string, string> environment)
    {
        var port = FreePort.Next();
        var address = new Uri($"http://127.0.0.1:{port}/");
        environment["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/');
        environment["DOTNET_gcServer"] = "0"; // a test cluster of five processes on two cores
        _processes.Add(ManagedProcess.Start(ExternalTool.Find("dotnet"), [ServicePath(name)], environment));
        return address;
    }

    /// <summary>The built service next to this build: services/&lt;name&gt;/bin/&lt;configuration&gt;/net10.0/&lt;name&gt;.dll.</summary>
    private static string ServicePath(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = directory.Parent?.Name ?? "Debug"; // …/bin/<configuration>/net10.0/
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Broadcast.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException("Broadcast.sln not found above " + AppContext.BaseDirectory);
        }

        var path = Path.Combine(directory.FullName, "services", name, "bin", configuration, "net10.0", name + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is not built for {configuration}; build the solution first", path);
    }
}
