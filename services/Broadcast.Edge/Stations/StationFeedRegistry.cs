using System.Buffers.Binary;
using System.Text.Json;
using Broadcast.Shared.Buffers;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Broadcast.Edge.Stations;

/// <summary>
/// The stations active on this edge. The first listener of a station subscribes to it (and fetches a burst from
/// its ingest so that listener starts at once); the last one leaving starts a grace timer, after which the
/// subscription and the ring are released. Memory follows active stations, not history (DESIGN.md).
/// </summary>
internal sealed class StationFeedRegistry(
    INatsConnection nats,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    ILogger<StationFeedRegistry> logger) : IAsyncDisposable
{
    private readonly Dictionary<string, StationFeed> _feeds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _starting = new(1, 1);
    private long _bufferBytes;

    public int ActiveStations
    {
        get
        {
            lock (_lock)
            {
                return _feeds.Count;
            }
        }
    }

    /// <summary>Listeners per live station (mount → count), for the directory's cluster-wide totals.</summary>
    public Dictionary<string, long> ListenersByMount()
    {
        lock (_lock)
        {
            return _feeds.Values.Where(f => f.Listeners > f.Watchers).ToDictionary(f => f.Station.Mount, f => (long)(f.Listeners - f.Watchers), StringComparer.Ordinal);
        }
    }

    /// <summary>Ring bytes allocated, including rings of ended stations whose listeners are still draining them.</summary>
    public long BufferBytes => Interlocked.Read(ref _bufferBytes);

    /// <summary>Joins a listener to the station, starting the feed if needed; null when the station is offline.</summary>
    public async Task<StationFeed?> AcquireAsync(StationName station, CancellationToken cancellationToken)
    {
        if (TryJoin(station) is { } existing)
        {
            return existing;
        }

        await _starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryJoin(station) is { } started)
            {
                return started;
            }

            var feed = await StartAsync(station, cancellationToken).ConfigureAwait(false);
            if (feed is null)
            {
                return null;
            }

            StationFeed? replaced;
            lock (_lock)
            {
                // An ended feed not yet removed by its pump: retire it here so its last listener frees it.
                replaced = _feeds.TryGetValue(station.SubjectToken, out var old) && Retire(old) ? old : null;
                _feeds[station.SubjectToken] = feed;
                feed.Listeners = 1;
            }

            if (replaced is not null)
            {
                _ = DisposeFeedAsync(replaced, "replaced by a new session");
            }

            feed.Start(OnEnded, time, TimeSpan.FromMilliseconds(options.Value.WakeIntervalMilliseconds));
            return feed;
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// Joins a now-playing watcher (an SSE client): it keeps the feed alive like a listener, but is not counted as one
    /// in the directory's totals.
    /// </summary>
    public async Task<StationFeed?> AcquireWatcherAsync(StationName station, CancellationToken cancellationToken)
    {
        var feed = await AcquireAsync(station, cancellationToken).ConfigureAwait(false);
        if (feed is not null)
        {
            lock (_lock)
            {
                feed.Watchers++;
            }
        }

        return feed;
    }

    public void ReleaseWatcher(StationFeed feed)
    {
        lock (_lock)
        {
            feed.Watchers--;
        }

        Release(feed);
    }

    public void Release(StationFeed feed)
    {
        lock (_lock)
        {
            if (--feed.Listeners > 0)
            {
                return;
            }

            if (!feed.Retired)
            {
                feed.IdleTimer = time.CreateTimer(_ => _ = RemoveIfIdleAsync(feed), null, TimeSpan.FromSeconds(options.Value.IdleGraceSeconds), Timeout.InfiniteTimeSpan);
                return;
            }
        }

        _ = DisposeFeedAsync(feed, "source ended, last listener left"); // nobody reads the ring any more
    }

    public async ValueTask DisposeAsync()
    {
        StationFeed[] feeds;
        lock (_lock)
        {
            feeds = [.. _feeds.Values];
            _feeds.Clear();
            foreach (var feed in feeds)
            {
                Retire(feed);
            }
        }

        foreach (var feed in feeds)
        {
            await feed.StopAsync().ConfigureAwait(false);
            bool unused;
            lock (_lock)
            {
                unused = feed.Listeners == 0;
            }

            if (unused)
            {
                await DisposeFeedAsync(feed, "shutting down").ConfigureAwait(false); // else the last listener's Release frees it
            }
        }

        _starting.Dispose();
    }

    private StationFeed? TryJoin(StationName station)
    {
        lock (_lock)
        {
            if (!_feeds.TryGetValue(station.SubjectToken, out var feed) || feed.Ended)
            {
                return null;
            }

            feed.Listeners++;
            feed.IdleTimer?.Dispose();
            feed.IdleTimer = null;
            return feed;
        }
    }

    private async Task RemoveIfIdleAsync(StationFeed feed)
    {
        lock (_lock)
        {
            if (feed.Listeners > 0 || feed.Retired || !_feeds.TryGetValue(feed.Station.SubjectToken, out var current) || current != feed)
            {
                return;
            }

            _feeds.Remove(feed.Station.SubjectToken);
            Retire(feed);
        }

        await DisposeFeedAsync(feed, "no listeners").ConfigureAwait(false);
    }

    /// <summary>Called by the feed's pump when the source ends: new listeners get 404, current ones drain the ring.</summary>
    private void OnEnded(StationFeed feed)
    {
        bool unused;
        lock (_lock)
        {
            if (_feeds.TryGetValue(feed.Station.SubjectToken, out var current) && current == feed)
            {
                _feeds.Remove(feed.Station.SubjectToken);
            }

            unused = Retire(feed);
        }

        if (unused)
        {
            _ = Task.Run(() => DisposeFeedAsync(feed, "source ended")); // not on the pump, which disposal waits for
        }
    }

    /// <summary>
    /// Under the lock: no new listener gets this feed any more, and its idle timer is off. True when nobody reads it,
    /// so the caller disposes it now; otherwise the last listener's <see cref="Release"/> does.
    /// </summary>
    private static bool Retire(StationFeed feed)
    {
        feed.Retired = true;
        feed.IdleTimer?.Dispose();
        feed.IdleTimer = null;
        return feed.Listeners == 0;
    }

    private async Task DisposeFeedAsync(StationFeed feed, string reason)
    {
        if (!feed.TryClaimDisposal())
        {
            return;
        }

        try
        {
            await feed.DisposeAsync().ConfigureAwait(false);
            Interlocked.Add(ref _bufferBytes, -feed.Ring.Capacity);
            EdgeLog.StationStopped(logger, feed.Station.Mount, reason);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            EdgeLog.ReleaseFailed(logger, feed.Station.Mount, exception);
        }
    }

    private async Task<StationFeed?> StartAsync(StationName station, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var timeout = new NatsSubOpts { Timeout = TimeSpan.FromMilliseconds(settings.RequestTimeoutMilliseconds) };

        // Subscribe before asking for metadata (its recent titles) and the burst, so no chunk and no title falls
        // between them. Not the first listener's token: the subscription lives as long as the feed, whoever started it.
        var subscription = await nats.SubscribeCoreAsync<NatsMemoryOwner<byte>>(Subjects.Audio(station), cancellationToken: CancellationToken.None).ConfigureAwait(false);
        try
        {
            var metadata = await RequestMetadataAsync(station, timeout, cancellationToken).ConfigureAwait(false);
            if (metadata is null)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
                return null;
            }

            var request = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(request, Math.Max(settings.BurstBytes, (int)(settings.BurstSeconds * 48_000)) * 2);
            var reply = await nats.RequestAsync<ReadOnlyMemory<byte>, NatsMemoryOwner<byte>>(Subjects.Burst(station), request, replyOpts: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            using var owner = reply.Data;
            var ring = FromBurst(owner.Memory.Span, metadata, settings, out var headers);
            Interlocked.Add(ref _bufferBytes, ring.Capacity);
            EdgeLog.StationStarted(logger, station.Mount, ring.Start);
            return new StationFeed(station, metadata, ring, headers, subscription, FetchRecentAsync, logger);
        }
        catch (Exception exception) when (exception is NatsNoRespondersException or NatsNoReplyException or TimeoutException)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException)
        {
            await subscription.DisposeAsync().ConfigureAwait(false); // the listener left while we asked; nobody owns it
            throw;
        }
    }

    /// <summary>A burst request of <paramref name="bytes"/>, for a feed bridging a gap; null when the ingest does not answer.</summary>
    private async ValueTask<NatsMemoryOwner<byte>?> FetchRecentAsync(StationName station, int bytes, CancellationToken cancellationToken)
    {
        var request = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(request, bytes);
        try
        {
            var timeout = new NatsSubOpts { Timeout = TimeSpan.FromMilliseconds(options.Value.RequestTimeoutMilliseconds) };
            var reply = await nats.RequestAsync<ReadOnlyMemory<byte>, NatsMemoryOwner<byte>>(Subjects.Burst(station), request, replyOpts: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            return reply.Data;
        }
        catch (Exception exception) when (exception is NatsNoRespondersException or NatsNoReplyException or TimeoutException or NatsException)
        {
            return null;
        }
    }

    private async Task<StationMetadata?> RequestMetadataAsync(StationName station, NatsSubOpts timeout, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await nats.RequestAsync<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(Subjects.Metadata(station), default, replyOpts: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize(reply.Data.Span, StationMetadataJsonContext.Default.StationMetadata);
        }
        catch (Exception exception) when (exception is NatsNoRespondersException or NatsNoReplyException or TimeoutException or JsonException)
        {
            return null;
        }
    }

    private static StationRingBuffer FromBurst(ReadOnlySpan<byte> message, StationMetadata metadata, EdgeOptions settings, out byte[] oggHeaders)
    {
        oggHeaders = [];
        if (ChunkEnvelope.TryRead(message, out var chunk) != ChunkEnvelopeError.None
            || chunk.Header.SessionId != metadata.SessionId
            || !BurstReply.TryRead(chunk.Payload, out var headers, out var audio))
        {
            throw new TimeoutException("burst reply unreadable or from another session");
        }

        oggHeaders = headers.ToArray();
        var capacity = settings.RingBytes;
        var ring = new StationRingBuffer(capacity, chunk.Header.Offset, mapped: settings.MappedRings);
        if (!audio.IsEmpty)
        {
            ring.Append(audio[..Math.Min(audio.Length, capacity)]);
        }

        return ring;
    }
}
