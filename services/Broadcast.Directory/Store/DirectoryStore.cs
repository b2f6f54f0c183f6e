using System.Text.Json;
using Broadcast.Directory.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Broadcast.Directory.Store;

/// <summary>
/// Every key the cluster keeps in Redis, and the only code that touches them. Live things (leases, stations, edges)
/// are keys with a TTL plus a sorted-set index scored by expiry, so a crashed owner's entries vanish by themselves and
/// listing never scans the keyspace. Provisioned stations have no TTL.
/// </summary>
/// <remarks>Redis errors surface as <see cref="RedisException"/> or <see cref="RedisTimeoutException"/>; callers
/// turn them into "directory unavailable".</remarks>
internal sealed class DirectoryStore(IConnectionMultiplexer redis, IOptions<DirectoryOptions> options, TimeProvider time)
{
    // Takes or refreshes the lease when it is free, already the caller's, or held by the one holder the caller may
    // replace (ARGV[6]: a holder whose ingest the caller found dead; empty matches no holder), and (re)writes the
    // station with it. Returns nil when the caller holds it now, else the holder. Renewal after a Redis restart
    // re-registers for free.
    private const string AcquireScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder and holder ~= ARGV[1] and holder ~= ARGV[6] then return holder end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
        return false
        """;

    // Compare-and-delete: only the holder's own token releases (never someone else's lease).
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('DEL', KEYS[1], KEYS[2])
        redis.call('ZREM', KEYS[3], ARGV[2])
        return 1
        """;

    private readonly string _prefix = options.Value.KeyPrefix;

    private IDatabase Db => redis.GetDatabase();

    private RedisKey StationsIndex => _prefix + "stations";

    private RedisKey EdgesIndex => _prefix + "edges";

    private RedisKey ProvisionedIndex => _prefix + "provisioned";

    /// <summary>Null when <paramref name="owner"/> holds the mount's lease now; otherwise the current holder's token.</summary>
    public async Task<string?> AcquireAsync(StationInfo station, string owner, TimeSpan ttl, string replaceOwner = "")
    {
        var expires = time.GetUtcNow().Add(ttl).ToUnixTimeMilliseconds();
        var result = await Db.ScriptEvaluateAsync(
            AcquireScript,
            [Lease(station.Mount), Station(station.Mount), StationsIndex],
            [owner, (long)ttl.TotalMilliseconds, station.ToByteArray(), expires, station.Mount, replaceOwner]).ConfigureAwait(false);
        return result.IsNull ? null : (string?)result;
    }

