namespace Broadcast.Testing;

/// <summary>Waits for a condition with a deadline. Every wait in a test has a timeout; none sleeps "to let things settle".</summary>
public static class Poll
{
    /// <summary>Polling interval: short against the multi-second timeouts the tests use.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
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
                throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            }

            await Task.Delay(Interval, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
