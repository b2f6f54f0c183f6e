using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// The admin commands that change what listeners hear (issue #13): killsource on whichever ingest holds the source,
/// moveclients on the listeners' own connections, fallbacks and admin titles, and the status views.
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class AdminActionTests(OperatorFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private DirectoryCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task KillSource_SourceOnTheOtherIngest_EndsThatSourceAndListenersStayOnTheFallback()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/admin-kill.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartTone(Cluster.Ingests[1].Address, Mount, seconds: 60, frequency: 440);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);
        await WaitListedAsync(http, Mount, ct);

        var reply = XDocument.Parse(await AdminTests.AdminAsync(http, Cluster.Directory, $"/admin/killsource?mount={Mount}", ct));

        Assert.Equal("Source Removed", reply.Descendants("message").Single().Value);
        Assert.NotEqual(-1, await source.WaitForExitAsync(Timeout)); // ffmpeg sees its connection closed
        await listener.WaitForMoreAsync(32_000, Timeout, "the fallback after the kill");
        Assert.Equal("128k > silence", Mp3Frames.Runs(listener.Bytes()));
    }

    [Fact]
    public async Task MoveClients_ListenersOnTwoEdges_KeepTheirConnectionsAndHearTheDestination()
    {
        var ct = TestContext.Current.CancellationToken;
        const string From = "/admin-move-from.mp3", To = "/admin-move-to.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var first = SourceClient.StartTone(Cluster.Ingests[0].Address, From, seconds: 60, frequency: 440, bitrate: "128k");
        await using var second = SourceClient.StartTone(Cluster.Ingests[1].Address, To, seconds: 60, frequency: 880, bitrate: "64k");
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, From), Timeout, Cluster.Logs);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, To), Timeout, Cluster.Logs);
        await using var onFirst = await StreamRecorder.StartAsync(http, new Uri(Cluster.Edges[0].Address, From), ct);
        await using var onSecond = await StreamRecorder.StartAsync(http, new Uri(Cluster.Edges[1].Address, From), ct);
        await onFirst.WaitForMoreAsync(16_000, Timeout, "the first station");
        await WaitListedAsync(http, To, ct);

        using var moved = JsonDocument.Parse(await AdminTests.AdminAsync(http, Cluster.Directory, $"/admin/moveclients.json?mount={From}&destination={To}", ct));

        Assert.Equal($"Clients moved from {From} to {To}", moved.RootElement.GetProperty("iceresponse").GetProperty("message").GetString());
        foreach (var listener in new[] { onFirst, onSecond })
        {
            await Poll.UntilAsync(() => Task.FromResult(Mp3Frames.Runs(listener.Bytes()) == "128k > 64k"), Timeout, "the moved listener to hear the other station: " + Mp3Frames.Runs(listener.Bytes()));
            await listener.WaitForMoreAsync(8_000, Timeout, "more of the other station");
            Assert.Null(listener.EndedBy);
        }

        var listed = XDocument.Parse(await AdminTests.AdminAsync(http, Cluster.Directory, $"/admin/listclients?mount={To}", ct));
        Assert.Equal(2, listed.Descendants("listener").Count());
        foreach (var listener in new[] { onFirst, onSecond })
        {
            await Listener.DecodeAsync(await listener.SaveAsync(ct), ct);
        }
    }

    [Fact]
    public async Task Fallbacks_SetToALiveMount_ListenersHearItWhenTheSourceLeaves_AndALoopIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Main = "/admin-main.mp3", Backup = "/admin-backup.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var set = XDocument.Parse(await AdminTests.AdminAsync(http, Cluster.Directory, $"/admin/fallbacks?mount={Main}&fallback={Backup}", ct));
        Assert.Equal("Fallback configured", set.Descendants("message").Single().Value);
        using var loop = await AdminTests.SendAsync(http, HttpMethod.Put, new Uri(Cluster.Directory, $"/api/admin/fallbacks?mount={Backup}&fallback={Main}"), AdminTests.Admin, ct);
        Assert.Equal(HttpStatusCode.BadRequest, loop.StatusCode);
        using var why = JsonDocument.Parse(await loop.Content.ReadAsStringAsync(ct));
        Assert.Equal($"fallback loop: {Backup} -> {Main} -> {Backup}", why.RootElement.GetProperty("error").GetString());

        await using var backup = SourceClient.StartTone(Cluster.Ingests[1].Address, Backup, seconds: 60, frequency: 880, bitrate: "64k");
        var main = SourceClient.StartTone(Cluster.Ingests[0].Address, Main, seconds: 60, frequency: 440, bitrate: "128k");
        await using var mainGuard = main;
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Backup), Timeout, Cluster.Logs);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Main), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Main), ct);
        await listener.WaitForMoreAsync(16_000, Timeout, "the main station");

        await main.DisposeAsync();

        await Poll.UntilAsync(() => Task.FromResult(Mp3Frames.Runs(listener.Bytes()).EndsWith("64k", StringComparison.Ordinal)), Timeout, "the fallback mount on the listener's connection: " + Mp3Frames.Runs(listener.Bytes()) + "\n" + Cluster.Logs);
        await listener.WaitForMoreAsync(8_000, Timeout, "more of the fallback mount");
        Assert.Null(listener.EndedBy);
        Assert.Equal("128k > 64k", Mp3Frames.Runs(listener.Bytes()));
        await Listener.DecodeAsync(await listener.SaveAsync(ct), ct);

        using var cleared = await AdminTests.SendAsync(http, HttpMethod.Delete, new Uri(Cluster.Directory, $"/api/admin/fallbacks?mount={Main}"), AdminTests.Admin, ct);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
    }

    [Fact]
    public async Task Metadata_WithAdminCredentials_UpdatesAnyMountAndShowsInStatsAndStatusPage()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/admin-title.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartTone(Cluster.Ingests[1].Address, Mount, seconds: 60, frequency: 440);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await WaitListedAsync(http, Mount, ct);

        var reply = XDocument.Parse(await AdminTests.AdminAsync(http, Cluster.Gateway, $"/admin/metadata?mount={Mount}&mode=updinfo&song={Uri.EscapeDataString("Admin <Title> & Co")}", ct));
        Assert.Equal("Metadata update successful", reply.Descendants("message").Single().Value);

        await Poll.UntilAsync(
            async () => XDocument.Parse(await AdminTests.AdminAsync(http, Cluster.Directory, "/admin/stats", ct)).Descendants("source").Any(s => s.Attribute("mount")?.Value == Mount && s.Element("title")?.Value == "Admin <Title> & Co"),
            Timeout,
            "the title in /admin/stats");
        var page = await http.GetStringAsync(new Uri(Cluster.Gateway, "/status.xsl"), ct);
        Assert.Contains("Admin &lt;Title&gt; &amp; Co", page, StringComparison.Ordinal);
        Assert.Contains(Mount, page, StringComparison.Ordinal);
    }

    private async Task WaitListedAsync(HttpClient http, string mount, CancellationToken cancellationToken) =>
        await Poll.UntilAsync(async () => (await AdminTests.AdminAsync(http, Cluster.Directory, "/admin/listmounts", cancellationToken)).Contains(mount, StringComparison.Ordinal), Timeout, $"the directory to list {mount}");
}
