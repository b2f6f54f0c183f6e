using System.Net;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Real client addresses (issue #13, first part): the gateway believes <c>X-Forwarded-For</c> only from its trusted
/// proxies (a CIDR here), passes the result to the edge, and the edge believes it only from the gateway. A spoofed
/// header from an untrusted peer changes nothing.
/// </summary>
[Collection(nameof(ClientAddressTests))]
public sealed class ClientAddressTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ForwardedFor_FromATrustedCidr_IsTheClient_AndSpoofedFromAnyoneElseIsIgnored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await BroadcastCluster.StartAsync(
            edges: 1,
            edgeSettings: new Dictionary<string, string> { ["Network__TrustedProxies"] = "127.0.0.1", ["Logging__LogLevel__Broadcast"] = "Debug" },
            gatewaySettings: new Dictionary<string, string> { ["Network__TrustedProxies__0"] = "127.0.0.2/32" });
        await using var source = SourceClient.StartFfmpeg(cluster.Ingest, "/xff.mp3", "mp3", seconds: 60);
        using var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(direct, new Uri(cluster.Gateway, "/xff.mp3"), Timeout, cluster.Logs + source.Output);

        // From 127.0.0.1, not a trusted proxy of the gateway: the header is a spoof.
        using (var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Gateway, "/xff.mp3")))
        {
            spoofed.Headers.Add("X-Forwarded-For", "6.6.6.6");
            using var response = await direct.SendAsync(spoofed, HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Poll.UntilAsync(() => Task.FromResult(cluster.Logs.Contains("Listener 127.0.0.1 joined /xff.mp3", StringComparison.Ordinal)), Timeout, "the edge to log the peer as the client");
        }

        // From 127.0.0.2, inside the trusted CIDR: the forwarded address is the client's, and the edge believes the gateway.
        using var proxied = LoopbackAddress.ClientFrom("127.0.0.2");
        using (var forwarded = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Gateway, "/xff.mp3")))
        {
            forwarded.Headers.Add("X-Forwarded-For", "6.6.6.6, 198.51.100.9");
            using var response = await proxied.SendAsync(forwarded, HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Poll.UntilAsync(() => Task.FromResult(cluster.Logs.Contains("Listener 198.51.100.9 joined /xff.mp3", StringComparison.Ordinal)), Timeout, "the edge to log the forwarded client");
        }

        Assert.DoesNotContain("Listener 6.6.6.6", cluster.Logs, StringComparison.Ordinal);
    }
}
