using System.Globalization;

namespace Broadcast.Testing;

/// <summary>One process of a <see cref="DirectoryCluster"/>: its base address and the process itself.</summary>
public sealed record ClusterMember(string Name, Uri Address, ManagedProcess Process);

/// <summary>
/// A cluster wired through the directory, really started on loopback: redis-server, nats-server, the directory,
/// ingests, edges and a gateway that knows no edge by configuration. Members can be killed and Redis restarted on
/// its port, so tests can watch the directory forget and recover.
/// </summary>
public sealed class DirectoryCluster : IAsyncDisposable
{
    public const string SourcePassword = "hackme";
    public const string AdminToken = "test-admin-token";

    /// <summary>Lease and edge-report lifetimes in this cluster: short, so expiry tests finish in seconds.</summary>
    public const int LeaseTtlMilliseconds = 3000;

    private readonly List<ClusterMember> _members = [];
    private ManagedProcess? _redis;
    private ManagedProcess? _natsServer;
    private int _natsPort;
    private string _nats = string.Empty;
    private Uri _directoryGrpc = null!;
    private IDictionary<string, string> _edgeSettings = new Dictionary<string, string>();
    private IDictionary<string, string> _commonSettings = new Dictionary<string, string>();

    private DirectoryCluster()
    {
    }

    public int RedisPort { get; private set; }

    public Uri Directory { get; private set; } = null!;

    public List<ClusterMember> Ingests { get; } = [];

    public List<ClusterMember> Edges { get; } = [];

    public Uri Gateway { get; private set; } = null!;

    public string Logs => string.Join("\n----\n", _members.Select(m => $"[{m.Name} {m.Address}]\n{m.Process.Output}"));

