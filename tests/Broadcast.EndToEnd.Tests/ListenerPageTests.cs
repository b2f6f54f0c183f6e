using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
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
        var target = $"icecast://source:{DirectoryCluster.SourcePassword}@{fixture.Ingest.Host}:{fixture.Ingest.Port}/web.mp3";
        await using var source = ManagedProcess.Start(ExternalTool.Find("ffmpeg"), ["-hide_banner", "-v", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=440:duration=90", "-c:a", "libmp3lame", "-b:a", "128k", "-ice_name", "Web FM", "-ice_genre", "Jazz", "-ice_public", "1", "-content_type", "audio/mpeg", "-f", "mp3", target]);
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

        await UpdateAsync(http, "Page Artist - Shown Title", ct);
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

    private async Task UpdateAsync(HttpClient http, string song, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Ingest, $"/admin/metadata?mode=updinfo&mount=/web.mp3&song={Uri.EscapeDataString(song)}"));
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("source", DirectoryCluster.SourcePassword));
        using var response = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
