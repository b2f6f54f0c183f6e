using System.Text;
using System.Text.Json;
using Broadcast.Edge.Stations;
using Broadcast.Shared.Stations;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// <c>GET /api/stations/{mount}/events</c>: now-playing as Server-Sent Events, without polling. Each title is sent
/// when this edge's ring reaches the offset it is stamped at, that is when a listener at the live edge hears it, not
/// when the encoder announced it (the web page and players' "now playing" then match the audio). The gateway routes it
/// like a listener, so it usually shares the station's ring; it is not counted as a listener.
/// </summary>
internal static class NowPlayingEvents
{
    /// <summary>How often the ring is looked at: finer than the listeners' wake interval (Edge:WakeIntervalMilliseconds).</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>A comment line this often keeps proxies (and the gateway's activity timeout) from cutting a quiet stream.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task HandleAsync(HttpContext context, string mount, StationFeedRegistry registry, TimeProvider time)
    {
        var response = context.Response;
        response.Headers.AccessControlAllowOrigin = "*";
        if (!StationName.TryParse("/" + mount, out var station, out var error))
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, "not a station: " + MountErrorText.Describe(error)).ConfigureAwait(false);
            return;
        }

        var feed = await registry.AcquireWatcherAsync(station, context.RequestAborted).ConfigureAwait(false);
        if (feed is null)
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, $"station {station.Mount} is not live").ConfigureAwait(false);
            return;
        }

        try
        {
            await StreamAsync(context, feed, time).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the watcher left
        }
        finally
        {
            registry.ReleaseWatcher(feed);
        }
    }

    private static async Task StreamAsync(HttpContext context, StationFeed feed, TimeProvider time)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx in front must not buffer the stream
        var aborted = context.RequestAborted;
        var sent = feed.TitleAt(feed.Ring.End);
        await WriteTitleAsync(response, feed, sent, aborted).ConfigureAwait(false);
        var quietSince = time.GetTimestamp();
        using var timer = new PeriodicTimer(Poll, time);
        while (!feed.Ended && await timer.WaitForNextTickAsync(aborted).ConfigureAwait(false))
        {
            var current = feed.TitleAt(feed.Ring.End);
            if (!ReferenceEquals(current, sent))
            {
                sent = current;
                await WriteTitleAsync(response, feed, current, aborted).ConfigureAwait(false);
                quietSince = time.GetTimestamp();
            }
            else if (time.GetElapsedTime(quietSince) >= Heartbeat)
            {
                await response.WriteAsync(": keep-alive\n\n", aborted).ConfigureAwait(false);
                await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                quietSince = time.GetTimestamp();
            }
        }

        await response.WriteAsync("event: end\ndata: {}\n\n", aborted).ConfigureAwait(false);
    }

    private static async Task WriteTitleAsync(HttpResponse response, StationFeed feed, FeedTitle? title, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("mount", feed.Station.Mount);
            json.WriteString("title", title?.Change.Title ?? string.Empty);
            json.WriteString("url", title?.Change.Url ?? string.Empty);
            json.WriteNumber("offset", title?.Offset ?? 0);
            if (title is not null)
            {
                json.WriteString("started", title.Change.Started);
            }

            json.WriteString("session", feed.Metadata.SessionId.ToString("N"));
            json.WriteEndObject();
        }

        var text = new StringBuilder("event: title\nid: ").Append(title?.Offset ?? 0).Append("\ndata: ")
            .Append(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).Append("\n\n");
        await response.WriteAsync(text.ToString(), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task PlainAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n");
    }
}
