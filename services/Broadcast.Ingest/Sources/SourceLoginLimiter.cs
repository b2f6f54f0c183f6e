namespace Broadcast.Ingest.Sources;

/// <summary>
/// Failed source logins per client address: after <see cref="IngestOptions.LoginFailuresPerAddress"/> wrong passwords
/// within <see cref="IngestOptions.LoginFailureWindowSeconds"/>, that address is refused (429 with Retry-After) until
/// its window ends, whatever it sends; other addresses, the right password among them, are untouched. Bounded: at
/// most <see cref="MaxAddresses"/> addresses are tracked, expired ones are dropped first, and when every slot is
/// current a new address is simply not tracked (a flood from many addresses costs memory no more than this).
/// </summary>
internal sealed class SourceLoginLimiter(Microsoft.Extensions.Options.IOptions<IngestOptions> options, TimeProvider time)
{
    internal const int MaxAddresses = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Failures, long WindowStart)> _addresses = new(StringComparer.Ordinal);

    /// <summary>How long the address must wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(string? address)
    {
        if (address is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (!_addresses.TryGetValue(address, out var entry))
            {
                return null;
            }

            var left = Window - time.GetElapsedTime(entry.WindowStart);
            if (left <= TimeSpan.Zero)
            {
                _addresses.Remove(address);
                return null;
            }

            return entry.Failures >= options.Value.LoginFailuresPerAddress ? left : null;
        }
    }

    /// <summary>Counts a wrong password from the address.</summary>
    public void Failed(string? address)
    {
        if (address is null)
        {
            return;
        }

        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_addresses.TryGetValue(address, out var entry) && time.GetElapsedTime(entry.WindowStart, now) < Window)
            {
                _addresses[address] = (entry.Failures + 1, entry.WindowStart);
                return;
            }

            if (_addresses.Count >= MaxAddresses && !_addresses.ContainsKey(address))
            {
                foreach (var (key, value) in _addresses)
                {
                    if (time.GetElapsedTime(value.WindowStart, now) >= Window)
                    {
                        _addresses.Remove(key);
                    }
                }

                if (_addresses.Count >= MaxAddresses)
                {
                    return;
                }
            }

            _addresses[address] = (1, now);
        }
    }

    /// <summary>A right password clears the address's count.</summary>
    public void Succeeded(string? address)
    {
        if (address is null)
        {
            return;
        }

        lock (_gate)
        {
            _addresses.Remove(address);
        }
    }

    private TimeSpan Window => TimeSpan.FromSeconds(options.Value.LoginFailureWindowSeconds);
}
