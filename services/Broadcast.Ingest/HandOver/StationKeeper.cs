using System.Collections.Concurrent;
using Broadcast.Ingest.Publishing;
using Broadcast.Ingest.Sources;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Broadcast.Ingest.HandOver;

/// <summary>
/// Keeps stations on the air across their sources (issue #13). A source joins its station's stream: a new one, the
/// one lingering here, or the one another ingest publishes (which hands it over, <see cref="StationKeeper"/>'s
/// remote part). When the last source leaves, the stream lingers with its fallback for
/// <see cref="IngestOptions.LingerSeconds"/>, then ends. Decisions about one station are taken one at a time.
/// </summary>
/// <remarks>
/// A source whose codec differs from the stream's never continues it: a player picked its decoder from the response's
/// <c>Content-Type</c>, so a lingering stream is ended (its listeners reconnect and get the new codec) and a live one
/// answers 403. The stream keeps its session id and byte clock across every hand-over, so <c>from=</c> resumes work.
/// </remarks>
internal sealed partial class StationKeeper(
    SourceRegistry registry,
    Leases.SourceDirectory directory,
    INatsConnection nats,
    FallbackPlayer fallback,
    IOptions<IngestOptions> options,
    TimeProvider time,
    ILogger<StationKeeper> logger) : IAsyncDisposable
{
    /// <summary>
    /// Decisions are serialised per station through one of these, picked by the station's hash: a fixed set, so hostile
    /// mount names cannot grow it; two stations sharing one only wait for each other's (rare, short) decisions.
    /// </summary>
    private const int GateCount = 64;

    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, GateCount).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly ConcurrentDictionary<Task, SourceSession> _background = new();

    /// <summary>Puts <paramref name="input"/> on its station's stream, or says why not.</summary>
    public async Task<Attachment> AttachAsync(StationName station, SourceInput input, CancellationToken cancellationToken)
    {
        var gate = Gate(station);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (registry.TryGet(station.SubjectToken, out var local) && await AttachLocalAsync(local, input).ConfigureAwait(false) is { } attached)
            {
                return attached;
            }

            return await StartAsync(station, input, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>After a source's connection ended: a standby source resumes, a standby elsewhere takes the stream, or it lingers.</summary>
    public async Task DetachAsync(SourceSession session, SourceInput input)
    {
        var gate = Gate(session.Station);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var current = await session.DetachAsync(input).ConfigureAwait(false);
            if (session.Role == SessionRole.Standby && !session.HasEncoders)
            {
                await EndAsync(session, "its last standby source left").ConfigureAwait(false);
                return;
            }

            if (session.Role != SessionRole.Publishing || current is not null)
            {
                if (current is not null)
                {
                    HandOverLog.Resumed(logger, session.Station.Mount);
                }

                return;
            }

            if (await OfferAsync(session).ConfigureAwait(false))
            {
                return;
            }

            var linger = options.Value.LingerSeconds;
            if (linger == 0 || session.LeaseLost)
            {
                await EndAsync(session, session.LeaseLost ? "lease lost" : "source ended").ConfigureAwait(false);
                return;
            }

            StartLinger(session, TimeSpan.FromSeconds(linger));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Admin <c>killsource</c>: closes the current source (a standby one resumes, else the fallback plays); a lingering station ends now.</summary>
    public async Task<bool> KillSourceAsync(StationName station)
    {
        var gate = Gate(station);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!registry.TryGet(station.SubjectToken, out var session) || session.Role != SessionRole.Publishing)
            {
                return false;
            }

            HandOverLog.Killed(logger, station.Mount);
            if (session.Current is { IsFallback: false } current)
            {
                current.Abort();
            }
            else
            {
                await EndAsync(session, "killed by an admin while lingering").ConfigureAwait(false);
            }

            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The station's fallback mount: the directory's (<c>/admin/fallbacks</c>, learnt with each lease renewal), else <see cref="IngestOptions.Fallbacks"/>.</summary>
    public string? FallbackMountOf(SourceSession session) =>
        session.Lease?.Fallback is { Length: > 0 } set ? set
            : options.Value.Fallbacks.TryGetValue(session.Station.Name, out var configured) ? configured : null;

    /// <summary>Ends every station at once (the ingest stops: nothing would play their fallback).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var session in _background.Values)
        {
            session.Linger?.Cancel();
            session.Standby?.Cancel();
        }

        await Task.WhenAll(_background.Keys).ConfigureAwait(false);
    }

    private async Task<Attachment?> AttachLocalAsync(SourceSession session, SourceInput input)
    {
        if (session.Role == SessionRole.Standby)
        {
            return await TakeOverAsync(session.Station, input, session).ConfigureAwait(false);
        }

        if (session.Codec != input.Codec)
        {
            if (session.HasEncoders)
            {
                return Attachment.InUse($"Mountpoint in use (its source sends {session.Metadata.ContentType})");
            }

            await EndAsync(session, $"a source with another codec ({input.Metadata.ContentType}) takes the mount").ConfigureAwait(false);
            return null;
        }

        if (session.CurrentPriority() is { } priority && priority >= input.Priority)
        {
            return Attachment.InUse();
        }

        StopLinger(session, session.Attach(input));
        Telemetry.IngestTelemetry.HandOvers.Add(1, new KeyValuePair<string, object?>("broadcast.handover", "local"));
        input.Span?.AddEvent(new System.Diagnostics.ActivityEvent("station.handover"));
        HandOverLog.TookOver(logger, session.Station.Mount, input.Priority, session.Publisher.Offset);
        return new Attachment(session);
    }

    /// <summary>A station this ingest does not publish: a new stream, or the one another ingest hands over.</summary>
    private async Task<Attachment> StartAsync(StationName station, SourceInput input, CancellationToken cancellationToken)
    {
        var metadata = input.Metadata with { SessionId = Guid.NewGuid() };
        var (session, attempt) = await LeaseAsync(station, metadata, input, replaceOwner: null, cancellationToken).ConfigureAwait(false);
        if (session is not null)
        {
            return await AdmitAsync(session, input).ConfigureAwait(false);
        }

        return attempt.Holder.Length > 0 && await TakeOverAsync(station, input, standby: null).ConfigureAwait(false) is { } taken ? taken : Attachment.InUse();
    }

    /// <summary>Under the gate: registers the session (the source limit applies) and attaches the input.</summary>
    private async Task<Attachment> AdmitAsync(SourceSession session, SourceInput input)
    {
        if (!registry.TryAdd(session, out var full))
        {
            if (session.Lease is { } lease)
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }

            session.Dispose();
            return full ? Attachment.Refused(503, "Service Unavailable", "too many sources connected") : Attachment.InUse();
        }

        session.Attach(input);
        return new Attachment(session);
    }

    /// <summary>Makes a session for <paramref name="metadata"/>'s stream and takes its lease; without the lease, the attempt says who holds it.</summary>
    private async Task<(SourceSession? Session, Leases.LeaseAttempt Attempt)> LeaseAsync(StationName station, StationMetadata metadata, SourceInput input, string? replaceOwner, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        SourceSession? session = null;
        var attempt = await directory.AcquireAsync(metadata, info => session?.Describe(info), () => OnLeaseLost(session), replaceOwner, cancellationToken).ConfigureAwait(false);
        if (attempt.Lease is null)
        {
            return (null, attempt);
        }

        var publisher = new ChunkPublisher(nats, station, metadata.SessionId, input.Codec, TimeSpan.FromMilliseconds(settings.ChunkMilliseconds), time, TimeSpan.FromSeconds(settings.TraceChunkSeconds));
        session = new SourceSession(station, metadata, input.Codec, publisher, settings.BurstBufferBytes, time, settings.OggTitleChains) { Lease = attempt.Lease };
        session.TitleStamped += attempt.Lease.Nudge;
        return (session, attempt);
    }

    /// <summary>The directory gave the mount to someone else (possible only after it lost its data): every source here ends.</summary>
    private static void OnLeaseLost(SourceSession? session)
    {
        if (session is null || session.Role != SessionRole.Publishing)
        {
            return; // handed over already: the taker replaced our token
        }

        session.LeaseLost = true;
        session.Linger?.Cancel();
        foreach (var encoder in session.Encoders())
        {
            encoder.Abort();
        }
    }

    private void StartLinger(SourceSession session, TimeSpan linger)
    {
        var stop = new CancellationTokenSource();
        session.Linger = stop;
        var player = new SourceInput(session.Codec, session.Metadata, null, "fallback", SourceInput.FallbackPriority, stop.Cancel);
        session.Attach(player);
        Track(session, LingerAsync(session, player, linger, stop));
    }

    private async Task LingerAsync(SourceSession session, SourceInput player, TimeSpan linger, CancellationTokenSource stop)
    {
        var settings = options.Value;
        var mount = FallbackMountOf(session);
        settings.FallbackFiles.TryGetValue(session.Station.Name, out var file);
        stop.CancelAfter(linger);
        HandOverLog.Lingering(logger, session.Station.Mount, (int)linger.TotalSeconds, mount ?? file ?? (settings.FallbackSilence ? "silence" : "nothing"));
        await fallback.PlayAsync(session, player, mount, file, stop.Token).ConfigureAwait(false);

        var gate = Gate(session.Station);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (session.Current == player && session.Role == SessionRole.Publishing)
            {
                await session.DetachAsync(player).ConfigureAwait(false);
                await EndAsync(session, session.LeaseLost ? "lease lost" : $"no source returned within {(int)linger.TotalSeconds} s").ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
            if (session.Linger == stop)
            {
                session.Linger = null;
            }

            stop.Dispose();
        }
    }

    /// <summary>A source took the stream: the fallback it replaced stops (the linger's loop then finds the station live).</summary>
    private static void StopLinger(SourceSession session, SourceInput? replacedFallback)
    {
        replacedFallback?.Abort();
        session.Linger?.Cancel();
    }

    /// <summary>Under the gate: publishes the end (if this ingest publishes the stream), releases the lease and frees the session.</summary>
    private async Task EndAsync(SourceSession session, string reason)
    {
        session.Linger?.Cancel();
        session.Standby?.Cancel();
        await session.EndAsync(CancellationToken.None).ConfigureAwait(false);
        registry.Remove(session);
        if (session.Lease is { } lease)
        {
            session.Lease = null;
            await lease.DisposeAsync().ConfigureAwait(false);
        }

        HandOverLog.StationEnded(logger, session.Station.Mount, reason);
        session.Dispose();
    }

    /// <summary>Keeps a linger or standby task until it ends, so disposal can stop and await it.</summary>
    private void Track(SourceSession session, Task task)
    {
        _background[task] = session;
        _ = task.ContinueWith(done => _background.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private SemaphoreSlim Gate(StationName station) => _gates[(int)((uint)StringComparer.Ordinal.GetHashCode(station.SubjectToken) % GateCount)];
}
