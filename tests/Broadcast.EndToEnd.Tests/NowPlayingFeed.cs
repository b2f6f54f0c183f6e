using System.Text.Json;

namespace Broadcast.EndToEnd.Tests;

/// <summary>One now-playing event from <c>/api/stations/{mount}/events</c>.</summary>
internal sealed record NowPlayingEvent(string Title, string Url, long Offset);

/// <summary>A Server-Sent Events reader of a station's now-playing feed, as a browser's <c>EventSource</c> reads it.</summary>
internal sealed class NowPlayingFeed : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly List<NowPlayingEvent> _events = [];

    private NowPlayingFeed(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public IReadOnlyList<NowPlayingEvent> Events => _events;

    public static async Task<NowPlayingFeed> OpenAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return new NowPlayingFeed(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
    }

    /// <summary>Reads events until one matches (returned) or the timeout passes (throws).</summary>
    public async Task<NowPlayingEvent> WaitForAsync(Func<NowPlayingEvent, bool> match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        if (_events.FirstOrDefault(match) is { } seen)
        {
            return seen;
        }

        try
        {
            while (await _reader.ReadLineAsync(limit.Token) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal) || line.Length <= 8)
                {
                    continue;
                }

                using var json = JsonDocument.Parse(line[6..]);
                var root = json.RootElement;
                if (!root.TryGetProperty("title", out var title))
                {
                    continue;
                }

                var item = new NowPlayingEvent(title.GetString()!, root.GetProperty("url").GetString()!, root.GetProperty("offset").GetInt64());
                _events.Add(item);
                if (match(item))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // timed out
        }

        throw new TimeoutException($"no matching now-playing event in {timeout}; saw: {string.Join(" | ", _events.Select(e => e.Title))}");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
