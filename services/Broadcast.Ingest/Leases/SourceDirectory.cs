using Broadcast.Directory.V1;
using Broadcast.Shared.Stations;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using DirectoryClient = Broadcast.Directory.V1.Directory.DirectoryClient;

namespace Broadcast.Ingest.Leases;

/// <summary>
/// The ingest's side of the directory: provisioned credentials and the cluster-wide source lease. Without
/// <c>Ingest:DirectoryUrl</c> everything is local (the quick start). When the directory cannot answer, streaming
/// goes on: credentials fall back to the configured passwords and a new source is accepted on a local lease that
/// its renewal loop turns into a real one once the directory is back.
/// </summary>
internal sealed partial class SourceDirectory(IOptions<IngestOptions> options, INatsConnection nats, ILogger<SourceDirectory> logger, DirectoryClient? client = null)
{
    /// <summary>How long a holder's ingest has to say it is alive; NATS answers "no responders" at once for a dead one.</summary>
    private static readonly TimeSpan AliveTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>The directory's verdict on these credentials; null when there is no directory or it cannot answer.</summary>
    public async Task<CheckSourceReply.Types.Verdict?> CheckSourceAsync(StationName station, string user, string password, CancellationToken cancellationToken)
    {
        if (client is null)
        {
            return null;
        }

        try
        {
            var reply = await client.CheckSourceAsync(new CheckSourceRequest { Mount = station.Mount, User = user, Password = password }, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return reply.Verdict;
        }
        catch (RpcException exception) when (exception.StatusCode != StatusCode.Cancelled)
        {
            DirectoryUnavailable(logger, "credentials", station.Mount, exception.Status.Detail);
            return null;
        }
    }

    /// <summary>
    /// Takes the mount's lease for the stream <paramref name="metadata"/> names. Without a lease, the attempt says who
    /// holds the mount (a live ingest: ask it to hand over, <see cref="HandOver.StationKeeper"/>); otherwise the lease
    /// renews itself until disposed (then released), filling in the station's record with <paramref name="describe"/>
    /// before each renewal, and calls <paramref name="lost"/> if the directory ever reports the mount held by someone
    /// else. With <paramref name="replaceOwner"/>, only that holder is replaced (a stream handed over to this ingest).
    /// </summary>
    public async Task<LeaseAttempt> AcquireAsync(StationMetadata metadata, Action<StationInfo> describe, Action lost, string? replaceOwner, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var station = Describe(metadata, settings.IngestId);
        var owner = settings.IngestId + "/" + metadata.SessionId.ToString("N");
        if (client is null)
        {
            return new LeaseAttempt(new SourceLease(this, station, owner, describe, lost, held: true), string.Empty, string.Empty);
        }

        try
        {
            var request = new AcquireLeaseRequest { Station = station, Owner = owner, TtlMilliseconds = settings.LeaseTtlMilliseconds, ReplaceOwner = replaceOwner ?? string.Empty };
            var reply = await client.AcquireLeaseAsync(request, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!reply.Held && replaceOwner is null && reply.Holder.Length > 0 && await IsGoneAsync(reply.HolderIngest, cancellationToken).ConfigureAwait(false))
            {
                // The lease names a dead ingest (or an earlier session here): its encoder, reconnecting, takes the mount
                // back at once instead of waiting out the TTL. Only that exact holder is replaced (compare-and-set).
                LeaseTakenOver(logger, metadata.Mount, reply.HolderIngest);
                request.ReplaceOwner = reply.Holder;
                reply = await client.AcquireLeaseAsync(request, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            if (!reply.Held)
            {
                MountTaken(logger, metadata.Mount, reply.HolderIngest);
                return new LeaseAttempt(null, reply.Holder, reply.HolderIngest);
            }

            return new LeaseAttempt(new SourceLease(this, station, owner, describe, lost, held: true, reply.FallbackMount), string.Empty, string.Empty);
        }
        catch (RpcException exception) when (exception.StatusCode != StatusCode.Cancelled)
        {
            DirectoryUnavailable(logger, "lease", metadata.Mount, exception.Status.Detail);
            return new LeaseAttempt(new SourceLease(this, station, owner, describe, lost, held: false), string.Empty, string.Empty);
        }
    }

    /// <summary>
    /// True when the holder's ingest is gone: this ingest itself (it runs one source per mount, and this new one is it),
    /// or an ingest that no longer answers on NATS. A slow answer counts as alive: a take-over must never be a guess.
    /// </summary>
    private async Task<bool> IsGoneAsync(string holderIngest, CancellationToken cancellationToken)
    {
        if (holderIngest == options.Value.IngestId)
        {
            return true;
        }

        try
        {
            await nats.RequestAsync<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(Broadcast.Shared.Messaging.Subjects.IngestAlive(holderIngest), default, replyOpts: new NatsSubOpts { Timeout = AliveTimeout }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (NatsNoRespondersException)
        {
            return true;
        }
        catch (Exception exception) when (exception is NatsNoReplyException or TimeoutException or NatsException)
        {
            return false;
        }
    }

    /// <summary>One renewal: true held (with the station's fallback mount), false someone else holds it, null no answer.</summary>
    internal async Task<(bool? Held, string Fallback)> RenewAsync(StationInfo station, string owner, string? nowPlaying, CancellationToken cancellationToken)
    {
        try
        {
            var request = new RenewLeaseRequest { Mount = station.Mount, Owner = owner, Station = station, TtlMilliseconds = options.Value.LeaseTtlMilliseconds, NowPlaying = nowPlaying ?? string.Empty };
            var reply = await client!.RenewLeaseAsync(request, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return (reply.Held, reply.FallbackMount);
        }
        catch (RpcException exception) when (exception.StatusCode != StatusCode.Cancelled)
        {
            DirectoryUnavailable(logger, "renewal", station.Mount, exception.Status.Detail);
            return (null, string.Empty);
        }
    }

    internal async Task ReleaseAsync(StationInfo station, string owner)
    {
        try
        {
            await client!.ReleaseLeaseAsync(new ReleaseLeaseRequest { Mount = station.Mount, Owner = owner }, deadline: Deadline()).ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            DirectoryUnavailable(logger, "release", station.Mount, exception.Status.Detail); // the lease's TTL ends it instead
        }
    }

    internal TimeSpan RenewEvery => TimeSpan.FromMilliseconds(options.Value.LeaseTtlMilliseconds / 3.0);

    internal bool HasClient => client is not null;

    internal void LogLost(string mount, string reason) => LeaseLost(logger, mount, reason);

    private static StationInfo Describe(StationMetadata metadata, string ingestId) => new()
    {
        Mount = metadata.Mount,
        Name = metadata.Name ?? string.Empty,
        Description = metadata.Description ?? string.Empty,
        Genre = metadata.Genre ?? string.Empty,
        Url = metadata.Url ?? string.Empty,
        Public = metadata.Public,
        Bitrate = metadata.Bitrate,
        SampleRate = metadata.SampleRate,
        Channels = metadata.Channels,
        ContentType = metadata.ContentType,
        AudioInfo = Sources.SourceMetadataReader.AudioInfo(metadata),
        Started = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        SessionId = metadata.SessionId.ToString("N"),
        IngestId = ingestId,
    };

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(2);

    [LoggerMessage(1110, LogLevel.Warning, "Directory did not answer ({What}) for {Mount}: {Reason}; continuing locally")]
    private static partial void DirectoryUnavailable(ILogger logger, string what, string mount, string reason);

    [LoggerMessage(1111, LogLevel.Information, "Source refused on {Mount}: the mount is live on ingest {Holder}")]
    private static partial void MountTaken(ILogger logger, string mount, string holder);

    [LoggerMessage(1113, LogLevel.Information, "Source on {Mount} takes the mount back: its lease named ingest {Holder}, which is gone")]
    private static partial void LeaseTakenOver(ILogger logger, string mount, string holder);

    [LoggerMessage(1112, LogLevel.Warning, "Lease on {Mount} lost: {Reason}; ending this source")]
    private static partial void LeaseLost(ILogger logger, string mount, string reason);
}
