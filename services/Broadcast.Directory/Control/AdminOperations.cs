using System.Globalization;
using Broadcast.Directory.Store;
using Broadcast.Directory.V1;
using Broadcast.Directory.Watching;
using Broadcast.Shared.Control;
using Broadcast.Shared.Stations;

namespace Broadcast.Directory.Control;

/// <summary>
/// Icecast's admin commands for the whole cluster (issue #13), shared by <c>/admin/*</c> (Icecast's XML and 2.5's JSON)
/// and <c>/api/admin/*</c>. Every parameter is checked before anything is sent; the messages are Icecast's where it
/// has one (tools match on them), and a mount that is not live is "Source does not exist", as there.
/// </summary>
internal sealed class AdminOperations(ClusterControl control, DirectoryState state, DirectoryStore store)
{
    /// <summary>Fallback chains followed when checking for a loop; longer chains are refused as well.</summary>
    private const int MaxFallbackChain = 16;

    public async Task<AdminOutcome> ListClientsAsync(string? mount, CancellationToken cancellationToken)
    {
        if (LiveStation(mount, out var station) is { } refused)
        {
            return refused;
        }

        var replies = await control.EdgesAsync(new ControlRequest { Op = "listclients", Mount = station!.Mount }, cancellationToken).ConfigureAwait(false);
        var listeners = replies.SelectMany(r => r.Listeners ?? []).OrderBy(l => l.Id).ToArray();
        return AdminOutcome.Done(string.Empty, listeners, station);
    }

