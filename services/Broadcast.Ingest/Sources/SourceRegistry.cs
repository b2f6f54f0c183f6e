using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>The sources live on this ingest, by subject token: one per mount, at most <see cref="IngestOptions.MaxSources"/>.</summary>
internal sealed class SourceRegistry(IOptions<IngestOptions> options) : Broadcast.ServiceDefaults.Memory.ILoadGauge
{
    private readonly ConcurrentDictionary<string, SourceSession> _sessions = new(StringComparer.Ordinal);
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>For the memory governor: connected sources.</summary>
    public long CurrentLoad => Count;

    /// <summary>Claims the mount. False with <paramref name="full"/> set when the source limit is reached.</summary>
    public bool TryAdd(SourceSession session, out bool full)
    {
        full = false;
        if (Interlocked.Increment(ref _count) > options.Value.MaxSources)
        {
            Interlocked.Decrement(ref _count);
            full = true;
            return false;
        }

        if (_sessions.TryAdd(session.Station.SubjectToken, session))
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    public bool Contains(string subjectToken) => _sessions.ContainsKey(subjectToken);

    public bool TryGet(string subjectToken, [NotNullWhen(true)] out SourceSession? session) => _sessions.TryGetValue(subjectToken, out session);

    public void Remove(SourceSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, SourceSession>(session.Station.SubjectToken, session)))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
