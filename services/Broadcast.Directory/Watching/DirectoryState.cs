using Broadcast.Directory.Store;
using Broadcast.Directory.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Broadcast.Directory.Watching;

/// <summary>
/// The directory's current view, re-read from Redis every <see cref="DirectoryOptions.RefreshMilliseconds"/> (at once
/// after a write here), so reads and watchers never wait on Redis and every replica converges on the same view.
/// Watchers get a new snapshot only when something changed. While Redis is unreachable, <see cref="Available"/> is
/// false and readers answer "unavailable" instead of serving a view that may be stale.
/// </summary>
internal sealed partial class DirectoryState(DirectoryStore store, IOptions<DirectoryOptions> options, ILogger<DirectoryState> logger) : BackgroundService
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _poke = new(0, 1);
    private readonly Dictionary<string, (string Session, long Peak)> _peaks = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DirectorySnapshot _current = new();
    private byte[] _currentBytes = [];
    private volatile bool _available;

    public DirectorySnapshot Current => Volatile.Read(ref _current);

    public bool Available => _available;

    /// <summary>Completes at the next change of <see cref="Current"/> (or of <see cref="Available"/>).</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Most listeners a station's current session has had, as seen by this replica.</summary>
    public long PeakListeners(StationInfo station)
    {
        lock (_lock)
        {
            return _peaks.TryGetValue(station.Mount, out var peak) && peak.Session == station.SessionId ? peak.Peak : station.Listeners;
        }
    }

    /// <summary>Asks for a refresh now (after a write), instead of at the next tick.</summary>
    public void Poke()
    {
        try
        {
            _poke.Release();
        }
        catch (SemaphoreFullException)
        {
            // a refresh is already due
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.RefreshMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await RefreshAsync().ConfigureAwait(false);
            try
            {
                await _poke.WaitAsync(interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task RefreshAsync()
    {
        DirectorySnapshot snapshot;
        try
        {
            snapshot = await store.SnapshotAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            if (_available)
            {
                RedisLost(logger, exception.Message);
                _available = false;
                Publish(null, force: true);
            }

            return;
        }

        var recovered = !_available;
        if (recovered)
        {
            RedisReachable(logger);
            _available = true;
        }

        Publish(snapshot, force: recovered);
    }

    /// <summary>Makes <paramref name="snapshot"/> current when it differs (or when forced) and wakes the watchers.</summary>
    private void Publish(DirectorySnapshot? snapshot, bool force)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (snapshot is not null)
            {
                var bytes = snapshot.ToByteArray();
                if (!force && bytes.AsSpan().SequenceEqual(_currentBytes))
                {
                    return;
                }

                TrackPeaks(snapshot);
                _currentBytes = bytes;
                Volatile.Write(ref _current, snapshot);
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private void TrackPeaks(DirectorySnapshot snapshot)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var station in snapshot.Stations)
        {
            live.Add(station.Mount);
            var peak = _peaks.TryGetValue(station.Mount, out var known) && known.Session == station.SessionId ? known.Peak : 0;
            _peaks[station.Mount] = (station.SessionId, Math.Max(peak, station.Listeners));
        }

        foreach (var mount in _peaks.Keys.Where(m => !live.Contains(m)).ToList())
        {
            _peaks.Remove(mount);
        }
    }

    [LoggerMessage(4000, LogLevel.Warning, "Redis unreachable: the directory answers unavailable until it returns ({Reason})")]
    private static partial void RedisLost(ILogger logger, string reason);

    [LoggerMessage(4001, LogLevel.Information, "Redis reachable: directory view live")]
    private static partial void RedisReachable(ILogger logger);
}
