using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Titles travel with the audio: stamped at a stream offset by the ingest, applied at that byte on every edge, seen
/// the same in the ICY blocks players decode, the now-playing events and status-json; resume stays byte-exact with
/// metadata on; Latin-1 titles arrive as the right text; Ogg chains carry their own titles.
/// </summary>
[Collection(nameof(SourceProtocolTests))]
public sealed class TitleTests(IcecastClientsFixture fixture) : IClassFixture<IcecastClientsFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AdminMetadata_SwitchesAtTheStampedOffsetOnTwoEdges_MatchesSseAndStatusJson_AndResumeIsByteExact()
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = fixture.Cluster;
        await using var source = SourceClient.StartFfmpeg(fixture.Ingest, "/titles.mp3", "mp3", seconds: 90, DirectoryCluster.SourcePassword);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(http, new Uri(cluster.Edges[0].Address, "/titles.mp3"), Timeout, cluster.Logs + source.Output);

        await using var events = await NowPlayingFeed.OpenAsync(http, new Uri(cluster.Gateway, "/api/stations/titles.mp3/events"), ct);
        await using var first = await IcyReader.OpenAsync(new Uri(cluster.Edges[0].Address, "/titles.mp3"), ct);
        await using var second = await IcyReader.OpenAsync(new Uri(cluster.Edges[1].Address, $"/titles.mp3?from={first.Offset}&session={first.Session}"), ct);
        Assert.Equal(first.Offset, second.Offset);

        // Latin-1 bytes with no charset (as older encoders send them): "Café Noir" must arrive as that text.
        await SourceClient.UpdateTitleAsync(http, fixture.Ingest, "mode=updinfo&mount=/titles.mp3&song=Caf%E9+Noir&url=http%3A%2F%2Fexample.org%2Fnoir", ct, post: true);
        const string title = "Café Noir";
        var stamped = await events.WaitForAsync(e => e.Title == title, Timeout, ct);
        foreach (var reader in new[] { first, second })
        {
            await reader.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == title), Timeout, "the new title in the ICY blocks", ct);
            var block = reader.Blocks.First(b => b.StreamTitle == title);
            Assert.Equal("http://example.org/noir", block.StreamUrl);

            // Blocks sit every icy-metaint bytes: the first one at or after the stamp carries the title, none before it.
            Assert.InRange(block.StreamOffset - stamped.Offset, 0, reader.MetaInterval - 1);
            Assert.DoesNotContain(reader.Blocks, b => b.StreamOffset < stamped.Offset && b.StreamTitle == title);
        }

        // The same offset on two edges, metadata on: the same bytes, audio and blocks alike (past the title change).
        const int Compared = 96 * 1024;
        foreach (var reader in new[] { first, second })
        {
            await reader.ReadUntilAsync(r => r.Body.Length >= Compared && r.Offset + r.Audio.Length > stamped.Offset + r.MetaInterval, Timeout, $"{Compared} bytes past the title", ct);
        }

        var common = Math.Min(first.Body.Length, second.Body.Length);
        Assert.True(common > first.MetaInterval * 2, $"only {common} bytes in common");
        Assert.True(first.Body.AsSpan(0, common).SequenceEqual(second.Body.AsSpan(0, common)), "the two edges' responses differ");

        await Poll.UntilAsync(async () => StatusTitle(await http.GetStringAsync(new Uri(cluster.Gateway, "/status-json.xsl"), ct), "/titles.mp3") == title, Timeout, "status-json's title");
        using var station = JsonDocument.Parse(await http.GetStringAsync(new Uri(cluster.Gateway, "/api/stations/titles.mp3"), ct));
        Assert.Equal(title, station.RootElement.GetProperty("nowPlaying").GetString());
        Assert.Equal(title, station.RootElement.GetProperty("history")[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task Charset_NamedInTheUpdate_IsHonoured_AndUtf8IsTheDefault()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(fixture.Ingest, "/charset.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(fixture.Cluster.Gateway, "/charset.mp3");
        await Listener.WaitLiveAsync(http, url, Timeout, fixture.Cluster.Logs + source.Output);
        await using var icy = await IcyReader.OpenAsync(url, ct);

        await SourceClient.UpdateTitleAsync(http, fixture.Ingest, "mode=updinfo&mount=/charset.mp3&charset=ISO-8859-1&song=%C9t%E9", ct, post: true);
        await icy.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == "Été"), Timeout, "the Latin-1 title", ct);
        await SourceClient.UpdateTitleAsync(http, fixture.Ingest, "mode=updinfo&mount=/charset.mp3&song=%E2%99%AB+Gr%C3%BC%C3%9Fe", ct, post: true);
        await icy.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == "♫ Grüße"), Timeout, "the UTF-8 title", ct);
    }

    [Fact]
    public async Task OggChainComments_BecomeTheStationsTitle()
    {
        var ct = TestContext.Current.CancellationToken;
        var target = $"icecast://source:{DirectoryCluster.SourcePassword}@{fixture.Ingest.Host}:{fixture.Ingest.Port}/chain.ogg";
        await using var source = ManagedProcess.Start(ExternalTool.Find("ffmpeg"), ["-hide_banner", "-v", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=440:duration=60", "-c:a", "libvorbis", "-q:a", "2", "-metadata", "artist=Ogg Artist", "-metadata", "title=Chained Song", "-content_type", "application/ogg", "-f", "ogg", target]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(http, new Uri(fixture.Cluster.Gateway, "/chain.ogg"), Timeout, fixture.Cluster.Logs + source.Output);
        await using var events = await NowPlayingFeed.OpenAsync(http, new Uri(fixture.Cluster.Gateway, "/api/stations/chain.ogg/events"), ct);
        await events.WaitForAsync(e => e.Title == "Ogg Artist - Chained Song", Timeout, ct);
        await Poll.UntilAsync(async () => StatusTitle(await http.GetStringAsync(new Uri(fixture.Cluster.Gateway, "/status-json.xsl"), ct), "/chain.ogg") == "Ogg Artist - Chained Song", Timeout, "status-json's title from the Ogg comments");

        // Ogg listeners get no ICY interleave, as from Icecast: their stream stays a valid Ogg stream.
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(fixture.Cluster.Gateway, "/chain.ogg"));
        request.Headers.Add("Icy-MetaData", "1");
        using var head = await http.SendAsync(request, ct);
        Assert.False(head.Headers.Contains("icy-metaint"));
    }

    internal static string? StatusTitle(string json, string mount)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.GetProperty("icestats").TryGetProperty("source", out var source))
        {
            return null;
        }

        var sources = source.ValueKind == JsonValueKind.Array ? source.EnumerateArray().ToList() : [source];
        var station = sources.FirstOrDefault(s => s.GetProperty("listenurl").GetString()!.EndsWith(mount, StringComparison.Ordinal));
        return station.ValueKind == JsonValueKind.Object && station.TryGetProperty("title", out var title) ? title.GetString() : null;
    }
}
