namespace Broadcast.Edge;

/// <summary>What <c>GET /stats</c> reports: active stations and the ring bytes they hold.</summary>
internal sealed record EdgeStats(int ActiveStations, long BufferBytes);
