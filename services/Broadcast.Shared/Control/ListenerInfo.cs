namespace Broadcast.Shared.Control;

/// <summary>
/// One listener as Icecast's <c>listclients</c> shows it, and the edge that holds it. The id is unique across the
/// cluster (each edge numbers from its own random base); the address is the client's (behind trusted proxies, the
/// one they forwarded).
/// </summary>
public sealed record ListenerInfo(long Id, string Mount, string Address, string UserAgent, long ConnectedSeconds, string Edge);
