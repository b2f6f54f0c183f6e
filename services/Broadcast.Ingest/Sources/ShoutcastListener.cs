using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// SHOUTcast v1/v2 sources on <see cref="IngestOptions.ShoutcastPort"/> (research/features.md §1a, §2.2): the encoder
/// sends its password on a line (<c>pw</c>, <c>user:pw</c>, <c>pw:#sid</c>, <c>user:pw:#sid</c>, or icecast-kh's
/// <c>/mount:pw</c>), gets <c>OK2</c> and <c>icy-caps:11</c>, sends <c>icy-*</c> header lines and a blank line, then
/// audio. Once translated into a <c>SOURCE</c> request it is served exactly like an Icecast source.
/// </summary>
internal sealed class ShoutcastListener(
    SourceConnectionMiddleware sources,
    SourceAuthenticator authenticator,
    IOptions<IngestOptions> options,
    ILogger<ShoutcastListener> logger) : BackgroundService
{
    /// <summary>Longest password line: DNAS passwords are short; the bound keeps a garbage line from costing anything.</summary>
    private const int MaxPasswordLine = 512;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.ShoutcastPort == 0)
        {
            return;
        }

        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Parse(settings.ShoutcastAddress), settings.ShoutcastPort));
            listener.Listen(128);
        }
        catch (SocketException exception)
        {
            SourceLog.ShoutcastFailed(logger, settings.ShoutcastPort, exception.Message);
            return;
        }

        SourceLog.ShoutcastListening(logger, settings.ShoutcastPort, settings.ShoutcastMount);
        var connections = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var socket = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
                connections.RemoveAll(task => task.IsCompleted);
                connections.Add(ServeAsync(socket, stoppingToken));
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var remote = socket.RemoteEndPoint?.ToString();
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        try
        {
            var connection = new SourceConnection(input, output, remote, closed.Cancel, closed.Token);
            if (await HandshakeAsync(connection).ConfigureAwait(false) is { } request)
            {
                await sources.ServeAsync(connection, request).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or InvalidOperationException)
        {
            SourceLog.Closed(logger, remote, exception.GetType().Name);
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Password line, <c>OK2</c>, header lines; the request to serve, or null when the source was refused.</summary>
    private async Task<SourceRequest?> HandshakeAsync(SourceConnection connection)
    {
        var line = await ReadPasswordLineAsync(connection.Input, connection.ConnectionClosed).ConfigureAwait(false);
        if (line is null)
        {
            return null;
        }

        var (mount, user, password) = ParsePassword(line, options.Value);
        if (!StationName.TryParse(mount, out var station, out _)
            || !await IsAuthorizedAsync(station, user, password, connection.ConnectionClosed).ConfigureAwait(false))
        {
            SourceLog.Refused(logger, StationName.Printable(mount), connection.Remote, 401, "SHOUTcast password refused");
            await connection.Output.WriteAsync(SourceResponses.ShoutcastDenied, connection.ConnectionClosed).ConfigureAwait(false);
            return null;
        }

        await connection.Output.WriteAsync(SourceResponses.ShoutcastOk, connection.ConnectionClosed).ConfigureAwait(false);

        // The header lines have no request line: read them as the head of a SOURCE request for the stream's mount.
        var head = await sources.ReadHeadAsync(connection.Input, connection.Output, connection.ConnectionClosed, "SOURCE " + station.Mount + " ICY\r\n").ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(head.Headers, StringComparer.OrdinalIgnoreCase)
        {
            ["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)),
        };
        headers.TryAdd("Content-Type", "audio/mpeg"); // SHOUTcast v1 is MP3 unless the encoder says (butt sends content-type for AAC)
        return new SourceRequest { Method = "SOURCE", Target = station.Mount, Version = "ICY", Headers = headers, Answered = true };
    }

    private async ValueTask<bool> IsAuthorizedAsync(StationName station, string user, string password, CancellationToken cancellationToken) =>
        await authenticator.IsAuthorizedAsync(station, user, password, cancellationToken).ConfigureAwait(false);

    /// <summary>The first line, within the header timeout; null (and nothing answered) when it never comes whole.</summary>
    private async Task<string?> ReadPasswordLineAsync(PipeReader input, CancellationToken closed)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(closed);
        limit.CancelAfter(TimeSpan.FromSeconds(options.Value.HeaderTimeoutSeconds));
        while (true)
        {
            var result = await input.ReadAsync(limit.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                var line = Encoding.Latin1.GetString(buffer.Slice(0, end)).TrimEnd('\r');
                input.AdvanceTo(buffer.GetPosition(1, end));
                return line.Length <= MaxPasswordLine ? line : null;
            }

            if (buffer.Length > MaxPasswordLine || result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The password line's forms, to (mount, user, password).</summary>
    internal static (string Mount, string User, string Password) ParsePassword(string line, IngestOptions options)
    {
        var mount = options.ShoutcastMount;
        var sidAt = line.LastIndexOf(":#", StringComparison.Ordinal);
        if (sidAt >= 0)
        {
            var sid = line[(sidAt + 2)..];
            mount = sid == "1" ? options.ShoutcastMount : options.ShoutcastStreams.GetValueOrDefault(sid, string.Empty);
            line = line[..sidAt];
        }

        if (line.StartsWith('/') && line.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon)
        {
            return (line[..colon], options.SourceUser, line[(colon + 1)..]);
        }

        // "user:pw" only when the part before the colon is the configured source user; a password may contain colons.
        var userAt = line.IndexOf(':', StringComparison.Ordinal);
        return userAt > 0 && line[..userAt] == options.SourceUser
            ? (mount, line[..userAt], line[(userAt + 1)..])
            : (mount, options.SourceUser, line);
    }
}
