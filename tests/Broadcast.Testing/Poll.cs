namespace Broadcast.Testing;

/// <summary>Waits for a condition with a deadline. Every wait in a test has a timeout; none sleeps "to let things settle".</summary>
public static class Poll
{
    /// <summary>Polling interval: short against the multi-second timeouts the tests use.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) => UntilAsync(condition, timeout, () => what);

    /// <summary>As above, with the description made when the wait times out (so that it can tell what was last seen).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        using var limit = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException)
            {
                // not up yet
            }

            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what()}");
            }

            await Task.Delay(Interval, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
