using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// The listeners' page in a real browser (Debian's headless Chromium, driven over the DevTools protocol): it lists the
/// live station, pressing play makes the audio element advance, and a title update shows on the page within seconds.
/// A screenshot goes to the test's output folder.
/// </summary>
[Collection(nameof(SourceProtocolTests))]
public sealed class ListenerPageTests(IcecastClientsFixture fixture) : IClassFixture<IcecastClientsFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Page_ListsTheStation_PlaysIt_AndShowsANewTitle()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(fixture.Ingest, "/web.mp3", "mp3", 90, DirectoryCluster.SourcePassword, "-ice_name", "Web FM", "-ice_genre", "Jazz", "-ice_public", "1");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(http, new Uri(fixture.Cluster.Gateway, "/web.mp3"), Timeout, fixture.Cluster.Logs + source.Output);

        var port = FreePort.Next();
        var profile = Directory.CreateTempSubdirectory("chromium-").FullName;
        await using var chromium = ManagedProcess.Start(ExternalTool.Find("chromium"), [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--mute-audio", "--no-first-run", "--disable-extensions",
            "--autoplay-policy=no-user-gesture-required", $"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
            $"--user-data-dir={profile}", "about:blank"]);
        string? debuggerUrl = null;
        await Poll.UntilAsync(async () =>
        {
            using var targets = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list"), ct));
            debuggerUrl = targets.RootElement.EnumerateArray().Where(t => t.GetProperty("type").GetString() == "page").Select(t => t.GetProperty("webSocketDebuggerUrl").GetString()).FirstOrDefault();
            return debuggerUrl is not null;
        }, Timeout, "Chromium's DevTools endpoint\n" + chromium.Output);

        await using var page = await DevToolsSession.ConnectAsync(new Uri(debuggerUrl!), ct);
        await page.SendAsync("Page.navigate", new JsonObject { ["url"] = new Uri(fixture.Cluster.Gateway, "/").ToString() }, ct);
        const string Row = "document.querySelector('li[data-mount=\"/web.mp3\"]')";
        await UntilAsync(page, $"{Row} !== null && {Row}.querySelector('.name').textContent === 'Web FM'", "the page to list Web FM");
        await page.EvaluateAsync($"{Row}.querySelector('button').click()", ct);
        await UntilAsync(page, "document.getElementById('player').currentTime > 1.5", "the audio element to play");

        await SourceClient.UpdateTitleAsync(http, fixture.Ingest, SourceClient.SongForm("/web.mp3", "Page Artist - Shown Title"), ct);
        await UntilAsync(page, $"{Row}.querySelector('.now').textContent === 'Page Artist - Shown Title'", "the new title on the page");
        var played = (await page.EvaluateAsync("document.getElementById('player').currentTime", ct)).GetDouble();
        Assert.True(played > 1.5, $"currentTime {played.ToString(CultureInfo.InvariantCulture)}");

        var shot = await page.SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, ct);
        var output = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(output);
        await File.WriteAllBytesAsync(Path.Combine(output, "listener-page.png"), Convert.FromBase64String(shot.GetProperty("data").GetString()!), ct);

        async Task UntilAsync(DevToolsSession session, string condition, string what) =>
            await Poll.UntilAsync(async () => (await session.EvaluateAsync(condition, ct)).ValueKind == JsonValueKind.True, Timeout, what + "\n" + chromium.Output);
    }
}
