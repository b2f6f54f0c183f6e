using System.Buffers;
using System.IO.Pipelines;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// Kestrel connection middleware: a connection that starts with <c>SOURCE</c> or <c>PUT</c> is an encoder and is
/// served here on the raw pipe (its body has neither length nor chunking and lasts for hours, research/dotnet.md §4);
/// anything else continues to the normal HTTP pipeline (health, admin probes) on the same port.
/// </summary>
internal sealed partial class SourceConnectionMiddleware(
    HandOver.StationKeeper keeper,
    SourceAuthenticator authenticator,
    SourceLoginLimiter logins,
    IOptions<IngestOptions> options,
    SourceTls tls,
    ServiceDefaults.Clients.TrustedProxies trusted,
    TimeProvider time,
    ILogger<SourceConnectionMiddleware> logger)
{
    /// <summary>libshout's TLS probe, <c>OPTIONS * HTTP/1.1</c> with <c>Upgrade: TLS/1.0</c> (research/features.md §2.1).</summary>
    private static ReadOnlySpan<byte> UpgradeProbe => "OPTIONS *"u8;

    public async Task InvokeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var remote = connection.RemoteEndPoint?.ToString();
        var closed = connection.ConnectionClosed;
        ConnectionKind kind;
        // The first bytes within the header time: a connection that sends nothing would otherwise wait here forever,
        // before Kestrel's own header timeout (which starts only once the connection reaches it) could apply.
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(closed))
        {
            limit.CancelAfter(TimeSpan.FromSeconds(options.Value.HeaderTimeoutSeconds));
            try
            {
                kind = await ClassifyAsync(connection.Transport.Input, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!closed.IsCancellationRequested)
            {
                SourceLog.Closed(logger, remote, $"nothing received within {options.Value.HeaderTimeoutSeconds} s");
                await SourceResponses.ErrorAsync(connection.Transport.Output, 408, "Request Timeout", "request head not received in time", false, closed).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (exception is ConnectionResetException or OperationCanceledException or IOException)
            {
                SourceLog.Closed(logger, remote, exception.GetType().Name);
                return;
            }
        }

        if (kind == ConnectionKind.Http)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        try
        {
            if (kind == ConnectionKind.Probe)
            {
                await AnswerProbeAsync(connection, remote).ConfigureAwait(false);
                return;
            }

            await ServeAsync(new SourceConnection(connection.Transport.Input, connection.Transport.Output, remote, connection.Abort, connection.ConnectionClosed)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ConnectionResetException or OperationCanceledException or IOException)
        {
            // A source that vanishes is the normal way a source ends (ffmpeg's legacy SOURCE closes with RST).
            SourceLog.Closed(logger, remote, exception.GetType().Name);
        }
    }

    /// <summary>
    /// Peeks at the first bytes without consuming them: <c>SOURCE</c> and <c>PUT</c> are sources, <c>OPTIONS *</c> is
    /// libshout's probe, anything else is plain HTTP for Kestrel.
    /// </summary>
    private static async ValueTask<ConnectionKind> ClassifyAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var kind = Classify(buffer, result.IsCompleted);
            input.AdvanceTo(buffer.Start, kind is null ? buffer.End : buffer.Start);
            if (kind is { } known)
            {
                return known;
            }
        }
    }

    private static ConnectionKind? Classify(in ReadOnlySequence<byte> buffer, bool completed)
    {
        Span<byte> start = stackalloc byte[UpgradeProbe.Length];
        var length = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, length).CopyTo(start);
        start = start[..length];
        if ((length > 0 && start[0] == (byte)'S') || start.StartsWith("PU"u8))
        {
            return ConnectionKind.Source;
        }

        if (start.SequenceEqual(UpgradeProbe))
        {
            return ConnectionKind.Probe;
        }

        // Undecided only while what we have could still become "OPTIONS *" (or "PU").
        var undecided = !completed && length < UpgradeProbe.Length && (UpgradeProbe.StartsWith(start) || start.SequenceEqual("P"u8));
        return undecided ? null : ConnectionKind.Http;
    }

    /// <summary>Serves one source connection from its head to its end (also used for SHOUTcast sources once translated).</summary>
    internal async Task ServeAsync(SourceConnection connection, SourceRequest? translated = null)
    {
        var (output, remote) = (connection.Output, connection.Remote);
        var request = translated ?? await ReadHeadAsync(connection.Input, output, connection.ConnectionClosed).ConfigureAwait(false);
        if (request is null)
        {
            return;
        }

        var client = ClientAddress(connection, request);
        if (logins.RetryAfter(client) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            SourceLog.Refused(logger, StationName.Printable(request.Path), remote, 429, "too many wrong passwords from " + client);
            await SourceResponses.ErrorAsync(output, 429, "Too Many Requests", $"too many wrong passwords from this address; retry in {seconds} s", false, connection.ConnectionClosed, retryAfterSeconds: seconds).ConfigureAwait(false);
            return;
        }

        var refusal = Check(request, out var station, out var codec, out var contentType)
            ?? await AuthorizeAsync(request, station!, connection.ConnectionClosed).ConfigureAwait(false);
        if (refusal is { } r)
        {
            if (r.Status == 401 && request.Header("Authorization") is not null)
            {
                logins.Failed(client); // a challenge without credentials (libshout's first request in TLS) is no guess
            }

            SourceLog.Refused(logger, StationName.Printable(request.Path), remote, r.Status, r.Message);
            await SourceResponses.ErrorAsync(output, r.Status, r.Reason, r.Message, r.Status == 401, connection.ConnectionClosed).ConfigureAwait(false);
            return;
        }

        logins.Succeeded(client);

        var settings = options.Value;
        var user = SourceAuthenticator.UserOf(request.Header("Authorization"));
        var priority = settings.SourcePriorities.TryGetValue(user, out var configured) ? configured : 0;
        var metadata = SourceMetadataReader.Read(station!, request, contentType!, Guid.Empty);
        using var span = SourceSpan(station!, metadata, client, request.Header("User-Agent"));
        var source = new SourceInput(codec, metadata, client, user, priority, connection.Abort) { Span = span };
        var attachment = await keeper.AttachAsync(station!, source, connection.ConnectionClosed).ConfigureAwait(false);
        if (attachment.Session is not { } session)
        {
            span?.SetTag("broadcast.end_reason", "refused").SetStatus(System.Diagnostics.ActivityStatusCode.Error, attachment.Message);
            SourceLog.Refused(logger, station!.Mount, remote, attachment.Status, attachment.Message);
            await SourceResponses.ErrorAsync(output, attachment.Status, attachment.Reason, attachment.Message, false, connection.ConnectionClosed).ConfigureAwait(false);
            return;
        }

        var reason = "disconnected"; // what an exception out of the pump means: the connection broke or was closed on it
        try
        {
            if (SourceMetadataReader.InitialTitle(request) is { } initial)
            {
                session.SetTitle(initial, string.Empty); // stamped with the first frame: a DJ's first title is not lost
            }

            // liquidsoap fails on anything but exactly "100 Continue" after Expect; SOURCE gets 200 at once, as from Icecast.
            if (!request.Answered)
            {
                await SourceResponses.WriteAsync(output, request.ExpectsContinue ? SourceResponses.Continue : SourceResponses.Ok, connection.ConnectionClosed).ConfigureAwait(false);
            }

            SourceLog.Connected(logger, station!.Mount, metadata.ContentType, request.Method, remote);
            Telemetry.IngestTelemetry.Active.Add(1);
            reason = await PumpAsync(source, session, connection.Input, request.IsChunked, connection.ConnectionClosed).ConfigureAwait(false);
        }
        finally
        {
            Telemetry.IngestTelemetry.Active.Add(-1);
            Telemetry.IngestTelemetry.Sessions.Add(1, new KeyValuePair<string, object?>("broadcast.end_reason", reason));
            span?.SetTag("broadcast.end_reason", reason).SetTag("broadcast.source.bytes", source.Framer.BytesIn);
            await keeper.DetachAsync(session, source).ConfigureAwait(false);
            SourceLog.Ended(logger, station!.Mount, source.Framer.BytesIn, source.Framer.SkippedBytes, session.Publisher.Published, session.Publisher.Dropped);
        }
    }

    /// <summary>The source-session span (null while tracing is off): a server span, as the encoder is the client.</summary>
    private static System.Diagnostics.Activity? SourceSpan(StationName station, Shared.Stations.StationMetadata metadata, string? client, string? userAgent)
    {
        var span = Telemetry.IngestTelemetry.Source.StartActivity("source.session", System.Diagnostics.ActivityKind.Server);
        span?.SetTag("broadcast.station", station.Mount)
            .SetTag("broadcast.content_type", metadata.ContentType)
            .SetTag("broadcast.bitrate", metadata.Bitrate)
            .SetTag("client.address", client)
            .SetTag("user_agent.original", userAgent);
        return span;
    }

    /// <summary>The encoder's address: its peer, or behind a trusted proxy the address the proxy forwards.</summary>
    private string? ClientAddress(SourceConnection connection, SourceRequest request)
    {
        if (!System.Net.IPAddress.TryParse(connection.RemoteAddress, out var peer))
        {
            return connection.RemoteAddress;
        }

        var headers = new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => new Microsoft.Extensions.Primitives.StringValues(h.Value), StringComparer.OrdinalIgnoreCase));
        var client = trusted.ClientOf(peer, headers);
        return client?.ToString() ?? connection.RemoteAddress; // ClientOf answers IPv4 as IPv4
    }

    private static Refusal? Check(SourceRequest request, out StationName? station, out AudioCodec codec, out string? contentType)
    {
        codec = AudioCodec.Unknown;
        contentType = request.Header("Content-Type");
        if (!StationName.TryParse(request.Path, out station, out var mountError))
        {
            return new Refusal(400, "Bad Request", MountErrorText.Describe(mountError));
        }

        if (string.IsNullOrWhiteSpace(contentType))
        {
            return new Refusal(400, "Bad Request", "No Content-type given");
        }

        codec = SourceCodecs.FromContentType(contentType);
        return codec == AudioCodec.Unknown
            ? new Refusal(415, "Unsupported Media Type", "Content-type not supported: " + StationName.Printable(contentType))
            : null;
    }

    private async ValueTask<Refusal?> AuthorizeAsync(SourceRequest request, StationName station, CancellationToken closed) =>
        await authenticator.IsAuthorizedAsync(station, request.Header("Authorization"), closed).ConfigureAwait(false)
            ? null
            : new Refusal(401, "Unauthorized", "You need to authenticate");

    /// <summary>
    /// Reads the request head within the header time and size limits; answers and returns null when it fails.
    /// With <paramref name="requestLine"/> the bytes are header lines only (a SHOUTcast source's), possibly none.
    /// </summary>
    internal async Task<SourceRequest?> ReadHeadAsync(PipeReader input, PipeWriter output, CancellationToken closed, string? requestLine = null)
    {
        var settings = options.Value;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(closed);
        limit.CancelAfter(TimeSpan.FromSeconds(settings.HeaderTimeoutSeconds));
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!closed.IsCancellationRequested)
            {
                await SourceResponses.ErrorAsync(output, 408, "Request Timeout", "request head not received in time", false, closed).ConfigureAwait(false);
                return null;
            }

            var buffer = result.Buffer;
            if (SourceRequestParser.TryFindHead(buffer, requestLine is not null, out var head, out var afterHead) && head.Length <= settings.MaxHeaderBytes)
            {
                var request = SourceRequestParser.Parse(head, requestLine, out var error);
                input.AdvanceTo(afterHead);
                if (request is null)
                {
                    await SourceResponses.ErrorAsync(output, 400, "Bad Request", error!, false, closed).ConfigureAwait(false);
                }

                return request;
            }

            if (buffer.Length > settings.MaxHeaderBytes)
            {
                input.AdvanceTo(buffer.End);
                await SourceResponses.ErrorAsync(output, 431, "Request Header Fields Too Large", "request head too large", false, closed).ConfigureAwait(false);
                return null;
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Moves the body into the session until the source closes, goes idle or breaks the chunked encoding; returns which.</summary>
    private async Task<string> PumpAsync(SourceInput source, SourceSession session, PipeReader input, bool chunked, CancellationToken closed)
    {
        var decoder = chunked ? new ChunkedBodyDecoder() : null;
        var idle = TimeSpan.FromSeconds(options.Value.SourceIdleTimeoutSeconds);
        var noAudio = TimeSpan.FromSeconds(options.Value.NoAudioSeconds);
        var (frames, lastFrame) = (source.Framer.Frames, time.GetTimestamp());
        // Not linked to the connection's close: Kestrel signals that as soon as the encoder's FIN arrives, before this
        // loop has read the last bytes, and a read or write cancelled by it reported a clean end as "disconnected"
        // (and lost those bytes). The input completes by itself at the FIN and throws on a reset or an abort.
        using var limit = new CancellationTokenSource();
        while (true)
        {
            limit.CancelAfter(idle);
            ReadResult result;
            try
            {
                result = await input.ReadAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                return "idle"; // Ingest:SourceIdleTimeoutSeconds without a byte
            }

            var buffer = result.Buffer;
            Telemetry.IngestTelemetry.BytesIn.Add(buffer.Length, Telemetry.IngestTelemetry.Station(session.Station.Mount));
            try
            {
                foreach (var segment in buffer)
                {
                    await WriteSegmentAsync(session, source, decoder, segment, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (InvalidDataException exception)
            {
                SourceLog.BadBody(logger, session.Station.Mount, exception.Message);
                return "malformed_body";
            }
            finally
            {
                input.AdvanceTo(buffer.End);
            }

            if (result.IsCompleted || decoder?.IsDone == true)
            {
                return "closed";
            }

            if (source.Framer.Frames != frames)
            {
                (frames, lastFrame) = (source.Framer.Frames, time.GetTimestamp());
            }
            else if (time.GetElapsedTime(lastFrame) >= noAudio)
            {
                SourceLog.NoAudio(logger, session.Station.Mount, source.Framer.SkippedBytes, options.Value.NoAudioSeconds);
                return "no_audio"; // bytes, but none of them audio: the station must not be listed live for it
            }
        }
    }

    private static async ValueTask WriteSegmentAsync(SourceSession session, SourceInput source, ChunkedBodyDecoder? decoder, ReadOnlyMemory<byte> segment, CancellationToken cancellationToken)
    {
        if (decoder is null)
        {
            await session.WriteAsync(source, segment, cancellationToken).ConfigureAwait(false);
            return;
        }

        while (!segment.IsEmpty && !decoder.IsDone)
        {
            var consumed = decoder.Decode(segment.Span, out var start, out var length);
            if (length > 0)
            {
                await session.WriteAsync(source, segment.Slice(start, length), cancellationToken).ConfigureAwait(false);
            }

            segment = segment[consumed..];
        }
    }

    private readonly record struct Refusal(int Status, string Reason, string Message);
}
