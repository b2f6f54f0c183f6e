using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// With <c>Ingest:OggTitleChains</c> an operator gets titles in-band for Ogg listeners too: a title update starts a
/// new chain whose comment header carries it. The listener's one connection decodes across the chain, its bytes
/// contain the new comment, and the directory's view is unchanged by the option (the title is stamped once).
/// </summary>
[Collection(nameof(OggTitleChainTests))]
public sealed class OggTitleChainTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("vorbis")]
    [InlineData("opus")]
    public async Task TitleUpdate_StartsAChainWithTheTitle_AndTheListenerDecodesAcrossIt(string codec)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await BroadcastCluster.StartAsync(edges: 1, ingestSettings: new Dictionary<string, string> { ["Ingest__OggTitleChains"] = "true" });
        var mount = $"/chain-{codec}.ogg";
        await using var source = SourceClient.StartFfmpeg(cluster.Ingest, mount, codec, seconds: 60);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(cluster.Gateway, mount);
        await Listener.WaitLiveAsync(http, url, Timeout, cluster.Logs + source.Output);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(Timeout);
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        await using var body = await response.Content.ReadAsStreamAsync(limit.Token);
        var captured = new MemoryStream();
        var buffer = new byte[16384];

        // Some audio of the first chain, then the title, then audio of the new chain.
        while (captured.Length < 24_000)
        {
            captured.Write(buffer, 0, await body.ReadAsync(buffer, limit.Token));
        }

        await SourceClient.UpdateTitleAsync(http, cluster.Ingest, SourceClient.SongForm(mount, "Chained Ärtist - Song"), ct);
        var marker = Encoding.UTF8.GetBytes("TITLE=Chained Ärtist - Song");
        var seenAt = -1L;
        while (seenAt < 0 || captured.Length < seenAt + 24_000)
        {
            var read = await body.ReadAsync(buffer, limit.Token);
            Assert.True(read > 0, "the stream ended");
            captured.Write(buffer, 0, read);
            if (seenAt < 0 && captured.GetBuffer().AsSpan(0, (int)captured.Length).IndexOf(marker) is var at and >= 0)
            {
                seenAt = at;
            }
        }

        var bytes = captured.ToArray();
        var path = TestFiles.NewPath("chain", ".ogg");
        await File.WriteAllBytesAsync(path, bytes, ct);
        Assert.Equal(codec, await Listener.DecodeAsync(path, ct)); // one connection, decoding across the chain

        // The new chain on its own is a well-formed stream whose tags carry the title.
        var chain = ChainStart(bytes, (int)seenAt);
        Assert.True(chain > 0, "no new chain (BOS page) before the title's comment header");
        var tail = TestFiles.NewPath("chain-tail", ".ogg");
        await File.WriteAllBytesAsync(tail, bytes[chain..], ct);
        Assert.Equal(codec, await Listener.DecodeAsync(tail, ct));
        var tags = await ExternalTool.RunAsync("ffprobe", ["-v", "error", "-show_entries", "stream_tags=title", "-of", "default=noprint_wrappers=1:nokey=1", tail], Timeout, ct);
        Assert.Equal("Chained Ärtist - Song", tags.Trim());
    }

    /// <summary>Where the last beginning-of-stream page before <paramref name="before"/> starts.</summary>
    private static int ChainStart(byte[] bytes, int before)
    {
        for (var at = before; at >= 0; at--)
        {
            if (bytes.AsSpan(at).StartsWith("OggS"u8) && at + 5 < bytes.Length && (bytes[at + 5] & 0x02) != 0)
            {
                return at;
            }
        }

        return -1;
    }
}
