using System.Collections.Concurrent;

namespace Broadcast.Edge.Listeners;

/// <summary>
/// The listeners on this edge, by id, for the admin commands. Ids count up from a random base below 2^52, so they fit
/// a JSON number and the ids the directory gathers from every edge collide only if two edges' bases lie closer than
/// the listeners they served (odds of about one in 2^30 per pair after a million); Icecast's are per-server counters.
/// </summary>
internal sealed class ListenerDirectory
{
    private readonly ConcurrentDictionary<long, ListenerSession> _listeners = new();
    private long _next = Random.Shared.NextInt64(1L << 52);

    public long NextId() => Interlocked.Increment(ref _next);

    public void Add(ListenerSession listener) => _listeners[listener.Id] = listener;

    public void Remove(ListenerSession listener) => _listeners.TryRemove(listener.Id, out _);

    public bool TryGet(long id, out ListenerSession? listener) => _listeners.TryGetValue(id, out listener);

    /// <summary>Every listener, enumerated in place (no snapshot is copied).</summary>
    public IEnumerable<ListenerSession> All()
    {
        foreach (var pair in _listeners)
        {
            yield return pair.Value;
        }
    }

    /// <summary>The listeners of <paramref name="mount"/> (every listener when null).</summary>
    public IEnumerable<ListenerSession> Of(string? mount) =>
        mount is null ? _listeners.Values : _listeners.Values.Where(l => l.Feed.Station.Mount == mount);
}
