using Broadcast.Ingest.Sources;
using Broadcast.ServiceDefaults.Control;
using Broadcast.Shared.Control;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;

namespace Broadcast.Ingest.HandOver;

/// <summary>
/// Hand-overs between ingests, over NATS request/reply. A source arriving here for a station another ingest publishes
/// asks it to <c>takeover</c> (on the station's source-control subject): the holder stops at a frame boundary and
/// replies with the <see cref="StreamState"/>, and this ingest replaces exactly its lease token and continues the
/// stream. A station whose last source leaves first <c>offer</c>s the stream to a standby source elsewhere (on the
/// station's standby subject, subscribed only while one waits).
/// </summary>
internal sealed partial class StationKeeper
{
    /// <summary>How long a holder has to answer a take-over: it only flushes a chunk, but the directory call after it may take a second.</summary>
    private static readonly TimeSpan HandOverTimeout = TimeSpan.FromSeconds(2);

    /// <summary>At the holder: gives the stream to a source on another ingest, if that source may take it.</summary>
    public async Task<ControlReply> HandleTakeOverAsync(StationName station, ControlRequest request)
    {
        var gate = Gate(station);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!registry.TryGet(station.SubjectToken, out var session) || session.Role != SessionRole.Publishing)
            {
                return new ControlReply { Ok = false, Message = "not published here" };
            }

            if (session.CurrentPriority() is { } priority && priority >= request.Priority)
            {
                return new ControlReply { Ok = false, Message = "Mountpoint in use" };
            }

            if (SourceCodecs.FromContentType(request.ContentType ?? string.Empty) != session.Codec)
            {
                if (session.HasEncoders)
                {
                    return new ControlReply { Ok = false, Message = $"Mountpoint in use (its source sends {session.Metadata.ContentType})" };
                }

                await EndAsync(session, "a source with another codec takes the mount on another ingest").ConfigureAwait(false);
                return new ControlReply { Ok = true }; // no state: the taker starts a new stream
            }

            var state = await GiveAwayAsync(session).ConfigureAwait(false);
            return new ControlReply { Ok = true, State = state };
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>At the taker: asks the station's holder for its stream and continues it; null when nobody answered.</summary>
    private async Task<Attachment?> TakeOverAsync(StationName station, SourceInput input, SourceSession? standby)
    {
        var request = new ControlRequest { Op = "takeover", Mount = station.Mount, Priority = input.Priority, ContentType = input.Metadata.ContentType };
        var reply = await RequestAsync(Subjects.SourceControl(station), request).ConfigureAwait(false);
        if (reply is null || !reply.Ok)
        {
            return reply is null ? null : Attachment.InUse(reply.Message ?? "Mountpoint in use");
        }

        if (reply.State is not { } state)
        {
            // The holder ended its stream (another codec): this source starts a new one.
            var (fresh, _) = await LeaseAsync(station, input.Metadata with { SessionId = Guid.NewGuid() }, input, replaceOwner: null, CancellationToken.None).ConfigureAwait(false);
            return fresh is null ? Attachment.InUse() : await AdmitAsync(fresh, input).ConfigureAwait(false);
        }

        if (standby is not null && standby.SessionId == state.SessionId)
        {
            if (!await LeaseStandbyAsync(standby, state).ConfigureAwait(false))
            {
                return Attachment.InUse();
            }

            standby.Continue(state);
            standby.Attach(input);
            HandOverLog.TookOver(logger, station.Mount, input.Priority, state.Offset);
            return new Attachment(standby);
        }

        var (session, _) = await LeaseAsync(station, input.Metadata with { SessionId = state.SessionId }, input, replaceOwner: state.Holder, CancellationToken.None).ConfigureAwait(false);
        if (session is null)
        {
            HandOverLog.HandOverFailed(logger, station.Mount, "the directory refused the handed-over lease");
            return Attachment.InUse();
        }

        session.Continue(state);
        Telemetry.IngestTelemetry.HandOvers.Add(1, new KeyValuePair<string, object?>("broadcast.handover", "ingest"));
        input.Span?.AddEvent(new System.Diagnostics.ActivityEvent("station.handover", tags: new System.Diagnostics.ActivityTagsCollection { ["broadcast.handover.from"] = state.Holder, ["broadcast.chunk.offset"] = state.Offset }));
        HandOverLog.TookOver(logger, station.Mount, input.Priority, state.Offset);
        return await AdmitAsync(session, input).ConfigureAwait(false);
    }

