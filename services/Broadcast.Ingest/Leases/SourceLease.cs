using Broadcast.Directory.V1;

namespace Broadcast.Ingest.Leases;

/// <summary>
/// A source's hold on its mount: renewed every third of its TTL while the source streams (each renewal carries the
/// current title), released (compare-and-delete) when it ends. A renewal the directory cannot answer changes nothing
/// (the source streams on); one that finds the mount held by another source, possible only after the directory lost
/// its data, ends this source.
/// </summary>
internal sealed class SourceLease : IAsyncDisposable
{
    private readonly SourceDirectory _directory;
    private readonly StationInfo _station;
    private readonly string _owner;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;
    private readonly Action<StationInfo> _describe;
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private bool _held;
    private int _stopped;

    public SourceLease(SourceDirectory directory, StationInfo station, string owner, Action<StationInfo> describe, Action lost, bool held, string fallback = "")
    {
        Fallback = fallback;
        _describe = describe;
        _directory = directory;
        _station = station;
        _owner = owner;
        _held = held;
        _renewing = directory.HasClient ? RenewAsync(lost, _stop.Token) : Task.CompletedTask;
    }

    /// <summary>This lease's token in the directory (<c>ingest-id/session</c>): a taker replaces exactly it.</summary>
    public string Owner => _owner;

    /// <summary>The station's fallback mount as the directory last said (<c>/admin/fallbacks</c>); empty: none set there.</summary>
    public string Fallback { get; private set; }

    /// <summary>Renews now instead of at the next third of the TTL (a new title should reach now-playing at once).</summary>
    public void Nudge()
    {
        try
        {
            _nudge.Release();
        }
        catch (SemaphoreFullException)
        {
            // a renewal is already due
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (await StopAsync().ConfigureAwait(false) && _directory.HasClient)
        {
            await _directory.ReleaseAsync(_station, _owner).ConfigureAwait(false);
        }
    }

    /// <summary>Stops renewing without releasing: the stream went to another ingest, which replaces this token.</summary>
    public async ValueTask AbandonAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Stops the renewals; true for the first caller.</summary>
    private async ValueTask<bool> StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return false;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(false);
        _stop.Dispose();
        _nudge.Dispose();
        return true;
    }

    private async Task RenewAsync(Action lost, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await _nudge.WaitAsync(_directory.RenewEvery, stop).ConfigureAwait(false);
                _describe(_station);
                var (held, fallback) = await _directory.RenewAsync(_station, _owner, _station.NowPlaying, stop).ConfigureAwait(false);
                Telemetry.IngestTelemetry.LeaseRenewals.Add(1, new KeyValuePair<string, object?>("broadcast.result", held switch { true => "held", false => "lost", null => "unavailable" }));
                if (held == true)
                {
                    Fallback = fallback;
                }

                if (held == false)
                {
                    _directory.LogLost(_station.Mount, _held ? "another source took the mount" : "another source holds the mount");
                    lost();
                    return;
                }

                _held |= held == true;
            }
        }
        catch (OperationCanceledException)
        {
            // the source ended
        }
    }
}
