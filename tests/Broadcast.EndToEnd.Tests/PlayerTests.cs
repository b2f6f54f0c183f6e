using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Real players read the titles through the gateway: mpv shows the live title, streamripper splits tracks where the
/// title changes, and liquidsoap, as a source, sends its own track metadata.
/// </summary>
[Collection(nameof(SourceProtocolTests))]
public sealed class PlayerTests(IcecastClientsFixture fixture) : IClassFixture<IcecastClientsFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Mpv_ShowsTheLiveTitle()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(fixture.Ingest, "/mpv.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(fixture.Cluster.Gateway, "/mpv.mp3");
        await Listener.WaitLiveAsync(http, url, Timeout, fixture.Cluster.Logs + source.Output);
        await SourceClient.UpdateTitleAsync(http, fixture.Ingest, SourceClient.SongForm("/mpv.mp3", "Mpv Artist - Seen Title"), ct);
        await using (var probe = await IcyReader.OpenAsync(url, ct))
        {
            await probe.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == "Mpv Artist - Seen Title"), Timeout, "the title in the stream", ct);
        }

        await using var mpv = ManagedProcess.Start(ExternalTool.Find("mpv"), ["--no-config", "--vo=null", "--ao=null", "--length=8", "--term-playing-msg=MEDIA-TITLE=${media-title}", "--msg-level=all=info", url.ToString()]);
        await Poll.UntilAsync(() => Task.FromResult(mpv.Output.Contains("Mpv Artist - Seen Title", StringComparison.Ordinal)), Timeout, "mpv to show the title\n" + mpv.Output);
    }

    [Fact]
    public async Task Streamripper_SplitsTracksAtTitleChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(fixture.Ingest, "/rip.mp3", "mp3", seconds: 90, DirectoryCluster.SourcePassword);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(fixture.Cluster.Gateway, "/rip.mp3");
        await Listener.WaitLiveAsync(http, url, Timeout, fixture.Cluster.Logs + source.Output);
        await SourceClient.UpdateTitleAsync(http, fixture.Ingest, SourceClient.SongForm("/rip.mp3", "Ripper - First"), ct);
        var directory = Directory.CreateTempSubdirectory("rip-").FullName;
        await using var ripper = ManagedProcess.Start(ExternalTool.Find("streamripper"), [url.ToString(), "-d", directory, "-s", "-l", "40", "--quiet"]);
        await using var clock = await IcyReader.OpenAsync(url, ct);

        // Each title plays for a few seconds, as heard by a listener like streamripper (the ICY reader paces the steps,
        // once past its burst: until then it reads faster than real time).
        await clock.ReadUntilAsync(r => r.Audio.Length > (64 * 1024) + 32_000, Timeout, "the reader to reach the live edge", ct);
        foreach (var title in new[] { "Ripper - Second", "Ripper - Third" })
        {
            var heard = clock.Audio.Length;
            await clock.ReadUntilAsync(r => r.Audio.Length > heard + (7 * 16_000), Timeout, "seven seconds of audio", ct);
            await SourceClient.UpdateTitleAsync(http, fixture.Ingest, SourceClient.SongForm("/rip.mp3", title), ct);
            await clock.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == title), Timeout, title, ct);
        }

        // "Second" began and ended while streamripper listened: it is a whole track of its own.
        var track = Path.Combine(directory, "Ripper - Second.mp3");
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(track) && new FileInfo(track).Length > 40_000), Timeout, $"streamripper's track {track}; files: {string.Join(", ", Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))}\n{ripper.Output}");
        Assert.Equal("mp3", await Listener.DecodeAsync(track, ct));
    }

    [Fact]
    public async Task Liquidsoap_AsASource_StreamsAndItsTrackMetadataBecomesTheTitle()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await Media.ToneAsync("mp3", seconds: 6, ct, ("artist", "Liquid"), ("title", "Opening"));
        var second = await Media.ToneAsync("mp3", seconds: 60, ct, ("artist", "Liquid"), ("title", "Second Song"));
        var playlist = TestFiles.NewPath("ls", ".m3u");
        await File.WriteAllTextAsync(playlist, first + "\n" + second + "\n", ct);
        var script = TestFiles.NewPath("ls", ".liq");
        await File.WriteAllTextAsync(script, $$"""
            settings.init.allow_root.set(true)
            settings.log.stdout.set(true)
            settings.log.file.set(false)
            s = mksafe(playlist(mode="normal", reload_mode="never", "{{playlist}}"))
            output.icecast(%mp3(bitrate=128), host="{{fixture.Ingest.Host}}", port={{fixture.Ingest.Port}}, password="{{DirectoryCluster.SourcePassword}}", mount="/liquid.mp3", name="Liquid FM", s)
            """, ct);
        await using var liquidsoap = ManagedProcess.Start(ExternalTool.Find("liquidsoap"), [script]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(fixture.Cluster.Gateway, "/liquid.mp3");
        await Listener.WaitLiveAsync(http, url, TimeSpan.FromSeconds(60), fixture.Cluster.Logs + liquidsoap.Output);
        await using var icy = await IcyReader.OpenAsync(url, ct);
        Assert.Equal("Liquid FM", icy.Headers["icy-name"]);
        await icy.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == "Liquid - Second Song"), Timeout, "liquidsoap's second track title\n" + liquidsoap.Output, ct);
        var path = TestFiles.NewPath("ls", ".mp3");
        await File.WriteAllBytesAsync(path, icy.Audio, ct);
        Assert.Equal("mp3", await Listener.DecodeAsync(path, ct));
    }
}
