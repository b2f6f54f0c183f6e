namespace Broadcast.Edge;

/// <summary>
/// What <c>GET /stats</c> reports: active stations, the ring bytes allocated (and of those, mmap-ed), requests in flight
/// (listeners), resident memory, the memory governor's collections so far, the memory pool factory Kestrel resolves,
/// and the stream bytes that never reached this edge (lost) or were filled from the ingests' recent audio (bridged).
/// </summary>
internal sealed record EdgeStats(int ActiveStations, long BufferBytes, long MappedBytes, long Requests, long ResidentBytes, long GovernorCollections, string KestrelPoolFactory, long BytesLost, long BytesBridged);