    public async Task<AdminOutcome> KillClientAsync(string? mount, string? id, CancellationToken cancellationToken)
    {
        if (LiveStation(mount, out var station) is { } refused)
        {
            return refused;
        }

        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var listener))
        {
            return AdminOutcome.Bad(id is null ? "Missing parameter: id" : "id must be a listener id (a non-negative integer)");
        }

        var replies = await control.EdgesAsync(new ControlRequest { Op = "killclient", Mount = station!.Mount, Id = listener }, cancellationToken).ConfigureAwait(false);
        var killed = replies.SelectMany(r => r.Listeners ?? []).ToArray();
        return killed.Length > 0
            ? AdminOutcome.Done($"Client {listener} removed", killed, station)
            : new AdminOutcome(StatusCodes.Status404NotFound, false, $"Client {listener} not found");
    }

    public async Task<AdminOutcome> KillSourceAsync(string? mount, CancellationToken cancellationToken)
    {
        if (LiveStation(mount, out var station) is { } refused)
        {
            return refused;
        }

        var reply = await control.SourceAsync(Name(station!), new ControlRequest { Op = "killsource", Mount = station!.Mount }, cancellationToken).ConfigureAwait(false);
        return reply is { Ok: true } ? AdminOutcome.Done("Source Removed", station: station) : AdminOutcome.Bad("Source does not exist");
    }

    public async Task<AdminOutcome> MoveClientsAsync(string? mount, string? destination, CancellationToken cancellationToken)
    {
        if (LiveStation(mount, out var from) is { } refused)
        {
            return refused;
        }

        if (destination is null)
        {
            return AdminOutcome.Bad("Missing parameter: destination");
        }

        if (!StationName.TryParse(destination, out var target, out var error))
        {
            return AdminOutcome.Bad("destination: " + MountErrorText.Describe(error));
        }

        if (target.Mount == from!.Mount)
        {
            return AdminOutcome.Bad("supplied mountpoints are identical");
        }

        if (Find(target.Mount) is not { } to)
        {
            return AdminOutcome.Bad("No such destination");
        }

        if (to.ContentType != from.ContentType)
        {
            return AdminOutcome.Bad($"{to.Mount} streams {to.ContentType}; listeners of {from.Mount} decode {from.ContentType}");
        }

        var replies = await control.EdgesAsync(new ControlRequest { Op = "moveclients", Mount = from.Mount, Destination = to.Mount }, cancellationToken).ConfigureAwait(false);
        var moved = replies.SelectMany(r => r.Listeners ?? []).ToArray();
        return AdminOutcome.Done($"Clients moved from {from.Mount} to {to.Mount}", moved, from);
    }

    /// <summary>Sets (empty: clears) a station's fallback mount. The station need not be live; a loop is refused.</summary>
    public async Task<AdminOutcome> SetFallbackAsync(string? mount, string? fallback)
    {
        if (Parse(mount, "mount", out var station) is { } refused)
        {
            return refused;
        }

        if (fallback is null)
        {
            var current = await store.GetFallbackAsync(station!.Mount).ConfigureAwait(false);
            return AdminOutcome.Done(current ?? string.Empty);
        }

        if (fallback.Length == 0)
        {
            await store.SetFallbackAsync(station!.Mount, null).ConfigureAwait(false);
            return AdminOutcome.Done("Fallback cleared");
        }

        if (Parse(fallback, "fallback", out var target) is { } bad)
        {
            return bad;
        }

        var chain = new List<string> { station!.Mount };
        for (string? next = target!.Mount; next is not null; next = await store.GetFallbackAsync(next).ConfigureAwait(false))
        {
            chain.Add(next);
            if (next == station.Mount || chain.Count > MaxFallbackChain)
            {
                return AdminOutcome.Bad("fallback loop: " + string.Join(" -> ", chain));
            }
        }

        await store.SetFallbackAsync(station.Mount, target.Mount).ConfigureAwait(false);
        return AdminOutcome.Done("Fallback configured");
    }

    public Task<Dictionary<string, string>> FallbacksAsync() => store.ListFallbacksAsync();

    /// <summary>An admin title update for any live mount (Icecast's <c>/admin/metadata</c> with admin credentials).</summary>
    public async Task<AdminOutcome> MetadataAsync(string? mount, string? mode, string? song, string? url, CancellationToken cancellationToken)
    {
        if (LiveStation(mount, out var station) is { } refused)
        {
            return refused;
        }

        if (mode != "updinfo")
        {
            return AdminOutcome.Bad(mode is null ? "Missing parameter: mode" : "No such action");
        }

        if (song is null || song.Length > TitleChange.MaxTitleBytes || (url?.Length ?? 0) > TitleChange.MaxUrlBytes)
        {
            return AdminOutcome.Bad(song is null ? "Missing parameter: song" : "song or url too long");
        }

        var request = new ControlRequest { Op = "metadata", Mount = station!.Mount, Song = song, Url = url };
        var reply = await control.SourceAsync(Name(station), request, cancellationToken).ConfigureAwait(false);
        return reply is { Ok: true } ? AdminOutcome.Done("Metadata update successful", station: station) : AdminOutcome.Bad("Source does not exist");
    }

    /// <summary>The live station a command names, or the refusal: a missing or malformed mount, or one not live.</summary>
    private AdminOutcome? LiveStation(string? mount, out StationInfo? station)
    {
        station = null;
        if (Parse(mount, "mount", out var name) is { } refused)
        {
            return refused;
        }

        station = Find(name!.Mount);
        return station is null ? AdminOutcome.Bad("Source does not exist") : null;
    }

    private static AdminOutcome? Parse(string? mount, string parameter, out StationName? station)
    {
        station = null;
        if (mount is null)
        {
            return AdminOutcome.Bad("Missing parameter: " + parameter);
        }

        return StationName.TryParse(mount, out station, out var error) ? null : AdminOutcome.Bad($"{parameter}: {MountErrorText.Describe(error)}");
    }

    private StationInfo? Find(string mount) => state.Current.Stations.FirstOrDefault(s => s.Mount == mount);

    private static StationName Name(StationInfo station) =>
        StationName.TryParse(station.Mount, out var name, out _) ? name : throw new InvalidOperationException("the directory holds only valid mounts");
}
