using System.Net.Sockets;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Encoders that speak Icecast's dialects log in unchanged: libshout's <c>shout</c> and ezstream with their default TLS
/// setting ("auto": an <c>OPTIONS *</c> upgrade probe first), darkice's bare-LF handshake, SHOUTcast v1 sources on
/// their own port; each streams to a listener through the gateway whose capture decodes.
/// </summary>
[Collection(nameof(SourceProtocolTests))]
public sealed class SourceProtocolTests(IcecastClientsFixture fixture) : IClassFixture<IcecastClientsFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Shout_WithDefaultTlsAuto_LogsInAndStreams()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = await Media.ToneAsync("mp3", seconds: 30, ct);
        var ingest = fixture.Ingest;
        await using var shout = ManagedProcess.Start("/bin/sh", ["-c", $"exec {ExternalTool.Find("shout")} --usage audio --format mp3 --proto http -H {ingest.Host} -P {ingest.Port} --mount /shout.mp3 --user source --pass {DirectoryCluster.SourcePassword} < {file}"]);
        await AssertListenableAsync("/shout.mp3", shout, ct);
    }

    [Fact]
    public async Task Ezstream_WithDefaultTls_StreamsAndItsTrackTitlesReachListeners()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await Media.ToneAsync("mp3", seconds: 8, ct, ("artist", "Ezra"), ("title", "Track One"));
        var second = await Media.ToneAsync("mp3", seconds: 30, ct, ("artist", "Ezra"), ("title", "Track Two"));
        var playlist = TestFiles.NewPath("ez", ".m3u");
        await File.WriteAllTextAsync(playlist, first + "\n" + second + "\n", ct);
        var config = TestFiles.NewPath("ez", ".xml");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <ezstream>
              <servers><server><hostname>{fixture.Ingest.Host}</hostname><port>{fixture.Ingest.Port}</port><password>{DirectoryCluster.SourcePassword}</password></server></servers>
              <streams><stream><mountpoint>/ez.mp3</mountpoint><format>MP3</format><stream_name>Ez FM</stream_name></stream></streams>
              <intakes><intake><type>playlist</type><filename>{playlist}</filename><stream_once>yes</stream_once></intake></intakes>
            </ezstream>
            """, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite); // ezstream refuses a readable config
        }

        await using var ezstream = ManagedProcess.Start(ExternalTool.Find("ezstream"), ["-c", config]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(http, new Uri(fixture.Cluster.Gateway, "/ez.mp3"), Timeout, fixture.Cluster.Logs + ezstream.Output);
        await using var icy = await IcyReader.OpenAsync(new Uri(fixture.Cluster.Gateway, "/ez.mp3"), ct);
        await icy.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == "Ezra - Track Two"), Timeout, "ezstream's second track title", ct);
        var path = TestFiles.NewPath("ez", ".mp3");
        await File.WriteAllBytesAsync(path, icy.Audio, ct);
        Assert.Equal("mp3", await Listener.DecodeAsync(path, ct));
    }

    [Fact]
    public async Task Darkice_BareLfHandshake_IsAcceptedAndStreams()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = await Media.ToneAsync("mp3", seconds: 20, ct);
        using var client = new TcpClient();
        await client.ConnectAsync(fixture.Ingest.Host, fixture.Ingest.Port, ct);
        var stream = client.GetStream();

        // darkice's Icecast2 connector, as recorded: request and header lines end in a bare LF.
        var head = $"SOURCE /darkice.mp3 HTTP/1.0\nAuthorization: {SourceClient.Basic("source", DirectoryCluster.SourcePassword)}\nContent-Type: audio/mpeg\nice-name: DarkIce FM\nice-public: 1\nice-bitrate: 128\nUser-Agent: DarkIce/1.3 (http://code.google.com/p/darkice/)\n\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply, ct);
        Assert.StartsWith("HTTP/1.0 200 OK", Encoding.ASCII.GetString(reply, 0, read), StringComparison.Ordinal);
        using var feeding = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var feed = Media.FeedRealTimeAsync(stream, await File.ReadAllBytesAsync(file, ct), 16_000, feeding.Token);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(http, new Uri(fixture.Cluster.Gateway, "/darkice.mp3"), Timeout, fixture.Cluster.Logs);
        var capture = await Listener.CaptureAsync(http, new Uri(fixture.Cluster.Gateway, "/darkice.mp3"), TimeSpan.FromSeconds(3), ct);
        Assert.Equal("mp3", await Listener.DecodeAsync(capture, ct));
        await feeding.CancelAsync();
        await feed;
    }

    [Fact]
    public async Task Shoutcast_V1Source_LogsInOnItsPort_StreamsAndIsRetitledByAdminCgi()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.StartsWith("invalid password", await ShoutcastLoginAsync("wrong", ct), StringComparison.Ordinal);

        var file = await Media.ToneAsync("mp3", seconds: 30, ct);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", fixture.ShoutcastPort, ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(DirectoryCluster.SourcePassword + "\r\n"), ct);
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply, ct);
        Assert.Equal("OK2\r\nicy-caps:11\r\n\r\n", Encoding.ASCII.GetString(reply, 0, read));
        await stream.WriteAsync("icy-name:SC FM\r\nicy-genre:Oldies\r\nicy-pub:1\r\nicy-br:128\r\n\r\n"u8.ToArray(), ct);
        using var feeding = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var feed = Media.FeedRealTimeAsync(stream, await File.ReadAllBytesAsync(file, ct), 16_000, feeding.Token);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(fixture.Cluster.Gateway, "/sc.mp3");
        await Listener.WaitLiveAsync(http, url, Timeout, fixture.Cluster.Logs);
        await using var icy = await IcyReader.OpenAsync(url, ct);
        Assert.Equal("SC FM", icy.Headers["icy-name"]);
        using var update = await http.GetAsync(new Uri(fixture.Ingest, $"/admin.cgi?mode=updinfo&pass={DirectoryCluster.SourcePassword}&song=Shout+It+Out"), ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, update.StatusCode);
        await icy.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == "Shout It Out"), Timeout, "the admin.cgi title", ct);
        await feeding.CancelAsync();
        await feed;
    }

    private async Task<string> ShoutcastLoginAsync(string password, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", fixture.ShoutcastPort, ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(password + "\r\n"), ct);
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply, ct);
        return Encoding.ASCII.GetString(reply, 0, read);
    }

    private async Task AssertListenableAsync(string mount, ManagedProcess encoder, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(fixture.Cluster.Gateway, mount);
        await Listener.WaitLiveAsync(http, url, Timeout, fixture.Cluster.Logs + encoder.Output);
        var capture = await Listener.CaptureAsync(http, url, TimeSpan.FromSeconds(3), ct);
        Assert.Equal("mp3", await Listener.DecodeAsync(capture, ct));
    }
}
