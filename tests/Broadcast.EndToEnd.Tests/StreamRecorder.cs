using System.Globalization;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// One listener connection kept open in the background: it records every byte, and whether (and how) the response
/// ended, so a test can do things to the cluster and then check the listener heard one unbroken stream.
/// </summary>
internal sealed class StreamRecorder : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _bytes = new();
    private readonly Lock _lock = new();
    private readonly Task _reading;

    private StreamRecorder(HttpResponseMessage response)
    {
        _response = response;
        Offset = long.Parse(response.Headers.GetValues("Broadcast-Offset").Single(), CultureInfo.InvariantCulture);
        Session = response.Headers.GetValues("Broadcast-Session").Single();
        _reading = ReadAsync();
    }

    /// <summary>The stream offset of the first recorded byte.</summary>
    public long Offset { get; }

    public string Session { get; }

    /// <summary>Set when the server ended the response (a clean end or an error): the listener was disconnected.</summary>
    public string? EndedBy { get; private set; }

    public long Length
    {
        get
        {
            lock (_lock)
            {
                return _bytes.Length;
            }
        }
    }

    public static async Task<StreamRecorder> StartAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return new StreamRecorder(response);
    }

    /// <summary>Waits until <paramref name="more"/> bytes beyond what is recorded now have arrived.</summary>
    public async Task WaitForMoreAsync(long more, TimeSpan timeout, string what)
    {
        var target = Length + more;
        await Poll.UntilAsync(() => Task.FromResult(Length >= target || EndedBy is not null), timeout, what);
        Assert.True(EndedBy is null, $"the listener's connection ended ({EndedBy}) while waiting for {what}");
    }

    public byte[] Bytes()
    {
        lock (_lock)
        {
            return _bytes.ToArray();
        }
    }

    /// <summary>Stops reading and writes what was recorded to a temporary file.</summary>
    public async Task<string> SaveAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _reading;
        var path = TestFiles.NewPath("recording");
        await File.WriteAllBytesAsync(path, Bytes(), cancellationToken);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _response.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
            while (true)
            {
                var read = await body.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    EndedBy = "end of stream";
                    return;
                }

                lock (_lock)
                {
                    _bytes.Write(buffer, 0, read);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // stopped by the test
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            EndedBy = exception.GetType().Name + ": " + exception.Message;
        }
    }
}
