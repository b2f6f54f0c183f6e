using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>Test media made with ffmpeg, and a source that sends a file's bytes at about its real-time rate.</summary>
internal static class Media
{
    /// <summary>A tone file of <paramref name="codec"/> ("mp3", "vorbis") with the given tags.</summary>
    public static async Task<string> ToneAsync(string codec, int seconds, CancellationToken cancellationToken, params (string Key, string Value)[] tags)
    {
        var (extension, encode) = codec switch
        {
            "mp3" => ("mp3", new[] { "-c:a", "libmp3lame", "-b:a", "128k", "-id3v2_version", "3" }),
            "vorbis" => ("ogg", new[] { "-c:a", "libvorbis", "-q:a", "2" }),
            _ => throw new ArgumentException(codec),
        };
        var path = TestFiles.NewPath("tone", "." + extension);
        string[] metadata = [.. tags.SelectMany(t => new[] { "-metadata", $"{t.Key}={t.Value}" })];
        await ExternalTool.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds}", .. encode, .. metadata, path], TimeSpan.FromSeconds(60), cancellationToken);
        return path;
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="bytesPerSecond"/> in quarter-second slices until done or cancelled.</summary>
    public static async Task FeedRealTimeAsync(Stream stream, byte[] data, int bytesPerSecond, CancellationToken cancellationToken)
    {
        var slice = bytesPerSecond / 4;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            for (var at = 0; at < data.Length; at += slice)
            {
                await stream.WriteAsync(data.AsMemory(at, Math.Min(slice, data.Length - at)), cancellationToken);
                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // the test is done with this source, or the server closed it
        }
    }
}
