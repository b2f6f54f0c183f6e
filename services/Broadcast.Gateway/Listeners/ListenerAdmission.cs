using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Broadcast.Gateway.Listeners;

/// <summary>
/// Paces new listener streams (and listeners continued on another edge) at <see cref="GatewayOptions.AdmitPerSecond"/>:
/// a token bucket refilled ten times a second, with a burst of half a second's worth, and a queue of five seconds' worth
/// served oldest first. A reconnect storm (every player of a station retrying at once after an outage) is thus let in
/// over seconds instead of at once, and whoever is already listening keeps the CPU it needs. Past the queue, a new
/// listener gets 503 with <c>Retry-After</c>; a continued one goes ahead anyway (it is no new load, only a new edge).
/// </summary>
internal sealed class ListenerAdmission : IDisposable
{
    private readonly TokenBucketRateLimiter? _bucket;

    public ListenerAdmission(IOptions<GatewayOptions> options)
    {
        var perSecond = options.Value.AdmitPerSecond;
        if (perSecond > 0)
        {
            _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, perSecond / 2),
                TokensPerPeriod = Math.Max(1, perSecond / 10),
                ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                QueueLimit = perSecond * 5,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
    }

    /// <summary>Waits for a place; false when the queue is full (or the listener left while waiting).</summary>
    public async ValueTask<bool> EnterAsync(CancellationToken cancellationToken)
    {
        if (_bucket is null)
        {
            return true;
        }

        try
        {
            using var lease = await _bucket.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
            return lease.IsAcquired;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _bucket?.Dispose();
}
