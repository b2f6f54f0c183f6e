using System.Diagnostics;
using System.Net;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>A listener through the gateway: waits for the station to be live, captures a few seconds, checks them with ffmpeg.</summary>
internal static class Listener
{
    public static Task WaitLiveAsync(HttpClient http, Uri url, TimeSpan timeout, string logs) =>
        WaitHeadStatusAsync(http, url, HttpStatusCode.OK, timeout, $"{url} to go live\n{logs}");

    /// <summary>Polls <c>HEAD</c> on <paramref name="url"/> until it answers <paramref name="status"/>.</summary>
    public static async Task WaitHeadStatusAsync(HttpClient http, Uri url, HttpStatusCode status, TimeSpan timeout, string what)
    {
        await Poll.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Head, url);
                using var response = await http.SendAsync(request);
                return response.StatusCode == status;
            },
            timeout,
            what);
    }

    /// <summary>Reads the stream for <paramref name="duration"/> (bounded by a 30 s timeout) into a temporary file.</summary>
    public static async Task<string> CaptureAsync(HttpClient http, Uri url, TimeSpan duration, CancellationToken cancellationToken)
    {
        var path = TestFiles.NewPath("capture");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(limit.Token);
        await using var file = File.Create(path);
        var buffer = new byte[8192];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var read = await body.ReadAsync(buffer, limit.Token);
            if (read == 0)
            {
                break;
            }

            await file.WriteAsync(buffer.AsMemory(0, read), limit.Token);
        }

        return path;
    }

    /// <summary>Decodes with <c>ffmpeg -v error</c>: any output at all is a decoding error. Returns the codec ffprobe sees.</summary>
    /// <remarks>
    /// A capture stops at a time, not at a frame: for ADTS and MPEG audio (whose decoders can report a cut-off last
    /// frame as an error) the trailing partial frame is trimmed first (<see cref="CaptureTail"/>). Every complete
    /// frame before it must decode cleanly.
    /// </remarks>
    public static async Task<string> DecodeAsync(string path, CancellationToken cancellationToken)
    {
        await CaptureTail.TrimAsync(path, cancellationToken);
        var errors = await ExternalTool.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-i", path, "-f", "null", "-"], TimeSpan.FromSeconds(30), cancellationToken, includeStandardError: true);
        Assert.True(string.IsNullOrWhiteSpace(errors), $"ffmpeg reported decoding errors:\n{errors}");
        var codec = await ExternalTool.RunAsync("ffprobe", ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path], TimeSpan.FromSeconds(30), cancellationToken);
        return codec.Trim();
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes of a response body (bounded by a 30 s timeout).</summary>
    public static async Task<byte[]> ReadExactlyAsync(HttpResponseMessage response, int count, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        await using var body = await response.Content.ReadAsStreamAsync(limit.Token);
        var bytes = new byte[count];
        await body.ReadExactlyAsync(bytes, limit.Token);
        return bytes;
    }
}
