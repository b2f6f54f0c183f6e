namespace Broadcast.Edge;

/// <summary>
/// What <c>GET /stats</c> reports: active stations, the ring bytes allocated (and of those, mmap-ed), requests in flight
/// (listeners), resident memory, and the memory pool factory Kestrel resolves.
/// </summary>
internal sealed record EdgeStats(int ActiveStations, long BufferBytes, long MappedBytes, long Requests, long ResidentBytes, string KestrelPoolFactory);
