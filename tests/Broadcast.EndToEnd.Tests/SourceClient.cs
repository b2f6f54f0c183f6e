using System.Net.Sockets;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>Sources for tests: ffmpeg's icecast:// output (a real encoder), and a raw socket for hostile input.</summary>
internal static class SourceClient
{
    /// <summary>
    /// Starts ffmpeg pushing a generated tone in real time for <paramref name="seconds"/> seconds, named "Test FM" unless
    /// <paramref name="station"/> adds other <c>-ice_*</c> or <c>-metadata</c> options.
    /// </summary>
    public static ManagedProcess StartFfmpeg(Uri ingest, string mount, string codec, int seconds, string password = BroadcastCluster.SourcePassword, params string[] station)
    {
        string[] encode = codec switch
        {
            "mp3" => ["-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg", "-f", "mp3"],
            "aac" => ["-c:a", "aac", "-b:a", "96k", "-content_type", "audio/aac", "-f", "adts"],
            "vorbis" => ["-c:a", "libvorbis", "-q:a", "2", "-content_type", "application/ogg", "-f", "ogg"],
            "opus" => ["-c:a", "libopus", "-b:a", "64k", "-content_type", "audio/ogg", "-f", "ogg"],
            _ => throw new ArgumentException(codec),
        };
        var target = $"icecast://source:{password}@{ingest.Host}:{ingest.Port}{mount}";
        return ManagedProcess.Start(
            ExternalTool.Find("ffmpeg"),
            ["-hide_banner", "-v", "error", "-re", "-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds}", .. (station.Length > 0 ? station : ["-ice_name", "Test FM"]), .. encode, target]);
    }

    /// <summary>
    /// Starts ffmpeg pushing an MP3 tone of <paramref name="frequency"/> Hz at <paramref name="bitrate"/> as
    /// <paramref name="user"/> (hand-over tests tell sources apart by their frames' bitrate).
    /// </summary>
    public static ManagedProcess StartTone(Uri ingest, string mount, int seconds, int frequency, string bitrate = "128k", string user = "source") =>
        ManagedProcess.Start(
            ExternalTool.Find("ffmpeg"),
            ["-hide_banner", "-v", "error", "-re", "-f", "lavfi", "-i", $"sine=frequency={frequency}:duration={seconds}", "-ice_name", "Test FM",
                "-c:a", "libmp3lame", "-b:a", bitrate, "-content_type", "audio/mpeg", "-f", "mp3", $"icecast://{user}:{BroadcastCluster.SourcePassword}@{ingest.Host}:{ingest.Port}{mount}"]);

    /// <summary>Sends a raw request head (and optional body) and returns the first response bytes as text.</summary>
    public static async Task<string> RawAsync(Uri ingest, string head, byte[]? body, CancellationToken cancellationToken, System.Net.IPAddress? from = null)
    {
        using var client = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(from, 0));
        await client.ConnectAsync(ingest.Host, ingest.Port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        var reply = new byte[4096];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        var read = await stream.ReadAsync(reply, limit.Token);
        if (body is not null)
        {
            try
            {
                await stream.WriteAsync(body, limit.Token);
            }
            catch (IOException)
            {
                // the server may close on garbage; that is an acceptable answer
            }
        }

        return Encoding.ASCII.GetString(reply, 0, read);
    }

    /// <summary>
    /// A title update through Icecast's <c>/admin/metadata</c> with the source credentials, from the source's own
    /// address (loopback); a POST form when <paramref name="post"/>. Asserts it was accepted.
    /// </summary>
    public static async Task UpdateTitleAsync(HttpClient http, Uri ingest, string form, CancellationToken cancellationToken, bool post = false, string password = BroadcastCluster.SourcePassword)
    {
        using var request = post
            ? new HttpRequestMessage(HttpMethod.Post, new Uri(ingest, "/admin/metadata")) { Content = new ByteArrayContent(Encoding.ASCII.GetBytes(form)) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded") } } }
            : new HttpRequestMessage(HttpMethod.Get, new Uri(ingest, "/admin/metadata?" + form));
        request.Headers.Authorization = System.Net.Http.Headers.AuthenticationHeaderValue.Parse(Basic("source", password));
        using var response = await http.SendAsync(request, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"title update {form}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    /// <summary>The form of a title update for <paramref name="mount"/> with <paramref name="song"/>.</summary>
    public static string SongForm(string mount, string song) => $"mode=updinfo&mount={mount}&song={Uri.EscapeDataString(song)}";

    public static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
}
