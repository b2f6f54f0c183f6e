using System.Globalization;
using System.Net;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// <c>from=&lt;offset&gt;</c>: an offset means the same byte on every edge, so a listener can resume on another edge
/// exactly where it left off (the gateway's failover, DESIGN.md).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ResumeTests(ClusterFixture fixture)
{
    private static int s_badCase;

    private BroadcastCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Resume_FromOffsetOnAnotherEdge_SameBytesAsAListenerWhoWasThere()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/e2e-resume.mp3";
        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, Mount, "mp3", seconds: 20);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var (first, second) = (Cluster.Edges[0], Cluster.Edges[1]);
        await Listener.WaitLiveAsync(http, new Uri(first, Mount), LivePathTests.LiveTimeout, Cluster.Logs);

        // A listener on the second edge from the start keeps that edge's ring running, so it holds every offset the
        // first edge's listener is about to hear.
        using var keeper = await http.GetAsync(new Uri(second, Mount), HttpCompletionOption.ResponseHeadersRead, ct);
        using var there = await http.GetAsync(new Uri(first, Mount), HttpCompletionOption.ResponseHeadersRead, ct);
        var offset = long.Parse(there.Headers.GetValues("Broadcast-Offset").Single(), CultureInfo.InvariantCulture);
        var session = there.Headers.GetValues("Broadcast-Session").Single();
        var heard = await Listener.ReadExactlyAsync(there, 40_000, ct);

        const int Skip = 12_345; // anywhere, not only at a frame boundary
        using var resumed = await http.GetAsync(new Uri(second, $"{Mount}?from={offset + Skip}&session={session}"), HttpCompletionOption.ResponseHeadersRead, ct);

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal((offset + Skip).ToString(CultureInfo.InvariantCulture), resumed.Headers.GetValues("Broadcast-Offset").Single());
        Assert.Equal("0", resumed.Headers.GetValues("Broadcast-Header-Bytes").Single());
        var again = await Listener.ReadExactlyAsync(resumed, heard.Length - Skip, ct);
        Assert.True(heard.AsSpan(Skip).SequenceEqual(again), "the resumed stream differs from what the first listener heard");
    }

    [Theory]
    [InlineData("from=abc", HttpStatusCode.BadRequest)]
    [InlineData("from=-5", HttpStatusCode.BadRequest)]
    [InlineData("from=999999999999", HttpStatusCode.RequestedRangeNotSatisfiable)]
    [InlineData("from=0&session=00000000000000000000000000000001", HttpStatusCode.RequestedRangeNotSatisfiable)]
    public async Task Resume_OffsetOrSessionNotServable_ClearErrorThroughGateway(string query, HttpStatusCode expected)
    {
        var ct = TestContext.Current.CancellationToken;
        // A mount per case: with one shared mount, a case could see the previous case's station still ending.
        var mount = $"/e2e-resume-bad-{Interlocked.Increment(ref s_badCase)}.mp3";
        await using var source = SourceClient.StartFfmpeg(Cluster.Ingest, mount, "mp3", seconds: 15);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(Cluster.Gateway, mount);
        await Listener.WaitLiveAsync(http, url, LivePathTests.LiveTimeout, Cluster.Logs);

        using var response = await http.GetAsync(new Uri(Cluster.Gateway, $"{mount}?{query}"), ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(await response.Content.ReadAsStringAsync(ct)), "the error says why");
        using var listener = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, listener.StatusCode);
    }
}
