using System.Net;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Readiness that means something (issue #14): ingest and edge are ready only while NATS is connected, the directory
/// only while Redis is, the gateway once it knows a healthy edge; liveness and startup stay up throughout.
/// </summary>
public sealed class ReadinessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ready_NatsOrRedisStoppedAndBack_NotReadyWithTheReasonThenReadyAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Uri[] natsUsers = [cluster.Ingests[0].Address, cluster.Edges[0].Address];
        foreach (var service in natsUsers.Append(cluster.Directory).Append(cluster.Gateway))
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(service, "/healthz/startup"), ct)).StatusCode);
        }

        await cluster.KillNatsAsync();
        foreach (var service in natsUsers)
        {
            await WaitStatusAsync(http, service, HttpStatusCode.ServiceUnavailable, "NATS", ct);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(service, "/healthz/live"), ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(cluster.Directory, "/healthz/ready"), ct)).StatusCode);
        cluster.StartNats();
        foreach (var service in natsUsers)
        {
            await WaitStatusAsync(http, service, HttpStatusCode.OK, "Healthy", ct);
        }

        await cluster.KillRedisAsync();
        await WaitStatusAsync(http, cluster.Directory, HttpStatusCode.ServiceUnavailable, "Redis", ct);
        cluster.StartRedis();
        await WaitStatusAsync(http, cluster.Directory, HttpStatusCode.OK, "Healthy", ct);
        await WaitStatusAsync(http, cluster.Gateway, HttpStatusCode.OK, "Healthy", ct);
    }

    private static Task WaitStatusAsync(HttpClient http, Uri service, HttpStatusCode status, string reason, CancellationToken cancellationToken) =>
        Poll.UntilAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri(service, "/healthz/ready"), cancellationToken);
                return response.StatusCode == status && (await response.Content.ReadAsStringAsync(cancellationToken)).Contains(reason, StringComparison.Ordinal);
            },
            Timeout,
            $"{service} readiness {(int)status} ({reason})");
}