    /// <summary>At the giver, when its last source left: true when a standby source elsewhere took the stream.</summary>
    private async Task<bool> OfferAsync(SourceSession session)
    {
        var lease = session.Lease;
        var state = await session.HandOffAsync(lease?.Owner ?? string.Empty).ConfigureAwait(false);
        var reply = await RequestAsync(Subjects.Standby(session.Station), new ControlRequest { Op = "offer", Mount = session.Station.Mount, State = state }).ConfigureAwait(false);
        if (reply?.Ok != true)
        {
            session.Continue(state); // nobody waits elsewhere: it stays here and lingers
            return false;
        }

        session.Lease = null;
        if (lease is not null)
        {
            await lease.AbandonAsync().ConfigureAwait(false);
        }

        registry.Remove(session);
        HandOverLog.HandedOff(logger, session.Station.Mount, state.Offset);
        return true;
    }

    /// <summary>Under the gate, at the holder: stops publishing and gives up the lease (without releasing: the taker replaces it).</summary>
    private async Task<StreamState> GiveAwayAsync(SourceSession session)
    {
        session.Linger?.Cancel();
        var lease = session.Lease;
        var state = await session.HandOffAsync(lease?.Owner ?? string.Empty).ConfigureAwait(false);
        session.Lease = null;
        if (lease is not null)
        {
            await lease.AbandonAsync().ConfigureAwait(false);
        }

        if (session.Role == SessionRole.Standby)
        {
            var stop = new CancellationTokenSource();
            session.Standby = stop;
            Track(session, ServeStandbyAsync(session, stop));
        }
        else
        {
            registry.Remove(session);
        }

        HandOverLog.HandedOff(logger, session.Station.Mount, state.Offset);
        return state;
    }

    /// <summary>While encoders wait here for a stream another ingest publishes: answers its offer when its sources leave.</summary>
    private async Task ServeStandbyAsync(SourceSession session, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var message in nats.SubscribeAsync<ReadOnlyMemory<byte>>(Subjects.Standby(session.Station), cancellationToken: stop.Token).ConfigureAwait(false))
            {
                var request = ControlJson.ReadRequest(message.Data.Span);
                var taken = request?.State is { } state && await TakeOfferAsync(session, state).ConfigureAwait(false);
                await message.ReplyAsync<ReadOnlyMemory<byte>>(ControlJson.Write(new ControlReply { Ok = taken, From = options.Value.IngestId }), cancellationToken: stop.Token).ConfigureAwait(false);
                if (taken)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the session publishes again, or is over
        }
        finally
        {
            if (session.Standby == stop)
            {
                session.Standby = null;
            }

            stop.Dispose();
        }
    }

    private async Task<bool> TakeOfferAsync(SourceSession session, StreamState state)
    {
        var gate = Gate(session.Station);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (session.Role != SessionRole.Standby || state.SessionId != session.SessionId || !await LeaseStandbyAsync(session, state).ConfigureAwait(false))
            {
                return false;
            }

            if (!await session.ContinueAsync(state).ConfigureAwait(false))
            {
                await EndAsync(session, "no standby source left to resume").ConfigureAwait(false);
                return false;
            }

            HandOverLog.Resumed(logger, session.Station.Mount);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A standby session takes the lease the giver held (compare-and-set on its token).</summary>
    private async Task<bool> LeaseStandbyAsync(SourceSession session, StreamState state)
    {
        var attempt = await directory.AcquireAsync(session.Metadata, session.Describe, () => OnLeaseLost(session), state.Holder, CancellationToken.None).ConfigureAwait(false);
        if (attempt.Lease is null)
        {
            HandOverLog.HandOverFailed(logger, session.Station.Mount, "the directory refused the handed-over lease");
            return false;
        }

        session.Lease = attempt.Lease;
        session.TitleStamped += attempt.Lease.Nudge;
        return true;
    }

    private Task<ControlReply?> RequestAsync(string subject, ControlRequest request) => nats.RequestControlAsync(subject, request, HandOverTimeout);
}
