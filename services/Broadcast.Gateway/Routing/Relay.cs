using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Broadcast.Gateway.Routing;

/// <summary>One listener's relay: which edge serves it now (counted in <see cref="EdgeLoads"/>), what it got, why it ended.</summary>
internal sealed class Relay(ListenerExchange listener, ClusterState cluster, string mount, long started, bool failover)
{
    public ListenerExchange Listener { get; } = listener;

    public ClusterState Cluster { get; } = cluster;

    public string Mount { get; } = mount;

    public long Started { get; } = started;

    /// <summary>Whether the stream may go on from another edge (a listener stream, and <see cref="GatewayOptions.Failover"/>).</summary>
    public bool Failover { get; } = failover;

    public string? EdgeId { get; private set; }

    public Uri? Edge { get; private set; }

    public long Bytes { get; set; }

    public int Failovers { get; set; }

    public string Reason { get; set; } = "refused";

    private CancellationTokenSource? _stream;

    /// <summary>
    /// Each destination's address parsed once, for as long as its config lives (a new config when the edge's address
    /// changes): a <see cref="Uri"/> per listener was ~150 bytes held for every listener on the gateway.
    /// </summary>
    private static readonly ConditionalWeakTable<DestinationConfig, Uri> Addresses = new();

    /// <summary>When the current edge's stream last gave bytes (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastData { get; set; }

    /// <summary>True while a stream from an edge is being copied.</summary>
    public bool Streaming => Volatile.Read(ref _stream) is not null;

    /// <summary>Set when <see cref="StallWatchdog"/> ended the stream because its edge no longer answers.</summary>
    public bool Stalled { get; private set; }

    public void BeginStream(CancellationTokenSource stream, long now)
    {
        (LastData, Stalled) = (now, false);
        Volatile.Write(ref _stream, stream);
    }

    public void EndStream() => Volatile.Write(ref _stream, null);

    /// <summary>Ends the current edge's stream (the watchdog's verdict); the relay then goes on elsewhere.</summary>
    public void EndStalled() => End(stalled: true);

    /// <summary>Ends the current edge's stream after it sent nothing for the activity timeout (the watchdog's pass).</summary>
    public void EndSilent() => End(stalled: false);

    private void End(bool stalled)
    {
        if (Volatile.Read(ref _stream) is { } stream)
        {
            Stalled = stalled;
            try
            {
                stream.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the stream ended meanwhile
            }
        }
    }

    /// <summary>Moves the relay's count to <paramref name="destination"/>.</summary>
    public void Enter(EdgeLoads loads, DestinationState destination)
    {
        Leave(loads);
        EdgeId = destination.DestinationId;
        Edge = Addresses.GetValue(destination.Model.Config, static config => new Uri(config.Address));
        loads.Enter(EdgeId);
    }

    public void Leave(EdgeLoads loads)
    {
        if (EdgeId is not null)
        {
            loads.Leave(EdgeId);
            EdgeId = null;
        }
    }
}

internal static partial class GatewayLog
{
    [LoggerMessage(5100, LogLevel.Information, "Listener on {Mount} failed over from edge {Edge} at offset {Offset}: {Outcome}")]
    public static partial void FailedOver(ILogger logger, string mount, string edge, long offset, string outcome);

    [LoggerMessage(5101, LogLevel.Warning, "Listener on {Mount} lost its edge at offset {Offset} and no other edge could continue it")]
    public static partial void NoEdgeToFailOver(ILogger logger, string mount, long offset);
}
