using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Broadcast.LoadTest;

/// <summary>
/// N listeners on raw sockets: each sends a plain GET, times the first audio byte, then counts what arrives until
/// the run ends. The bytes themselves are thrown away into one shared buffer, so the swarm's own memory stays small
/// at ten thousand listeners.
/// </summary>
internal static class Swarm
{
    private const int HeadLimit = 4096;

    public static async Task<int> RunAsync(SwarmOptions options, CancellationToken cancellationToken)
    {
        var request = Encoding.ASCII.GetBytes(
            $"GET {options.Url.PathAndQuery} HTTP/{options.HttpVersion}\r\nHost: {options.Url.Authority}\r\nUser-Agent: broadcast-swarm/1\r\nAccept: */*\r\n{(options.IcyMetadata ? "Icy-MetaData: 1\r\n" : string.Empty)}\r\n");
        var discard = new byte[64 * 1024];
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(options.RampSeconds + options.DurationSeconds);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(end);

        Console.Error.WriteLine($"swarm: {options.Listeners} listeners on {options.Url}, ramp {options.RampSeconds} s, then {options.DurationSeconds} s");
        var listeners = new Task<ListenerResult>[options.Listeners];
        for (var i = 0; i < options.Listeners; i++)
        {
            var due = TimeSpan.FromSeconds(options.RampSeconds * i / options.Listeners);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, CancellationToken.None).ConfigureAwait(false);
            }

            listeners[i] = ListenAsync(options, request, discard, clock, end, stop.Token);
        }

        var results = await Task.WhenAll(listeners).ConfigureAwait(false);
        var report = SwarmReport.From(options, results);
        Console.WriteLine(report.ToText());
        if (options.JsonPath is not null)
        {
            await File.WriteAllTextAsync(options.JsonPath, report.ToJson(), CancellationToken.None).ConfigureAwait(false);
        }

        return report.Failures == 0 ? 0 : 1;
    }

    /// <summary>Longest gap at the end of a run that still counts as a batch in flight (players buffer seconds).</summary>
    private static readonly TimeSpan InFlightTolerance = TimeSpan.FromSeconds(1);

    private static async Task<ListenerResult> ListenAsync(SwarmOptions options, byte[] request, byte[] discard, Stopwatch clock, TimeSpan end, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var joined = clock.Elapsed;
        TimeSpan? firstByte = null;
        var settled = end;
        TimeSpan? steadyFrom = null;
        var lastRead = end;
        long received = 0;
        long steadyBytes = 0;
        var bitrate = options.BitrateKbps;
        ListenerResult Result(string? failure) => new()
        {
            TimeToFirstByte = firstByte - joined,
            Bytes = received,
            SteadyBytes = steadyBytes,
            SteadySeconds = SteadyWindow(steadyFrom, lastRead, end),
            BitrateKbps = bitrate,
            Failure = failure,
        };

        try
        {
            await socket.ConnectAsync(options.Url.Host, options.Url.Port, stop).ConfigureAwait(false);
            await socket.SendAsync(request, SocketFlags.None, stop).ConfigureAwait(false);
            var (status, announced, body) = await ReadHeadAsync(socket, stop).ConfigureAwait(false);
            if (status != 200)
            {
                return Result(status == 0 ? "no HTTP response" : $"HTTP {status}");
            }

            bitrate = bitrate > 0 ? bitrate : announced;
            received = body > 0 ? body : await socket.ReceiveAsync(discard, SocketFlags.None, stop).ConfigureAwait(false);
            if (received == 0)
            {
                return Result("closed before audio");
            }

            firstByte = clock.Elapsed;
            settled = firstByte.Value + TimeSpan.FromSeconds(options.SettleSeconds);
            while (true)
            {
                var read = await socket.ReceiveAsync(discard, SocketFlags.None, stop).ConfigureAwait(false);
                if (read == 0)
                {
                    return Result("closed by server");
                }

                received += read;
                var now = clock.Elapsed;
                if (steadyFrom is null)
                {
                    steadyFrom = now >= settled ? now : null; // this read's bytes were produced before the window opened
                }
                else
                {
                    steadyBytes += read;
                    lastRead = now;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return Result(firstByte is null ? "no audio before the end" : null); // the run ended: a normal leave
        }
        catch (SocketException exception)
        {
            return Result("socket: " + exception.SocketErrorCode);
        }
    }

    /// <summary>
    /// Seconds the steady bytes cover. Servers send in batches (ours every wake interval, Icecast per source read), so
    /// the window runs from the first read after the settle time (whose bytes are not counted) to the last read, when
    /// that was less than <see cref="InFlightTolerance"/> before the end: the batch in flight is not a shortfall.
    /// A longer silence at the end counts in full.
    /// </summary>
    private static double SteadyWindow(TimeSpan? from, TimeSpan lastRead, TimeSpan end)
    {
        if (from is null)
        {
            return 0;
        }

        var to = end - lastRead < InFlightTolerance ? lastRead : end;
        return Math.Max(0, (to - from.Value).TotalSeconds);
    }

    /// <summary>Reads the response head; returns the status, the icy-br header (0 if absent) and body bytes read with it.</summary>
    private static async Task<(int Status, int BitrateKbps, int BodyBytes)> ReadHeadAsync(Socket socket, CancellationToken stop)
    {
        var head = new byte[HeadLimit];
        var have = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(head.AsMemory(have), SocketFlags.None, stop).ConfigureAwait(false);
            if (read == 0)
            {
                return (0, 0, 0);
            }

            have += read;
            var endOfHead = head.AsSpan(0, have).IndexOf("\r\n\r\n"u8);
            if (endOfHead >= 0)
            {
                var text = Encoding.ASCII.GetString(head, 0, endOfHead);
                var lines = text.Split("\r\n");
                var parts = lines[0].Split(' ', 3);
                var status = parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var code) ? code : 0;
                var bitrate = lines.Skip(1)
                    .Select(line => line.Split(':', 2))
                    .Where(pair => pair.Length == 2 && pair[0].Trim().Equals("icy-br", StringComparison.OrdinalIgnoreCase))
                    .Select(pair => int.TryParse(pair[1].Trim().Split(',')[0], CultureInfo.InvariantCulture, out var kbps) ? kbps : 0)
                    .FirstOrDefault();
                return (status, bitrate, have - endOfHead - 4);
            }

            if (have == head.Length)
            {
                return (0, 0, 0);
            }
        }
    }
}

/// <summary>One listener's outcome.</summary>
internal sealed record ListenerResult
{
    public TimeSpan? TimeToFirstByte { get; init; }

    public long Bytes { get; init; }

    /// <summary>Bytes after the settle time (the burst is over), and how long that window was (see <c>SteadyWindow</c>).</summary>
    public long SteadyBytes { get; init; }

    public double SteadySeconds { get; init; }

    public int BitrateKbps { get; init; }

    public string? Failure { get; init; }
}
