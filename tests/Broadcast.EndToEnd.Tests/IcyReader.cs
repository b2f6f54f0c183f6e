using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Broadcast.EndToEnd.Tests;

/// <summary>One ICY metadata block as a listener received it: the stream offset of the audio byte after it, and its text.</summary>
internal sealed record IcyBlock(long StreamOffset, string Text)
{
    public string? StreamTitle => Field("StreamTitle");

    public string? StreamUrl => Field("StreamUrl");

    private string? Field(string name)
    {
        var start = Text.IndexOf(name + "='", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += name.Length + 2;
        var end = Text.IndexOf("';", start, StringComparison.Ordinal);
        return end < 0 ? null : Text[start..end];
    }
}

/// <summary>
/// A raw ICY listener, as VLC, mpv or streamripper read a stream: HTTP/1.0 with <c>Icy-MetaData: 1</c>, then audio
/// bytes with a metadata block after every <c>icy-metaint</c> of them. Keeps the whole body (for byte-exact
/// comparisons), the audio alone, and every non-empty block with the stream offset it was inserted at.
/// </summary>
internal sealed class IcyReader : IAsyncDisposable
{
    private readonly TcpClient _client = new();
    private readonly List<byte> _body = [];
    private readonly List<byte> _audio = [];
    private readonly List<IcyBlock> _blocks = [];
    private NetworkStream _stream = null!;
    private byte[] _pending = [];
    private long _untilBlock;

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int MetaInterval { get; private set; }

    /// <summary>The stream offset of the first audio byte (the edge's <c>Broadcast-Offset</c>).</summary>
    public long Offset { get; private set; }

    public string Session => Headers.GetValueOrDefault("Broadcast-Session", string.Empty);

    public IReadOnlyList<IcyBlock> Blocks => _blocks;

    /// <summary>Every body byte, audio and metadata, exactly as received.</summary>
    public byte[] Body => [.. _body];

    public byte[] Audio => [.. _audio];

    public static async Task<IcyReader> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        var reader = new IcyReader();
        await reader._client.ConnectAsync(url.Host, url.Port, cancellationToken);
        reader._stream = reader._client.GetStream();
        var request = $"GET {url.PathAndQuery} HTTP/1.0\r\nHost: {url.Authority}\r\nIcy-MetaData: 1\r\nUser-Agent: icy-reader-test\r\n\r\n";
        await reader._stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
        await reader.ReadHeadAsync(cancellationToken);
        return reader;
    }

    /// <summary>Reads until <paramref name="done"/> holds or <paramref name="timeout"/> passes (then throws).</summary>
    public async Task ReadUntilAsync(Func<IcyReader, bool> done, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var buffer = new byte[16384];
        try
        {
            while (!done(this))
            {
                var read = await _stream.ReadAsync(buffer, limit.Token);
                if (read == 0)
                {
                    throw new IOException("the stream ended while waiting for " + what);
                }

                Consume(buffer.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"timed out after {timeout} waiting for {what}; blocks: {string.Join(" | ", _blocks.Select(b => $"{b.StreamOffset}:{b.Text}"))}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task ReadHeadAsync(CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await _stream.ReadAsync(one, cancellationToken) == 0 || head.Count > 16384)
            {
                throw new IOException("no response head: " + Encoding.Latin1.GetString([.. head]));
            }

            head.Add(one[0]);
        }

        var lines = Encoding.Latin1.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines[0].Contains(" 200 ", StringComparison.Ordinal), "expected 200, got " + string.Join("\n", lines));
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            Headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        MetaInterval = int.Parse(Headers["icy-metaint"], CultureInfo.InvariantCulture);
        Offset = long.Parse(Headers["Broadcast-Offset"], CultureInfo.InvariantCulture);
        _untilBlock = MetaInterval;
    }

    private void Consume(ReadOnlySpan<byte> data)
    {
        _body.AddRange(data);
        _pending = [.. _pending, .. data];
        while (true)
        {
            if (_untilBlock > 0)
            {
                var take = (int)Math.Min(_untilBlock, _pending.Length);
                _audio.AddRange(_pending.AsSpan(0, take));
                _pending = _pending[take..];
                _untilBlock -= take;
                if (_untilBlock > 0)
                {
                    return;
                }
            }

            if (_pending.Length == 0)
            {
                return;
            }

            var length = _pending[0] * 16;
            if (_pending.Length < 1 + length)
            {
                return;
            }

            if (length > 0)
            {
                _blocks.Add(new IcyBlock(Offset + _audio.Count, Encoding.UTF8.GetString(_pending.AsSpan(1, length)).TrimEnd('\0')));
            }

            _pending = _pending[(1 + length)..];
            _untilBlock = MetaInterval;
        }
    }
}