    public async Task<bool> ReleaseAsync(string mount, string owner)
    {
        var result = await Db.ScriptEvaluateAsync(ReleaseScript, [Lease(mount), Station(mount), StationsIndex], [owner, mount]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async Task ReportEdgeAsync(EdgeReport report, TimeSpan ttl)
    {
        var expires = time.GetUtcNow().Add(ttl).ToUnixTimeMilliseconds();
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(Edge(report.EdgeId), report.ToByteArray(), ttl);
        _ = transaction.SortedSetAddAsync(EdgesIndex, report.EdgeId, expires);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    public async Task RemoveEdgeAsync(string edgeId)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(Edge(edgeId));
        _ = transaction.SortedSetRemoveAsync(EdgesIndex, edgeId);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Live stations (listeners summed over live edges) and live edges, as of now.</summary>
    public async Task<DirectorySnapshot> SnapshotAsync()
    {
        var db = Db;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var stationIds = await LiveMembersAsync(db, StationsIndex, now).ConfigureAwait(false);
        var edgeIds = await LiveMembersAsync(db, EdgesIndex, now).ConfigureAwait(false);
        var stationValues = stationIds.Length == 0 ? [] : await db.StringGetAsync([.. stationIds.Select(id => Station(id!))]).ConfigureAwait(false);
        var edgeValues = edgeIds.Length == 0 ? [] : await db.StringGetAsync([.. edgeIds.Select(id => Edge(id!))]).ConfigureAwait(false);

        var snapshot = new DirectorySnapshot();
        var perStation = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var value in edgeValues)
        {
            if (value.IsNull)
            {
                continue; // expired between the index read and the get
            }

            var report = EdgeReport.Parser.ParseFrom((byte[])value!);
            snapshot.Edges.Add(new V1.Edge { EdgeId = report.EdgeId, Address = report.Address, Listeners = report.Listeners, Draining = report.Draining });
            foreach (var (mount, listeners) in report.StationListeners)
            {
                perStation[mount] = perStation.GetValueOrDefault(mount) + listeners;
            }
        }

        foreach (var value in stationValues)
        {
            if (!value.IsNull)
            {
                var station = StationInfo.Parser.ParseFrom((byte[])value!);
                station.Listeners = perStation.GetValueOrDefault(station.Mount);
                snapshot.Stations.Add(station);
            }
        }

        return snapshot;
    }

    public async Task<ProvisionedStation?> GetProvisionedAsync(string mount)
    {
        var value = await Db.StringGetAsync(Provisioned(mount)).ConfigureAwait(false);
        return value.IsNull ? null : JsonSerializer.Deserialize((string)value!, StoreJsonContext.Default.ProvisionedStation);
    }

    public async Task<IReadOnlyList<ProvisionedStation>> ListProvisionedAsync()
    {
        var db = Db;
        var mounts = await db.SetMembersAsync(ProvisionedIndex).ConfigureAwait(false);
        if (mounts.Length == 0)
        {
            return [];
        }

        var values = await db.StringGetAsync([.. mounts.Select(m => Provisioned(m!))]).ConfigureAwait(false);
        return [.. values.Where(v => !v.IsNull).Select(v => JsonSerializer.Deserialize((string)v!, StoreJsonContext.Default.ProvisionedStation)!).OrderBy(s => s.Mount, StringComparer.Ordinal)];
    }

    /// <summary>Creates or replaces; true when it was created.</summary>
    public async Task<bool> PutProvisionedAsync(ProvisionedStation station)
    {
        var transaction = Db.CreateTransaction();
        var added = transaction.SetAddAsync(ProvisionedIndex, station.Mount);
        _ = transaction.StringSetAsync(Provisioned(station.Mount), JsonSerializer.Serialize(station, StoreJsonContext.Default.ProvisionedStation));
        await transaction.ExecuteAsync().ConfigureAwait(false);
        return await added.ConfigureAwait(false);
    }

    public async Task<bool> DeleteProvisionedAsync(string mount)
    {
        var transaction = Db.CreateTransaction();
        var removed = transaction.SetRemoveAsync(ProvisionedIndex, mount);
        _ = transaction.KeyDeleteAsync(Provisioned(mount));
        await transaction.ExecuteAsync().ConfigureAwait(false);
        return await removed.ConfigureAwait(false);
    }

    /// <summary>Drops expired members from an expiry-scored index, then lists the rest.</summary>
    private static async Task<RedisValue[]> LiveMembersAsync(IDatabase db, RedisKey index, long now)
    {
        await db.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, now).ConfigureAwait(false);
        return await db.SortedSetRangeByRankAsync(index).ConfigureAwait(false);
    }

    /// <summary>The fallback mounts set with <c>/admin/fallbacks</c> (mount → fallback mount; Icecast keeps them in memory only).</summary>
    private RedisKey Fallbacks => _prefix + "fallbacks";

    public async Task<string?> GetFallbackAsync(string mount)
    {
        var value = await Db.HashGetAsync(Fallbacks, mount).ConfigureAwait(false);
        return value.IsNullOrEmpty ? null : value.ToString();
    }

    public async Task<Dictionary<string, string>> ListFallbacksAsync()
    {
        var entries = await Db.HashGetAllAsync(Fallbacks).ConfigureAwait(false);
        return entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
    }

    /// <summary>Sets (or with null, clears) a station's fallback mount.</summary>
    public async Task SetFallbackAsync(string mount, string? fallback)
    {
        _ = fallback is null
            ? await Db.HashDeleteAsync(Fallbacks, mount).ConfigureAwait(false)
            : await Db.HashSetAsync(Fallbacks, mount, fallback).ConfigureAwait(false);
    }

    private RedisKey Lease(string mount) => _prefix + "lease:" + mount;

    private RedisKey Station(string mount) => _prefix + "station:" + mount;

    private RedisKey Edge(string edgeId) => _prefix + "edge:" + edgeId;

    private RedisKey Provisioned(string mount) => _prefix + "provisioned:" + mount;
}
