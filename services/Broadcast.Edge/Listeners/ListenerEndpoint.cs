using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Broadcast.Edge.Stations;
using Broadcast.ServiceDefaults.Listeners;
using Broadcast.Shared.Buffers;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// <c>GET</c>/<c>HEAD /{mount}</c>: a listener is a cursor into the station's ring plus its connection. Bytes go
/// from the ring straight into Kestrel's pipe (one copy), up to 16 KiB per socket write; nothing is queued
/// per listener, and a listener that falls out of the ring is dropped or resynced.
/// </summary>
internal static partial class ListenerEndpoint
{
    /// <summary>Most bytes copied per flush: Kestrel's write buffer limit on this edge (Program.cs), about 1 s of 128 kbit/s.</summary>
    private const int FlushBytes = 16 * 1024;

    /// <summary>How far past the newest byte a resume may ask for: a few chunks of skew between edges.</summary>
    private const int ResumeSlackBytes = 64 * 1024;

    /// <summary>Stream offset of the first audio byte of this response (after any Ogg header pages); what <c>from=</c> takes.</summary>
    private const string OffsetHeader = "Broadcast-Offset";

    /// <summary>Bytes of Ogg header pages sent before the audio at <see cref="OffsetHeader"/>.</summary>
    private const string HeaderBytesHeader = "Broadcast-Header-Bytes";

    /// <summary>The source session the offsets belong to; pass it back as <c>session=</c> when resuming.</summary>
    private const string SessionHeader = "Broadcast-Session";