    /// <summary>
    /// Starts the cluster; the settings are extra environment settings for every ingest (e.g. <c>Ingest__ShoutcastPort</c>),
    /// every edge, the gateway, and (common) every service.
    /// </summary>
    public static async Task<DirectoryCluster> StartAsync(
        int ingests,
        int edges,
        int maxListenersPerEdge = 5000,
        IDictionary<string, string>? ingestSettings = null,
        IDictionary<string, string>? edgeSettings = null,
        IDictionary<string, string>? gatewaySettings = null,
        IDictionary<string, string>? commonSettings = null)
    {
        var cluster = new DirectoryCluster { _edgeSettings = edgeSettings ?? new Dictionary<string, string>(), _commonSettings = commonSettings ?? new Dictionary<string, string>() };
        try
        {
            await cluster.StartAllAsync(ingests, edges, maxListenersPerEdge, ingestSettings ?? new Dictionary<string, string>(), gatewaySettings ?? new Dictionary<string, string>()).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts another edge reporting to the directory.</summary>
    public async Task<ClusterMember> StartEdgeAsync()
    {
        var edge = Start("Broadcast.Edge", new Dictionary<string, string>(_edgeSettings)
        {
            ["Nats__Url"] = _nats,
            ["Edge__DirectoryUrl"] = _directoryGrpc.ToString(),
            ["Edge__ReportSeconds"] = "1",
            ["Edge__IdleGraceSeconds"] = "1",
        });
        Edges.Add(edge);
        await ServiceLauncher.WaitReadyAsync([edge.Address], () => Logs, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        return edge;
    }

    /// <summary>Kills a member (SIGKILL: no goodbye to the directory, as in a crash).</summary>
    public async Task KillAsync(ClusterMember member)
    {
        Edges.Remove(member);
        Ingests.Remove(member);
        await member.Process.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Kills nats-server (every service loses NATS at once).</summary>
    public async Task KillNatsAsync()
    {
        if (_natsServer is not null)
        {
            await _natsServer.DisposeAsync().ConfigureAwait(false);
            _natsServer = null;
        }
    }

    /// <summary>Starts nats-server on the cluster's NATS port (again, after <see cref="KillNatsAsync"/>).</summary>
    public void StartNats() =>
        _natsServer = ManagedProcess.Start(ExternalTool.Find("nats-server"), ["-a", "127.0.0.1", "-p", _natsPort.ToString(CultureInfo.InvariantCulture)]);

    public async Task KillRedisAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
            _redis = null;
        }
    }

    /// <summary>Starts an empty Redis on the same port (no persistence: the directory must rebuild its view).</summary>
    public void StartRedis() =>
        _redis = ManagedProcess.Start(
            ExternalTool.Find("redis-server"),
            ["--port", RedisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);

    /// <summary>Runs redis-cli against this cluster's Redis and returns its output.</summary>
    public Task<string> RedisCliAsync(string[] arguments, CancellationToken cancellationToken) =>
        ExternalTool.RunAsync("redis-cli", ["-p", RedisPort.ToString(CultureInfo.InvariantCulture), .. arguments], TimeSpan.FromSeconds(10), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Enumerable.Reverse(_members))
        {
            await member.Process.DisposeAsync().ConfigureAwait(false);
        }

        await KillNatsAsync().ConfigureAwait(false);
        await KillRedisAsync().ConfigureAwait(false);
    }

    private async Task StartAllAsync(int ingestCount, int edgeCount, int maxListenersPerEdge, IDictionary<string, string> ingestSettings, IDictionary<string, string> gatewaySettings)
    {
        RedisPort = FreePort.Next();
        StartRedis();
        _natsPort = FreePort.Next();
        StartNats();
        _nats = $"nats://127.0.0.1:{_natsPort}";

        var http = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        _directoryGrpc = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        Directory = Start(
            "Broadcast.Directory",
            new Dictionary<string, string>
            {
                ["Redis__Configuration"] = $"127.0.0.1:{RedisPort}",
                ["Nats__Url"] = _nats,
                ["Directory__AdminToken"] = AdminToken,
                ["Directory__RefreshMilliseconds"] = "250",
                ["Kestrel__Endpoints__Http__Url"] = http.ToString().TrimEnd('/'),
                ["Kestrel__Endpoints__Http__Protocols"] = "Http1",
                ["Kestrel__Endpoints__Grpc__Url"] = _directoryGrpc.ToString().TrimEnd('/'),
                ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            },
            http.Port).Address;

        for (var i = 0; i < ingestCount; i++)
        {
            Ingests.Add(Start("Broadcast.Ingest", new Dictionary<string, string>(ingestSettings)
            {
                ["Nats__Url"] = _nats,
                ["Ingest__SourcePassword"] = SourcePassword,
                ["Ingest__DirectoryUrl"] = _directoryGrpc.ToString(),
                ["Ingest__IngestId"] = $"ingest-{i}",
                ["Ingest__LeaseTtlMilliseconds"] = LeaseTtlMilliseconds.ToString(CultureInfo.InvariantCulture),
            }));
        }

        Gateway = Start("Broadcast.Gateway", new Dictionary<string, string>(gatewaySettings)
        {
            ["Gateway__DirectoryUrl"] = _directoryGrpc.ToString(),
            ["Gateway__DirectoryHttpUrl"] = Directory.ToString(),
            ["Gateway__MaxListenersPerEdge"] = maxListenersPerEdge.ToString(CultureInfo.InvariantCulture),
        }).Address;

        await ServiceLauncher.WaitReadyAsync([Directory, .. Ingests.Select(i => i.Address)], () => Logs, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        for (var i = 0; i < edgeCount; i++)
        {
            await StartEdgeAsync().ConfigureAwait(false);
        }

        // The gateway is ready once it knows a healthy edge; without edges, it only serves.
        await ServiceLauncher.WaitReadyAsync([Gateway], () => Logs, TimeSpan.FromSeconds(60), edgeCount > 0 ? "/healthz/ready" : "/healthz/live").ConfigureAwait(false);
    }

    private ClusterMember Start(string name, Dictionary<string, string> environment, int? port = null)
    {
        foreach (var (key, value) in _commonSettings)
        {
            environment.TryAdd(key, value);
        }

        var (address, process) = ServiceLauncher.Start(name, environment, port);
        var member = new ClusterMember(name.Replace("Broadcast.", string.Empty, StringComparison.Ordinal), address, process);
        _members.Add(member);
        return member;
    }
}
