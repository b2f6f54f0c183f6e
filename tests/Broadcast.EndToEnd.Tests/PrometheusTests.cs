using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// A real Prometheus (Debian's) scrapes every service's <c>/metrics</c> (the OpenTelemetry Prometheus exporter, on with
/// <c>Telemetry:Prometheus</c>), and every query of the Grafana dashboard in <c>deploy/grafana</c> returns data.
/// </summary>
public sealed class PrometheusTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Prometheus_ScrapesEveryService_EveryDashboardQueryReturnsData()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1, commonSettings: new Dictionary<string, string> { ["Telemetry__Prometheus"] = "true" });
        var port = FreePort.Next();
        var data = Directory.CreateTempSubdirectory("broadcast-prometheus-");
        var config = Path.Combine(data.FullName, "prometheus.yml");
        var jobs = new Dictionary<string, Uri>
        {
            ["directory"] = cluster.Directory,
            ["ingest"] = cluster.Ingests[0].Address,
            ["edge"] = cluster.Edges[0].Address,
            ["gateway"] = cluster.Gateway,
        };
        await File.WriteAllTextAsync(config, "global:\n  scrape_interval: 1s\nscrape_configs:\n" + string.Concat(jobs.Select(job =>
            $"  - job_name: {job.Key}\n    static_configs:\n      - targets: ['{job.Value.Authority}']\n")), ct);
        await using var prometheus = ManagedProcess.Start(ExternalTool.Find("prometheus"), [
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(data.FullName, "tsdb")}", $"--web.listen-address=127.0.0.1:{port}"]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10), BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            await Poll.UntilAsync(async () => (await http.GetAsync("/-/ready", ct)).IsSuccessStatusCode, Timeout, "Prometheus to be ready\n" + prometheus.Output);

            // Traffic for every panel: a station with a listener, and a short second source whose session ends.
            const string Mount = "/prom.mp3";
            await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 60);
            await using var brief = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, "/prom-brief.mp3", "mp3", seconds: 2);
            using var listenerHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            await Listener.WaitLiveAsync(listenerHttp, new Uri(cluster.Gateway, Mount), Timeout, cluster.Logs);
            using (var first = await listenerHttp.GetAsync(new Uri(cluster.Gateway, Mount), HttpCompletionOption.ResponseHeadersRead, ct))
            {
                await Listener.ReadExactlyAsync(first, 8_000, ct);
            }

            await using var listener = await StreamRecorder.StartAsync(listenerHttp, new Uri(cluster.Gateway, Mount), ct);

            foreach (var job in jobs.Keys)
            {
                await Poll.UntilAsync(async () => (await QueryAsync(http, $"up{{job=\"{job}\"}} == 1", ct)) > 0, Timeout, $"Prometheus to scrape the {job}");
            }

            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ServiceLauncher.RepositoryRoot(), "deploy", "grafana", "broadcast-dashboard.json"), ct));
            var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
                .SelectMany(panel => panel.GetProperty("targets").EnumerateArray().Select(target => target.GetProperty("expr").GetString()!))
                .ToList();
            Assert.NotEmpty(queries);
            foreach (var query in queries)
            {
                await Poll.UntilAsync(async () => (await QueryAsync(http, query, ct)) > 0, Timeout, $"the dashboard query `{query}` to return data");
            }
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>How many series an instant query returns (Prometheus's HTTP API).</summary>
    private static async Task<int> QueryAsync(HttpClient http, string query, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(query), cancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var root = body.RootElement;
        return root.GetProperty("status").GetString() == "success" ? root.GetProperty("data").GetProperty("result").GetArrayLength() : 0;
    }
}
