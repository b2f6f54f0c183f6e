using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Broadcast.Shared.Codecs;

namespace Broadcast.LoadTest;

/// <summary>What <c>source</c> pushes, where, and how.</summary>
internal sealed record SourceOptions(Uri Url, string File, string User, string Password, string Method, double DurationSeconds, bool Loop, string Name, string? ContentType)
{
    public static SourceOptions From(Arguments args)
    {
        var options = new SourceOptions(
            new Uri(args.Text("url", "http://127.0.0.1:8001/live.mp3")),
            args.Text("file", string.Empty),
            args.Text("user", "source"),
            args.Text("password", "hackme"),
            args.Text("method", "PUT").ToUpperInvariant(),
            args.Number("duration", 0),
            args.Integer("loop", 0) != 0,
            args.Text("name", "Broadcast load test"),
            args.Text("content-type", string.Empty) is { Length: > 0 } type ? type : null);
        args.RejectUnknown();
        if (options.File.Length == 0 || !System.IO.File.Exists(options.File))
        {
            throw new ArgumentException($"--file must name an audio file ('{options.File}' does not exist)");
        }

        if (options.Method is not ("PUT" or "SOURCE") || options.DurationSeconds < 0 || (options.Loop && options.DurationSeconds == 0))
        {
            throw new ArgumentException("--method PUT or SOURCE; --duration >= 0, and > 0 with --loop 1 so the run ends by itself");
        }

        return options;
    }
}

/// <summary>
/// An Icecast source client: sends the request (PUT with <c>Expect: 100-continue</c>, or legacy SOURCE), then the
/// file's frames at the pace of their own durations, as a live encoder would. Looping suits MP3 and AAC; an Ogg file
/// looped would repeat its stream serial number.
/// </summary>
internal static class SourcePusher
{
    /// <summary>How far ahead of real time we may send: encoders push small bursts, not one frame per timer tick.</summary>
    private static readonly TimeSpan Lead = TimeSpan.FromMilliseconds(200);

    public static async Task<int> RunAsync(SourceOptions options, CancellationToken cancellationToken)
    {
        var (audio, frames, contentType) = Frame(options);
        if (frames.Count == 0)
        {
            Console.Error.WriteLine($"source: no audio frames found in {options.File}");
            return 1;
        }

        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(options.Url.Host, options.Url.Port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        var totalSeconds = frames.Sum(frame => frame.Duration.TotalSeconds);
        var kbps = totalSeconds > 0 ? (int)Math.Round(audio.Length * 8 / totalSeconds / 1000) : 0;
        await stream.WriteAsync(Encoding.ASCII.GetBytes(RequestHead(options, contentType, kbps)), cancellationToken).ConfigureAwait(false);
        var reply = await ReadHeadAsync(stream, cancellationToken).ConfigureAwait(false);
        if (!reply.StartsWith("HTTP/1.1 100", StringComparison.Ordinal) && !reply.StartsWith("HTTP/1.0 200", StringComparison.Ordinal) && !reply.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"source: refused: {reply.Split("\r\n")[0]}");
            return 1;
        }

        Console.Error.WriteLine($"source: streaming {options.File} ({contentType}, {frames.Count} frames) to {options.Url}");
        var clock = Stopwatch.StartNew();
        var limit = options.DurationSeconds > 0 ? TimeSpan.FromSeconds(options.DurationSeconds) : TimeSpan.MaxValue;
        var media = TimeSpan.Zero;
        long sent = 0;
        try
        {
            do
            {
                foreach (var (offset, length, duration) in frames)
                {
                    if (clock.Elapsed >= limit)
                    {
                        break;
                    }

                    var ahead = media - clock.Elapsed;
                    if (ahead > Lead)
                    {
                        await Task.Delay(ahead - (Lead / 2), cancellationToken).ConfigureAwait(false);
                    }

                    await stream.WriteAsync(audio.AsMemory(offset, length), cancellationToken).ConfigureAwait(false);
                    media += duration;
                    sent += length;
                }
            }
            while (options.Loop && clock.Elapsed < limit);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: end the source like an encoder that stops
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"source: connection lost after {sent} bytes: {exception.Message}");
            return 1;
        }

        Console.Error.WriteLine($"source: sent {sent:N0} bytes, {media.TotalSeconds:F1} s of audio in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    private static string RequestHead(SourceOptions options, string contentType, int kbps)
    {
        var authorization = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.User}:{options.Password}"));
        var head = new StringBuilder();
        head.Append(options.Method).Append(' ').Append(options.Url.AbsolutePath).Append(options.Method == "PUT" ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
        head.Append("Host: ").Append(options.Url.Authority).Append("\r\n");
        head.Append("Authorization: Basic ").Append(authorization).Append("\r\n");
        head.Append("User-Agent: broadcast-source/1\r\n");
        head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        head.Append("ice-name: ").Append(options.Name).Append("\r\n");
        head.Append("ice-public: 0\r\n");
        if (kbps > 0)
        {
            head.Append("ice-bitrate: ").Append(kbps).Append("\r\n"); // what the file averages, as encoders declare it
        }

        if (options.Method == "PUT")
        {
            head.Append("Expect: 100-continue\r\n");
        }

        return head.Append("\r\n").ToString();
    }

    /// <summary>Splits the file into whole frames with their durations; bytes between frames (ID3, junk) are left out.</summary>
    private static (byte[] Audio, List<(int Offset, int Length, TimeSpan Duration)> Frames, string ContentType) Frame(SourceOptions options)
    {
        var extension = Path.GetExtension(options.File).ToLowerInvariant();
        (AudioFramer framer, string type) = extension switch
        {
            ".mp3" or ".mp2" => ((AudioFramer)new MpegAudioFramer(), "audio/mpeg"),
            ".aac" => (new AdtsFramer(), "audio/aac"),
            ".ogg" or ".opus" or ".oga" => (new OggPageFramer(), "application/ogg"),
            _ => throw new ArgumentException($"--file: unknown audio type '{extension}' (mp3, mp2, aac, ogg, opus)"),
        };
        var input = System.IO.File.ReadAllBytes(options.File).AsSpan();
        var audio = new MemoryStream();
        var frames = new List<(int, int, TimeSpan)>();
        void Drain()
        {
            while (framer.TryReadFrame(out var frame))
            {
                if (frame.Kind != FrameKind.Info)
                {
                    frames.Add(((int)audio.Length, frame.Data.Length, TimeSpan.FromMicroseconds(frame.DurationMicroseconds)));
                    audio.Write(frame.Data);
                }
            }
        }

        while (!input.IsEmpty)
        {
            input = input[framer.Feed(input)..];
            Drain();
        }

        framer.Complete();
        Drain();
        return (audio.ToArray(), frames, options.ContentType ?? type);
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        var have = 0;
        while (have < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(have), limit.Token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            have += read;
            if (buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, have);
    }
}
