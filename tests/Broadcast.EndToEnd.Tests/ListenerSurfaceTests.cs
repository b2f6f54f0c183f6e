using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// What players and tools probe through the gateway (HEAD, <c>Range: bytes=0-</c>, CORS preflight, playlists with the
/// public URL), and bad input to the title and probe paths: a clear error each time while a listener plays on.
/// </summary>
[Collection(nameof(SourceProtocolTests))]
public sealed class ListenerSurfaceTests(IcecastClientsFixture fixture) : IClassFixture<IcecastClientsFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Gateway_AnswersHeadRangeAndPreflight_AsBrowserPlayersNeed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(fixture.Ingest, "/probe.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(fixture.Cluster.Gateway, "/probe.mp3");
        await Listener.WaitLiveAsync(http, url, Timeout, fixture.Cluster.Logs + source.Output);

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url) { Headers = { { "Icy-MetaData", "1" } } }, ct);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("16000", head.Headers.GetValues("icy-metaint").Single());
        Assert.Equal("Test FM", head.Headers.GetValues("icy-name").Single());

        using var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(0, null);
        using var live = await http.SendAsync(ranged, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode); // a live stream, not 416 and not 206
        Assert.Equal("audio/mpeg", live.Content.Headers.ContentType?.MediaType);
        var buffer = new byte[4096];
        Assert.True(await (await live.Content.ReadAsStreamAsync(ct)).ReadAsync(buffer, ct) > 0);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, url);
        preflight.Headers.Add("Origin", "https://player.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "icy-metadata");
        using var allowed = await http.SendAsync(preflight, ct);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Contains("Icy-MetaData", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        Assert.Equal("*", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("icy-metaint", head.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
        Assert.Equal("*", head.Headers.GetValues("Access-Control-Allow-Origin").Single()); // once, not "*, *"
    }

    [Fact]
    public async Task Playlists_PointAtThePublicUrl_AndRefuseHostileOrOfflineMounts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(fixture.Ingest, "/list.mp3", "mp3", 60, DirectoryCluster.SourcePassword, "-ice_name", "List FM", "-ice_public", "1");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(http, new Uri(fixture.Cluster.Gateway, "/list.mp3"), Timeout, fixture.Cluster.Logs + source.Output);
        await Poll.UntilAsync(async () => (await http.GetAsync(new Uri(fixture.Cluster.Gateway, "/list.mp3.m3u"), ct)).IsSuccessStatusCode, Timeout, "the gateway to know the station");

        async Task<(HttpResponseMessage Response, string Body)> GetAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Cluster.Gateway, path));
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-Host", "radio.example.org");
            var response = await http.SendAsync(request, ct);
            return (response, await response.Content.ReadAsStringAsync(ct));
        }

        var (m3u, m3uBody) = await GetAsync("/list.mp3.m3u");
        Assert.Equal("audio/x-mpegurl", m3u.Content.Headers.ContentType?.MediaType);
        Assert.Equal("https://radio.example.org/list.mp3\r\n", m3uBody);
        var (pls, plsBody) = await GetAsync("/list.mp3.pls");
        Assert.Equal("audio/x-scpls", pls.Content.Headers.ContentType?.MediaType);
        Assert.Contains("File1=https://radio.example.org/list.mp3", plsBody, StringComparison.Ordinal);
        Assert.Contains("Title1=List FM", plsBody, StringComparison.Ordinal);
        var (_, xspf) = await GetAsync("/list.mp3.xspf");
        Assert.Contains("<location>https://radio.example.org/list.mp3</location>", xspf, StringComparison.Ordinal);
        var (_, all) = await GetAsync("/listen.m3u");
        Assert.Contains("https://radio.example.org/list.mp3", all, StringComparison.Ordinal);

        foreach (var hostile in new[] { "/offline.mp3.m3u", "/..%2Fetc.m3u", "/a*b.m3u", "/%0D%0Ainjected.pls", "/.hidden.xspf" })
        {
            var (response, body) = await GetAsync(hostile);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{hostile}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("https://", body, StringComparison.Ordinal);
        }

        var (spoofed, spoofedBody) = await GetWithHostAsync(http, "/list.mp3.m3u", "evil\"><script>", ct);
        Assert.Equal(HttpStatusCode.OK, spoofed.StatusCode);
        Assert.DoesNotContain("<script>", spoofedBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadTitleUpdatesAndProbes_GetClearErrors_AndTheListenerPlaysOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = SourceClient.StartFfmpeg(fixture.Ingest, "/steady.mp3", "mp3", seconds: 90, DirectoryCluster.SourcePassword);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(fixture.Cluster.Gateway, "/steady.mp3");
        await Listener.WaitLiveAsync(http, url, Timeout, fixture.Cluster.Logs + source.Output);
        await using var listener = await IcyReader.OpenAsync(url, ct);

        var cases = new (string Query, HttpStatusCode Status, string Message)[]
        {
            ("mode=updinfo&mount=/steady.mp3&song=" + new string('x', 5000), HttpStatusCode.BadRequest, "at most 1024 characters"),
            ("mode=updinfo&mount=/steady.mp3&song=bell%07ring", HttpStatusCode.BadRequest, "no control characters"),
            ("mode=updinfo&mount=/steady.mp3&song=line%0D%0Abreak", HttpStatusCode.BadRequest, "no control characters"),
            ("mode=killsource&mount=/steady.mp3", HttpStatusCode.BadRequest, "mode=updinfo"),
            ("mount=/steady.mp3&song=x", HttpStatusCode.BadRequest, "mode=updinfo"),
            ("mode=updinfo&mount=/offline.mp3&song=x", HttpStatusCode.BadRequest, "Source does not exist"),
            ("mode=updinfo&mount=/../etc&song=x", HttpStatusCode.BadRequest, "mount:"),
            ("mode=updinfo&mount=/steady.mp3&charset=EBCDIC-FANTASY&song=x", HttpStatusCode.BadRequest, "unknown character set"),
            ("mode=updinfo&mount=/steady.mp3&charset=%0A%00&song=x", HttpStatusCode.BadRequest, "unknown character set"),
        };
        foreach (var (query, status, message) in cases)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Ingest, "/admin/metadata?" + query));
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("source", DirectoryCluster.SourcePassword));
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == status, $"{query[..Math.Min(60, query.Length)]}: {(int)response.StatusCode} {body}");
            Assert.Contains(message, body, StringComparison.Ordinal);
            Assert.Contains("<return>0</return>", body, StringComparison.Ordinal);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Ingest, "/admin/metadata?mode=updinfo&mount=/steady.mp3&song=hijack")))
        {
            wrong.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("source", "wrong"));
            using var refused = await http.SendAsync(wrong, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // From another address (127.0.0.2: loopback, but not the source's): source credentials are refused, as by
        // Icecast, and the admin's are accepted.
        using var elsewhere = LoopbackAddress.ClientFrom("127.0.0.2");
        using (var hijack = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Ingest, "/admin/metadata?mode=updinfo&mount=/steady.mp3&song=hijack")))
        {
            hijack.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("source", DirectoryCluster.SourcePassword));
            using var refused = await elsewhere.SendAsync(hijack, ct);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("own address", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using (var admin = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Ingest, "/admin/metadata?mode=updinfo&mount=/steady.mp3&song=By+Admin")))
        {
            admin.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("admin", IcecastClientsFixture.AdminPassword));
            using var accepted = await elsewhere.SendAsync(admin, ct);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        // libshout's probe answered as Icecast answers it; junk in the same shape is refused, and costs nothing else.
        var probe = await SourceClient.RawAsync(fixture.Ingest, "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0, HTTP/1.1\r\n\r\n", null, ct);
        Assert.StartsWith("HTTP/1.0 204", probe, StringComparison.Ordinal);
        Assert.Contains("Allow: GET, POST, PUT, SOURCE, OPTIONS", probe, StringComparison.Ordinal);
        Assert.DoesNotContain("Upgrade:", probe, StringComparison.Ordinal);
        var junk = await SourceClient.RawAsync(fixture.Ingest, "OPTIONS * HTTP/1.1\r\nUpgrade TLS without a colon\r\n\r\n", null, ct);
        Assert.StartsWith("HTTP/1.0 400", junk, StringComparison.Ordinal);
        var garbage = await SourceClient.RawAsync(fixture.Ingest, "OPTIONS *\u0001\u0002\r\n\r\n", null, ct);
        Assert.StartsWith("HTTP/1.0 400", garbage, StringComparison.Ordinal);

        // The station and its listener were not disturbed: the admin's title reaches it, and audio keeps coming.
        await listener.ReadUntilAsync(r => r.Blocks.Any(b => b.StreamTitle == "By Admin"), Timeout, "the admin's title", ct);
        var heard = listener.Audio.Length;
        await listener.ReadUntilAsync(r => r.Audio.Length > heard + 32_000, Timeout, "more audio", ct);
        Assert.DoesNotContain(listener.Blocks, b => b.StreamTitle is { } t && (t.Contains("hijack", StringComparison.Ordinal) || t.Contains('x', StringComparison.Ordinal)));
    }

    private async Task<(HttpResponseMessage Response, string Body)> GetWithHostAsync(HttpClient http, string path, string host, CancellationToken ct)
    {
        using var client = new TcpClient();
        var gateway = fixture.Cluster.Gateway;
        await client.ConnectAsync(gateway.Host, gateway.Port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes($"GET {path} HTTP/1.0\r\nHost: {gateway.Authority}\r\nX-Forwarded-Host: {host}\r\n\r\n"), ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct);
        var status = int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        _ = http;
        return (new HttpResponseMessage((HttpStatusCode)status), text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }
}
