using Broadcast.Directory.V1;

namespace Broadcast.Gateway.Listeners;

/// <summary>
/// The live stations as the directory's watch last reported them, for what the gateway answers itself (playlists).
/// Empty without a directory: then playlists are made for any well-formed mount, as there is nothing to check against.
/// </summary>
internal sealed class StationCatalog
{
    private IReadOnlyList<StationInfo> _stations = [];

    /// <summary>True once a directory feeds this catalog.</summary>
    public bool Known { get; private set; }

    public IReadOnlyList<StationInfo> Stations => Volatile.Read(ref _stations);

    public void Update(IEnumerable<StationInfo> stations)
    {
        Volatile.Write(ref _stations, [.. stations.OrderBy(s => s.Mount, StringComparer.Ordinal)]);
        Known = true;
    }
}
