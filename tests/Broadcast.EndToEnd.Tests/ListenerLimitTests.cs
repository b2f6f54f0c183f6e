using System.Net;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Listener limits (issue #13, first part): a full station refuses the next listener with 503 and the reason, or sends
/// it to the configured overflow mount, and keeps everyone already listening.
/// </summary>
[Collection(nameof(ListenerLimitTests))]
public sealed class ListenerLimitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FullStation_RefusesTheNextListener_RedirectsWhereConfigured_AndKeepsEveryoneListening()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await BroadcastCluster.StartAsync(edges: 1, gatewaySettings: new Dictionary<string, string>
        {
            ["Gateway__MaxListenersPerStation"] = "2",
            ["Gateway__FullRedirects__busy.mp3"] = "/overflow.mp3",
        });
        await using var full = SourceClient.StartFfmpeg(cluster.Ingest, "/full.mp3", "mp3", seconds: 60);
        await using var busy = SourceClient.StartFfmpeg(cluster.Ingest, "/busy.mp3", "mp3", seconds: 60);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, "/full.mp3"), Timeout, cluster.Logs + full.Output);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, "/busy.mp3"), Timeout, cluster.Logs + busy.Output);

        await using var first = await IcyReader.OpenAsync(new Uri(cluster.Gateway, "/full.mp3"), ct);
        await using var second = await IcyReader.OpenAsync(new Uri(cluster.Gateway, "/full.mp3"), ct);
        using (var third = await http.GetAsync(new Uri(cluster.Gateway, "/full.mp3"), HttpCompletionOption.ResponseHeadersRead, ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, third.StatusCode);
            Assert.Contains("station /full.mp3 is full (2 listeners)", await third.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            Assert.NotNull(third.Headers.RetryAfter);
        }

        // Another station is not affected, and a full one with a redirect sends the listener on.
        await using var other = await IcyReader.OpenAsync(new Uri(cluster.Gateway, "/busy.mp3"), ct);
        await using var otherToo = await IcyReader.OpenAsync(new Uri(cluster.Gateway, "/busy.mp3"), ct);
        using (var redirected = await http.GetAsync(new Uri(cluster.Gateway, "/busy.mp3"), HttpCompletionOption.ResponseHeadersRead, ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
            Assert.Equal("/overflow.mp3", redirected.Headers.Location?.OriginalString);
        }

        // Everyone admitted keeps listening; when one leaves, the next is admitted.
        foreach (var reader in new[] { first, second })
        {
            var heard = reader.Audio.Length;
            await reader.ReadUntilAsync(r => r.Audio.Length > heard + 32_000, Timeout, "more audio for an admitted listener", ct);
        }

        await second.DisposeAsync();
        await Poll.UntilAsync(async () =>
        {
            using var again = await http.GetAsync(new Uri(cluster.Gateway, "/full.mp3"), HttpCompletionOption.ResponseHeadersRead, ct);
            return again.StatusCode == HttpStatusCode.OK;
        }, Timeout, "a place to free up after a listener left");
    }
}
