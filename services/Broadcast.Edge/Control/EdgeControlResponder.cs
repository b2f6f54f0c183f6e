using Broadcast.Edge.Listeners;
using Broadcast.Edge.Stations;
using Broadcast.Shared.Control;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using NATS.Client.Core;

namespace Broadcast.Edge.Control;

/// <summary>
/// Admin commands for the listeners on this edge (issue #13), from the directory over NATS
/// (<see cref="Subjects.EdgeControl"/>): every edge answers every command, with what it did (possibly nothing), so the
/// directory knows when it has heard from all of them. <c>listclients</c> lists a mount's listeners (all without a
/// mount), <c>killclient</c> ends one by id, <c>moveclients</c> moves a mount's listeners to another on their connections.
/// </summary>
internal sealed partial class EdgeControlResponder(
    INatsConnection nats,
    ListenerDirectory listeners,
    StationFeedRegistry registry,
    EdgeIdentity identity,
    TimeProvider time,
    ILogger<EdgeControlResponder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in nats.SubscribeAsync<ReadOnlyMemory<byte>>(Subjects.EdgeControl, cancellationToken: stoppingToken).ConfigureAwait(false))
        {
            var reply = ControlJson.ReadRequest(message.Data.Span) is { } request ? await HandleAsync(request, stoppingToken).ConfigureAwait(false) : Refuse("malformed command");
            await message.ReplyAsync<ReadOnlyMemory<byte>>(ControlJson.Write(reply with { From = identity.Id }), cancellationToken: stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task<ControlReply> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        switch (request.Op)
        {
            case "listclients":
                return new ControlReply { Ok = true, Listeners = [.. listeners.Of(request.Mount).Select(Describe)] };
            case "killclient":
                if (!listeners.TryGet(request.Id, out var listener) || listener is null || (request.Mount is { } mount && listener.Feed.Station.Mount != mount))
                {
                    return new ControlReply { Ok = true, Listeners = [] };
                }

                ControlLog.Killed(logger, listener.Id, listener.Feed.Station.Mount, listener.Address);
                listener.Kill();
                return new ControlReply { Ok = true, Listeners = [Describe(listener)] };
            case "moveclients":
                return await MoveAsync(request, cancellationToken).ConfigureAwait(false);
            default:
                return Refuse("unknown command");
        }
    }

    /// <summary>
    /// Acquires the destination's feed once per moved listener (each holds it like a listener who joined) and asks
    /// each listener's loop to switch; a destination that is not live, or in another codec, moves nobody.
    /// </summary>
    private async Task<ControlReply> MoveAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        if (request.Mount is null || !StationName.TryParse(request.Destination ?? string.Empty, out var destination, out _))
        {
            return Refuse("mount and destination are required");
        }

        var moving = listeners.Of(request.Mount).ToArray();
        var moved = new List<ListenerInfo>();
        foreach (var listener in moving)
        {
            var feed = await registry.AcquireAsync(destination, cancellationToken).ConfigureAwait(false);
            if (feed is null)
            {
                return new ControlReply { Ok = moved.Count > 0, Message = $"{destination.Mount} is not live", Listeners = moved };
            }

            if (feed.Metadata.ContentType != listener.Feed.Metadata.ContentType || !listener.RequestMove(feed))
            {
                registry.Release(feed);
                continue;
            }

            moved.Add(Describe(listener));
        }

        return new ControlReply { Ok = true, Listeners = moved };
    }

    private ListenerInfo Describe(ListenerSession listener) =>
        new(listener.Id, listener.Feed.Station.Mount, listener.Address, listener.UserAgent, (long)time.GetElapsedTime(listener.Joined).TotalSeconds, identity.Id);

    private static ControlReply Refuse(string message) => new() { Ok = false, Message = message };
}
