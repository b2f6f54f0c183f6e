using System.Net.Sockets;
using Broadcast.Edge.Stations;
using Broadcast.ServiceDefaults.Listeners;
using Broadcast.Shared.Buffers;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// A listener's stream: a cursor into the station's ring and its socket. Audio is sent from the ring's own memory
/// (no per-listener pipe, no copy into a pool block), up to 64 KiB per send, with an ICY block after every interval
/// for listeners who ask; nothing is queued per listener, and a listener that falls out of the ring is dropped or
/// resynced. Most listeners arrive on the lean path (<see cref="ListenerConnectionMiddleware"/>), where the listener's
/// connection is only Kestrel's transport; a stream asked for on a connection Kestrel already serves comes through
/// <see cref="ListenerEndpoint.HandleAsync"/> and goes the same way on its socket.
/// </summary>
internal sealed partial class ListenerStreams(
    StationFeedRegistry registry,
    ListenerDirectory listeners,
    ServiceDefaults.Health.Draining draining,
    EdgeIdentity identity,
    IOptions<EdgeOptions> options,
    IOptions<StalledListenerOptions> stalled,
    TimeProvider time,
    ILogger<StationFeed> logger)
{
    /// <summary>Most bytes per send: a burst in one or two sends, and a chunk's worth of audio at a time afterwards.</summary>
    private const int SendBytes = 64 * 1024;

    /// <summary>Serves one listener request from its refusal or head to the stream's end.</summary>
    public async Task ServeAsync(ListenerRequest request, ListenerLine line)
    {
        var requested = time.GetTimestamp();
        if (!StationName.TryParse(request.Mount, out var station, out var error))
        {
            await line.ReplyAsync(request, StatusCodes.Status404NotFound, "not a station: " + MountErrorText.Describe(error)).ConfigureAwait(false);
            return;
        }

        if (draining.IsDraining)
        {
            // Going away (SIGTERM, preStop): no new listeners; a gateway tries the next edge, resuming where it was.
            await line.ReplyAsync(request, StatusCodes.Status503ServiceUnavailable, "this edge is draining", retryAfter: "1").ConfigureAwait(false);
            return;
        }

        var feed = await registry.AcquireAsync(station, line.Closed).ConfigureAwait(false);
        if (feed is null)
        {
            await line.ReplyAsync(request, StatusCodes.Status404NotFound, $"station {station.Mount} is not live").ConfigureAwait(false);
            return;
        }

        var listener = new ListenerSession(listeners.NextId(), feed, request.Client?.ToString() ?? string.Empty, request.UserAgent, requested, line);
        if (!request.Head)
        {
            listeners.Add(listener); // a HEAD is answered at once: no listener to list
            listener.Span = ListenerSpan(listener, request, identity.Id);
            EdgeMetrics.Connects.Add(1, EdgeMetrics.Station(feed.Station.Mount));
        }

        try
        {
            await ServeAsync(request, listener).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // the listener went away (reset, aborted by killclient, a drain or the stall watch): the normal way to end
        }
        finally
        {
            if (!request.Head)
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

    private async Task ServeAsync(ListenerRequest request, ListenerSession listener)
    {
        var feed = listener.Feed;
        var line = listener.Line;
        var settings = options.Value;
        long cursor;
        byte[] oggHeaders = [];
        if (request.From is not null)
        {
            if (ListenerEndpoint.ResumeError(request, feed, out cursor) is { } refusal)
            {
                await line.ReplyAsync(request, refusal.Status, refusal.Message).ConfigureAwait(false);
                return;
            }
        }
        else
        {
            cursor = feed.Join(settings, out oggHeaders);
        }

        // ICY metadata in-band for MP3 and AAC listeners who ask; Ogg carries titles in its own comment headers, and
        // Icecast, too, answers Ogg listeners without icy-metaint.
        var metaint = request.WantsIcyMetadata && feed.Metadata.ContentType is not ("application/ogg" or "audio/ogg" or "audio/opus" or "audio/flac")
            ? settings.IcyMetaInterval
            : 0;
        if (!request.Head && line.Socket is { } socket)
        {
            // A stalled listener is cut by the stall watch (Listeners:StalledSeconds), with a send buffer we chose (the
            // kernel's autotuning held ≈ 690 KiB per stalled listener: research/dotnet.md §1.3); the ring's lag policy
            // remains the first rule.
            SetSendBuffer(socket, stalled.Value.SendBufferBytes);
        }

        var head = ResponseHead(request, feed.Metadata, metaint, cursor, oggHeaders.Length);
        await line.SendAsync(head).ConfigureAwait(false);
        if (request.Head)
        {
            return;
        }

        if (oggHeaders.Length > 0)
        {
            await line.SendAsync(oggHeaders).ConfigureAwait(false);
        }

        EdgeLog.ListenerJoined(logger, feed.Station.Mount, listener.Address, cursor);
        var icy = new IcyInterleave(metaint);
        if (metaint > 0 && ListenerEndpoint.IcyPhase(request.IcyPhase, metaint) is { } phase)
        {
            icy.UntilBlock = phase; // a gateway continuing a listener from another edge: the interleave goes on where it was
        }

        try
        {
            await StreamAsync(listener, cursor, icy).ConfigureAwait(false);
        }
        finally
        {
            EdgeLog.ListenerLeft(logger, listener.Feed.Station.Mount, listener.Address, listener.BytesSent);
        }
    }

    /// <summary>The stream loop: send what the ring holds past the cursor, wait for the next chunk, and the rules in between.</summary>
    private async Task StreamAsync(ListenerSession listener, long cursor, IcyInterleave icy)
    {
        var line = listener.Line;
        var closed = line.Closed;
        var waiter = new ListenerWaiter();
        var feed = listener.Feed;
        var signal = feed.NextSignal();
        var policy = options.Value.LagPolicy;
        while (!closed.IsCancellationRequested)
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
                await SendAsync(listener, headers).ConfigureAwait(false);
                continue;
            }

            var seen = signal.Version;
            var ring = feed.Ring;
            var room = icy.Interval > 0 ? Math.Min(SendBytes, icy.UntilBlock) : SendBytes;
            var status = ring.TryPeek(cursor, room, out var data, out var lease);
            if (status == RingReadStatus.Data)
            {
                try
                {
                    line.SendingSince = time.GetTimestamp();
                    await line.SendAsync(data).ConfigureAwait(false);
                }
                finally
                {
                    line.SendingSince = 0;
                    lease.Dispose();
                }

                if (!ring.IsStillHeld(cursor))
                {
                    status = RingReadStatus.Lagged; // the writer lapped the cursor during the send: what went out may be torn
                }
                else
                {
                    if (listener.BytesSent == 0)
                    {
                        EdgeMetrics.TimeToFirstByte.Record(time.GetElapsedTime(listener.Joined).TotalSeconds, EdgeMetrics.Station(feed.Station.Mount));
                    }

                    cursor += data.Length;
                    listener.BytesSent += data.Length;
                    EdgeMetrics.BytesOut.Add(data.Length, EdgeMetrics.Station(feed.Station.Mount));
                    if (icy.Interval > 0 && (icy.UntilBlock -= data.Length) == 0)
                    {
                        await SendAsync(listener, icy.NextBlock(feed.TitleAt(cursor))).ConfigureAwait(false);
                        icy.UntilBlock = icy.Interval;
                    }

                    continue;
                }
            }

            if (status == RingReadStatus.Lagged && ListenerEndpoint.IsAcrossGap(cursor, feed.LastGap, ring.Start, out var afterGap))
            {
                // Not this listener's lag: bytes never reached the edge (the broker restarted). It goes on after the gap.
                var resumeAt = afterGap ?? ring.NewestSyncPoint();
                EdgeLog.ListenerAcrossGap(logger, feed.Station.Mount, listener.Address, cursor, resumeAt);
                EdgeMetrics.Resyncs.Add(1, EdgeMetrics.Station(feed.Station.Mount), new KeyValuePair<string, object?>("broadcast.resync_reason", "gap"));
                cursor = resumeAt;
            }
            else if (status == RingReadStatus.Lagged)
            {
                var drop = policy == LagPolicy.Drop;
                EdgeLog.ListenerLagged(logger, feed.Station.Mount, cursor, ring.Start, drop ? "dropped" : "resynced");
                (drop ? EdgeMetrics.Drops : EdgeMetrics.Resyncs).Add(1, EdgeMetrics.Station(feed.Station.Mount));
                listener.Span?.AddEvent(new System.Diagnostics.ActivityEvent(drop ? "listener.dropped" : "listener.resync", tags: new System.Diagnostics.ActivityTagsCollection { ["broadcast.cursor"] = cursor, ["broadcast.ring.start"] = ring.Start }));
                if (drop)
                {
                    listener.EndReason = "lagged";
                    break;
                }

                cursor = ring.NewestSyncPoint();
            }
            else if (feed.Ended)
            {
                if (feed.Superseded && await SuccessorAsync(feed, closed).ConfigureAwait(false) is { } next)
                {
                    // The source came back as a new session (its ingest died): the same connection goes on with it, from
                    // about a burst back (what the new source sent so far). Offsets from here are the new session's.
                    EdgeLog.ListenerFollowedSession(logger, feed.Station.Mount, listener.Address, next.Metadata.SessionId.ToString("N"));
                    listener.Feed = next;
                    registry.Release(feed);
                    feed = next;
                    signal = feed.NextSignal();
                    cursor = feed.Join(options.Value, out var chain);
                    await SendAsync(listener, chain).ConfigureAwait(false);
                    continue;
                }

                listener.EndReason = "source_ended";
                break;
            }
            else
            {
                // One shared wake-up per turn for the listener's wake group; disconnects are noticed at the next send.
                await signal.WaitAsync(waiter, seen).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Bytes that are not the ring's (Ogg headers, an ICY block), counted as sent and watched like any send.</summary>
    private async ValueTask SendAsync(ListenerSession listener, ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        var line = listener.Line;
        line.SendingSince = time.GetTimestamp();
        try
        {
            await line.SendAsync(bytes).ConfigureAwait(false);
        }
        finally
        {
            line.SendingSince = 0;
        }
    }

    /// <summary>The station's new session when it streams the same content type as the ended one; null otherwise (released).</summary>
    private async Task<StationFeed?> SuccessorAsync(StationFeed ended, CancellationToken aborted)
    {
        var next = await registry.AcquireAsync(ended.Station, aborted).ConfigureAwait(false);
        if (next is null || next == ended || next.Metadata.ContentType != ended.Metadata.ContentType)
        {
            if (next is not null)
            {
                registry.Release(next);
            }

            return null;
        }

        return next;
    }

    private static void SetSendBuffer(Socket socket, int bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        try
        {
            socket.SendBufferSize = bytes;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // the listener left before its first byte; the first send notices
        }
    }
}