    public static async Task HandleAsync(HttpContext context, string mount, StationFeedRegistry registry, IOptions<EdgeOptions> options, ILogger<StationFeed> logger)
    {
        var requested = context.RequestServices.GetRequiredService<TimeProvider>().GetTimestamp();
        var response = context.Response;
        if (!StationName.TryParse("/" + mount, out var station, out var error))
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, "not a station: " + MountErrorText.Describe(error), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (context.RequestServices.GetRequiredService<ServiceDefaults.Health.Draining>().IsDraining)
        {
            // Going away (SIGTERM, preStop): no new listeners; a gateway tries the next edge, resuming where it was.
            response.Headers.RetryAfter = "1";
            await PlainAsync(response, StatusCodes.Status503ServiceUnavailable, "this edge is draining", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var feed = await registry.AcquireAsync(station, context.RequestAborted).ConfigureAwait(false);
        if (feed is null)
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, $"station {station.Mount} is not live", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var services = context.RequestServices;
        var listeners = services.GetRequiredService<ListenerDirectory>();
        var client = services.GetRequiredService<ServiceDefaults.Clients.TrustedProxies>().ClientOf(context)?.ToString() ?? string.Empty;
        var listener = new ListenerSession(listeners.NextId(), feed, client, context.Request.Headers.UserAgent.ToString(), requested, context);
        var head = HttpMethods.IsHead(context.Request.Method);
        if (!head)
        {
            listeners.Add(listener); // a HEAD is answered at once: no listener to list
            listener.Span = ListenerSpan(listener, services.GetRequiredService<EdgeIdentity>().Id);
            EdgeMetrics.Connects.Add(1, EdgeMetrics.Station(feed.Station.Mount));
        }

        try
        {
            await ServeAsync(context, listener, registry, options.Value, logger).ConfigureAwait(false);
        }
        finally
        {
            if (!head)
            {
                EdgeMetrics.Disconnects.Add(1, EdgeMetrics.Station(listener.Feed.Station.Mount), new KeyValuePair<string, object?>("broadcast.end_reason", listener.EndReason));
                EndSpan(listener);
            }

            listeners.Remove(listener);
            registry.Release(listener.Feed);
            if (listener.TakeMove() is { } pending)
            {
                registry.Release(pending); // a move that came as the listener left
            }
        }
    }

    private static async Task ServeAsync(HttpContext context, ListenerSession listener, StationFeedRegistry registry, EdgeOptions options, ILogger logger)
    {
        var feed = listener.Feed;
        var response = context.Response;
        var ring = feed.Ring;
        long cursor;
        byte[] oggHeaders = [];
        var from = context.Request.Query["from"];
        if (from.Count > 0)
        {
            if (ResumeError(context.Request.Query, feed, out cursor) is { } refusal)
            {
                await PlainAsync(response, refusal.Status, refusal.Message, context.RequestAborted).ConfigureAwait(false);
                return;
            }
        }
        else
        {
            cursor = feed.Join(options, out oggHeaders);
        }

        // ICY metadata in-band for MP3 and AAC listeners who ask; Ogg carries titles in its own comment headers, and
        // Icecast, too, answers Ogg listeners without icy-metaint.
        var metaint = IcyClients.WantsIcyMetadata(context.Request.Headers) && feed.Metadata.ContentType is not ("application/ogg" or "audio/ogg" or "audio/opus" or "audio/flac")
            ? options.IcyMetaInterval
            : 0;
        WriteHeaders(response, feed.Metadata);
        if (metaint > 0)
        {
            response.Headers["icy-metaint"] = metaint.ToString(CultureInfo.InvariantCulture);
        }

        if (IcyClients.WantsUnchunked(context.Request))
        {
            response.Headers.TransferEncoding = "identity"; // see IcyClients: the body as Icecast sends it
        }

        response.Headers[OffsetHeader] = cursor.ToString(CultureInfo.InvariantCulture);
        response.Headers[HeaderBytesHeader] = oggHeaders.Length.ToString(CultureInfo.InvariantCulture);
        response.Headers[SessionHeader] = feed.Metadata.SessionId.ToString("N");
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        // A stalled listener is cut after Listeners:StalledSeconds below 1 KiB/s, with a send buffer we chose (Kestrel's
        // default rate, 240 B/s, kept one for ~4.5 min: research/dotnet.md §1.3); the ring's lag policy remains the first rule.
        StalledListeners.Apply(context, context.RequestServices.GetRequiredService<IOptions<StalledListenerOptions>>().Value);
        var writer = response.BodyWriter;
        if (oggHeaders.Length > 0)
        {
            await writer.WriteAsync(oggHeaders, context.RequestAborted).ConfigureAwait(false);
        }

        EdgeLog.ListenerJoined(logger, feed.Station.Mount, listener.Address, cursor);
        var icy = new IcyInterleave(metaint);
        if (metaint > 0 && IcyPhase(context.Request.Query, metaint) is { } phase)
        {
            icy.UntilBlock = phase; // a gateway continuing a listener from another edge: the interleave goes on where it was
        }

        var sent = await StreamAsync(context, listener, registry, cursor, icy, options.LagPolicy, logger).ConfigureAwait(false);
        listener.BytesSent = sent;
        EdgeLog.ListenerLeft(logger, listener.Feed.Station.Mount, listener.Address, sent);
    }

    /// <summary>The listener-session span: a child of the request's server span, so of the gateway's, one trace per listener.</summary>
    private static System.Diagnostics.Activity? ListenerSpan(ListenerSession listener, string edge)
    {
        var span = EdgeMetrics.Source.StartActivity("listener.session");
        span?.SetTag("broadcast.station", listener.Feed.Station.Mount)
            .SetTag("broadcast.edge", edge)
            .SetTag("broadcast.listener.id", listener.Id)
            .SetTag("client.address", listener.Address)
            .SetTag("user_agent.original", listener.UserAgent);
        return span;
    }

    /// <summary>Ends the span with why and how much, linked to the source session the listener heard (from a sampled chunk).</summary>
    private static void EndSpan(ListenerSession listener)
    {
        if (listener.Span is not { } span)
        {
            return;
        }

        if (listener.Feed.SourceTrace is { } source && source != default)
        {
            span.AddLink(new System.Diagnostics.ActivityLink(source));
        }

        span.SetTag("broadcast.end_reason", listener.EndReason).SetTag("broadcast.listener.bytes", listener.BytesSent);
        span.Dispose();
    }

    private static async Task<long> StreamAsync(HttpContext context, ListenerSession listener, StationFeedRegistry registry, long cursor, IcyInterleave icy, LagPolicy policy, ILogger logger)
    {
        var writer = context.Response.BodyWriter;
        var aborted = context.RequestAborted;
        long sent = 0;
        var waiter = new ListenerWaiter();
        var feed = listener.Feed;
        var signal = feed.NextSignal();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        while (!aborted.IsCancellationRequested)
        {
            if (listener.TakeMove() is { } destination)
            {
                // moveclients: the same connection goes on with the other station, from its newest frame (for Ogg, after
                // that chain's headers). Offsets from here on are the other station's, so resume is not offered for it.
                EdgeLog.ListenerMoved(logger, feed.Station.Mount, destination.Station.Mount, listener.Address);
                listener.Feed = destination;
                registry.Release(feed);
                feed = destination;
                signal = feed.NextSignal();
                cursor = feed.Join(0, out var headers);
                if (headers.Length > 0)
                {
                    await writer.WriteAsync(headers, aborted).ConfigureAwait(false);
                    sent += headers.Length;
                }

                continue;
            }

            var seen = signal.Version;
            var (status, copied) = CopyAvailable(writer, feed, cursor, ref icy);
            if (copied > 0)
            {
                if (sent == 0)
                {
                    EdgeMetrics.TimeToFirstByte.Record(time.GetElapsedTime(listener.Joined).TotalSeconds, EdgeMetrics.Station(feed.Station.Mount));
                }

                cursor += copied;
                sent += copied;
                EdgeMetrics.BytesOut.Add(copied, EdgeMetrics.Station(feed.Station.Mount));
                var flush = await writer.FlushAsync(aborted).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
            else if (status == RingReadStatus.Lagged && IsAcrossGap(cursor, feed.LastGap, feed.Ring.Start, out var afterGap))
            {
                // Not this listener's lag: bytes never reached the edge (the broker restarted). It goes on after the gap.
                var resumeAt = afterGap ?? feed.Ring.NewestSyncPoint();
                EdgeLog.ListenerAcrossGap(logger, feed.Station.Mount, listener.Address, cursor, resumeAt);
                EdgeMetrics.Resyncs.Add(1, EdgeMetrics.Station(feed.Station.Mount), new KeyValuePair<string, object?>("broadcast.resync_reason", "gap"));
                cursor = resumeAt;
            }
            else if (status == RingReadStatus.Lagged)
            {
                var drop = policy == LagPolicy.Drop;
                EdgeLog.ListenerLagged(logger, feed.Station.Mount, cursor, feed.Ring.Start, drop ? "dropped" : "resynced");
                (drop ? EdgeMetrics.Drops : EdgeMetrics.Resyncs).Add(1, EdgeMetrics.Station(feed.Station.Mount));
                listener.Span?.AddEvent(new System.Diagnostics.ActivityEvent(drop ? "listener.dropped" : "listener.resync", tags: new System.Diagnostics.ActivityTagsCollection { ["broadcast.cursor"] = cursor, ["broadcast.ring.start"] = feed.Ring.Start }));
                if (drop)
                {
                    listener.EndReason = "lagged";
                    break;
                }

                cursor = feed.Ring.NewestSyncPoint();
            }
            else if (feed.Ended)
            {
                if (feed.Superseded && await SuccessorAsync(registry, feed, aborted).ConfigureAwait(false) is { } next)
                {
                    // The source came back as a new session (its ingest died): the same connection goes on with it, from
                    // about a burst back (what the new source sent so far). Offsets from here are the new session's.
                    EdgeLog.ListenerFollowedSession(logger, feed.Station.Mount, listener.Address, next.Metadata.SessionId.ToString("N"));
                    listener.Feed = next;
                    registry.Release(feed);
                    feed = next;
                    signal = feed.NextSignal();
                    cursor = feed.Join(context.RequestServices.GetRequiredService<IOptions<EdgeOptions>>().Value, out var chain);
                    if (chain.Length > 0)
                    {
                        await writer.WriteAsync(chain, aborted).ConfigureAwait(false);
                        sent += chain.Length;
                    }

                    continue;
                }

                listener.EndReason = "source_ended";
                break;
            }
            else
            {
                // One shared wake-up per turn for the listener's wake group; disconnects are noticed at the next write.
                await signal.WaitAsync(waiter, seen).ConfigureAwait(false);
            }
        }

        return sent;
    }

    /// <summary>
    /// Moves what the ring holds past <paramref name="cursor"/> into Kestrel's pipe, up to <see cref="FlushBytes"/> of
    /// audio, for one flush (one socket write), with an ICY block after every interval when the listener asked for
    /// them. The status is that of the read that stopped the copy.
    /// </summary>
    private static (RingReadStatus Status, int Copied) CopyAvailable(PipeWriter writer, StationFeed feed, long cursor, ref IcyInterleave icy)
    {
        var ring = feed.Ring;
        var copied = 0;
        RingReadStatus status;
        do
        {
            // No size hint: with chunked encoding Kestrel adds its chunk framing to the hint, and a full block's
            // worth plus framing no longer fits one pool block, so every write fell back to a fresh array.
            var span = writer.GetSpan();
            var room = Math.Min(span.Length, FlushBytes - copied);
            if (icy.Interval > 0)
            {
                room = Math.Min(room, icy.UntilBlock);
            }

            status = ring.TryRead(cursor + copied, span[..room], out var read);
            if (status != RingReadStatus.Data)
            {
                break;
            }

            writer.Advance(read);
            copied += read;
            if (icy.Interval > 0 && (icy.UntilBlock -= read) == 0)
            {
                writer.Write(icy.NextBlock(feed.TitleAt(cursor + copied)).Span);
                icy.UntilBlock = icy.Interval;
            }
        }
        while (copied < FlushBytes);

        return (status, copied);
    }

    private static void WriteHeaders(HttpResponse response, StationMetadata metadata)
    {
        var headers = response.Headers;
        response.ContentType = metadata.ContentType;
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlExposeHeaders = "icy-br, icy-description, icy-genre, icy-name, icy-pub, icy-url, icy-metaint, icy-audio-info, Broadcast-Offset, Broadcast-Header-Bytes, Broadcast-Session";
        headers.AcceptRanges = "none"; // a live stream: a Range request is answered with the stream, never 416
        SetIfPresent(headers, "icy-name", metadata.Name);
        SetIfPresent(headers, "icy-description", metadata.Description);
        SetIfPresent(headers, "icy-genre", metadata.Genre);
        SetIfPresent(headers, "icy-url", metadata.Url);
        headers["icy-pub"] = metadata.Public ? "1" : "0";
        if (metadata.Bitrate > 0)
        {
            headers["icy-br"] = metadata.Bitrate.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static void SetIfPresent(IHeaderDictionary headers, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            headers[name] = value;
        }
    }

    private static Task PlainAsync(HttpResponse response, int status, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.AccessControlAllowOrigin = "*";
        return response.WriteAsync(message + "\n", cancellationToken);
    }
}
