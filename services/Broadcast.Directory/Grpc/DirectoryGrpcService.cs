using Broadcast.Directory.Store;
using Broadcast.Directory.Watching;
using Broadcast.Directory.V1;
using Broadcast.Shared.Stations;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Broadcast.Directory.Grpc;

/// <summary>The directory contract (protos/broadcast/directory/v1) over <see cref="DirectoryStore"/>.</summary>
internal sealed class DirectoryGrpcService(DirectoryStore store, DirectoryState state, IOptions<DirectoryOptions> options) : V1.Directory.DirectoryBase
{
    public override async Task<CheckSourceReply> CheckSource(CheckSourceRequest request, ServerCallContext context)
    {
        var mount = Mount(request.Mount);
        var provisioned = await store.GetProvisionedAsync(mount).ConfigureAwait(false);
        var verdict = provisioned is null ? CheckSourceReply.Types.Verdict.AllowedUnprovisioned
            : PasswordHash.Verify(request.Password, provisioned.PasswordHash) ? CheckSourceReply.Types.Verdict.Allowed
            : CheckSourceReply.Types.Verdict.Denied;
        return new CheckSourceReply { Verdict = verdict };
    }

    public override Task<LeaseReply> AcquireLease(AcquireLeaseRequest request, ServerCallContext context) =>
        LeaseAsync(request.Station, request.Owner, request.TtlMilliseconds, request.ReplaceOwner);

    public override Task<LeaseReply> RenewLease(RenewLeaseRequest request, ServerCallContext context)
    {
        var station = request.Station ?? throw Invalid("station is required");
        if (station.Mount != request.Mount)
        {
            throw Invalid("station.mount differs from mount");
        }

        if (request.NowPlaying.Length > 0)
        {
            station.NowPlaying = request.NowPlaying;
        }

        return LeaseAsync(station, request.Owner, request.TtlMilliseconds);
    }

    public override async Task<ReleaseLeaseReply> ReleaseLease(ReleaseLeaseRequest request, ServerCallContext context)
    {
        var released = await store.ReleaseAsync(Mount(request.Mount), Owner(request.Owner)).ConfigureAwait(false);
        state.Poke();
        return new ReleaseLeaseReply { Released = released };
    }

    public override async Task<EdgeReportReply> ReportEdge(EdgeReport request, ServerCallContext context)
    {
        if (request.EdgeId.Length is 0 or > 200 || !Uri.TryCreate(request.Address, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw Invalid("edge_id (1-200 characters) and an absolute http(s) address are required");
        }

        await store.ReportEdgeAsync(request, Ttl(request.TtlMilliseconds)).ConfigureAwait(false);
        state.Poke();
        return new EdgeReportReply();
    }

    public override async Task<RemoveEdgeReply> RemoveEdge(RemoveEdgeRequest request, ServerCallContext context)
    {
        await store.RemoveEdgeAsync(request.EdgeId).ConfigureAwait(false);
        state.Poke();
        return new RemoveEdgeReply();
    }

    public override Task<ListStationsReply> ListStations(ListStationsRequest request, ServerCallContext context)
    {
        var reply = new ListStationsReply();
        reply.Stations.AddRange(Live().Stations);
        return Task.FromResult(reply);
    }

    public override Task<ListEdgesReply> ListEdges(ListEdgesRequest request, ServerCallContext context)
    {
        var reply = new ListEdgesReply();
        reply.Edges.AddRange(Live().Edges);
        return Task.FromResult(reply);
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<DirectorySnapshot> responseStream, ServerCallContext context)
    {
        var cancelled = context.CancellationToken;
        while (!cancelled.IsCancellationRequested)
        {
            var changed = state.Changed; // taken before reading, so a change in between is not missed
            if (state.Available)
            {
                await responseStream.WriteAsync(state.Current, cancelled).ConfigureAwait(false);
            }

            await changed.WaitAsync(cancelled).ConfigureAwait(false);
        }
    }

    private async Task<LeaseReply> LeaseAsync(StationInfo? station, string owner, int ttlMilliseconds, string replaceOwner = "")
    {
        if (station is null)
        {
            throw Invalid("station is required");
        }

        station.Mount = Mount(station.Mount);
        var holder = await store.AcquireAsync(station, Owner(owner), Ttl(ttlMilliseconds), replaceOwner).ConfigureAwait(false);
        state.Poke();
        if (holder is not null)
        {
            return new LeaseReply { Held = false, HolderIngest = IngestOf(holder), Holder = holder };
        }

        // The holder learns the station's fallback with every renewal, so a change reaches it within a third of the TTL.
        var fallback = await store.GetFallbackAsync(station.Mount).ConfigureAwait(false);
        return new LeaseReply { Held = true, FallbackMount = fallback ?? string.Empty };
    }

    private DirectorySnapshot Live() =>
        state.Available ? state.Current : throw new RpcException(new Status(StatusCode.Unavailable, RedisUnavailableInterceptor.Message));

    private TimeSpan Ttl(int milliseconds) => TimeSpan.FromMilliseconds(Math.Clamp(milliseconds <= 0 ? 10_000 : milliseconds, 1000, options.Value.MaxTtlMilliseconds));

    /// <summary>The canonical mount (<c>/name.ext</c>), or InvalidArgument for anything StationName refuses.</summary>
    private static string Mount(string mount) =>
        StationName.TryParse(mount, out var station, out var error) ? station.Mount : throw Invalid("mount: " + MountErrorText.Describe(error));

    private static string Owner(string owner) => owner.Length is > 0 and <= 200 ? owner : throw Invalid("owner (1-200 characters) is required");

    /// <summary>Owners are <c>ingest-id/session</c>; the ingest part tells an operator where the mount is taken.</summary>
    private static string IngestOf(string owner) => owner.Split('/')[0];

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
