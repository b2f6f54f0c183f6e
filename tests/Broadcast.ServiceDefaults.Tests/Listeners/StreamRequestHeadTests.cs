using System.IO.Pipelines;
using System.Text;
using Broadcast.ServiceDefaults.Listeners;
using Microsoft.AspNetCore.Connections;

namespace Broadcast.ServiceDefaults.Tests.Listeners;

/// <summary>
/// The head reader both lean listener paths share: the caller's headers kept in its order, anything odd left to
/// Kestrel, and on a connection: only the head consumed, nothing consumed when Kestrel should have it, silence timed out.
/// (The edge's tests of <c>ListenerHead</c> cover the head shapes it refuses, with generated and mutated heads.)
/// </summary>
public sealed class StreamRequestHeadTests
{
    private static readonly string[] Names = ["User-Agent", "Icy-MetaData", "Host"];

    [Fact]
    public void TryParse_KeepsTheCallersHeadersInItsOrder_CaseInsensitively()
    {
        var head = Parse("HEAD /jazz.ogg?from=12&x HTTP/1.0\r\nhost: radio\r\nicy-metadata: 1\r\nAccept: */*\r\n\r\n");

        Assert.NotNull(head);
        Assert.True(head.Head);
        Assert.True(head.Http10);
        Assert.Equal("/jazz.ogg", head.Path);
        Assert.Equal("from=12&x", head.Query);
        Assert.Equal(new string?[] { null, "1", "radio" }, head.Values);
    }

    [Fact]
    public void TryParse_NoQuery_IsNull_AndOtherHeadersMayRepeat()
    {
        var head = Parse("GET /live HTTP/1.1\r\nAccept: a\r\nAccept: b\r\n\r\n");

        Assert.NotNull(head);
        Assert.Null(head.Query);
        Assert.False(head.Head);
    }

    [Theory]
    [InlineData("GET /live HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n")] // one of the caller's names twice: Kestrel joins them its way
    [InlineData("GET /a/b HTTP/1.1\r\n\r\n")]
    [InlineData("GET /a%20 HTTP/1.1\r\n\r\n")]
    [InlineData("GET /a\\b HTTP/1.1\r\n\r\n")]
    [InlineData("GET /live HTTP/1.1\r\nContent-Length: 1\r\n\r\n")]
    [InlineData("GET /live HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")]
    [InlineData("GET /live HTTP/1.1\r\nX: \u0001\r\n\r\n")]
    public void TryParse_OddHeads_AreKestrels(string text) => Assert.Null(Parse(text));

    [Fact]
    public async Task ReadAsync_HeadInPieces_ConsumesTheHeadOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var (connection, client) = Connection();
        var reading = StreamRequestHead.ReadAsync(connection, TimeSpan.FromSeconds(30), head => StreamRequestHead.TryParse(head, Names));
        await client.WriteAsync(Encoding.ASCII.GetBytes("GET /live HTTP/1.1\r\nHo"), ct);
        await client.WriteAsync(Encoding.ASCII.GetBytes("st: x\r\n\r\nEXTRA"), ct);

        var (request, timedOut, gone) = await reading.WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal(("/live", false, false), (request?.Path, timedOut, gone));
        var rest = await connection.Transport.Input.ReadAsync(ct);
        Assert.Equal("EXTRA", Encoding.ASCII.GetString(rest.Buffer.FirstSpan));
    }

    [Fact]
    public async Task ReadAsync_NotAStream_LeavesEveryByteUnread()
    {
        var ct = TestContext.Current.CancellationToken;
        var (connection, client) = Connection();
        const string Text = "GET /stats HTTP/1.1\r\nHost: x\r\n\r\n";
        await client.WriteAsync(Encoding.ASCII.GetBytes(Text), ct);

        var (request, timedOut, gone) = await StreamRequestHead.ReadAsync(connection, TimeSpan.FromSeconds(30), _ => (StreamRequestHead?)null).WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal((null, false, false), (request, timedOut, gone));
        var unread = await connection.Transport.Input.ReadAsync(ct);
        Assert.Equal(Text, Encoding.ASCII.GetString(unread.Buffer.FirstSpan));
    }

    [Fact]
    public async Task ReadAsync_HeadNeverEnds_TimesOut()
    {
        var ct = TestContext.Current.CancellationToken;
        var (connection, client) = Connection();
        await client.WriteAsync(Encoding.ASCII.GetBytes("GET /live HTTP/1.1\r\nX: "), ct);

        var (request, timedOut, gone) = await StreamRequestHead.ReadAsync(connection, TimeSpan.FromMilliseconds(200), head => StreamRequestHead.TryParse(head, Names)).WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal((null, true, false), (request, timedOut, gone));
    }

    private static StreamRequestHead? Parse(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        Assert.Equal(StreamRequestHead.Verdict.Whole, StreamRequestHead.Classify(new System.Buffers.ReadOnlySequence<byte>(bytes), out var length));
        return StreamRequestHead.TryParse(bytes.AsSpan(0, length), Names);
    }

    /// <summary>A connection whose transport reads what the returned writer is given.</summary>
    private static (ConnectionContext Connection, PipeWriter Client) Connection()
    {
        var (input, output) = (new Pipe(), new Pipe());
        var connection = new DefaultConnectionContext("test", new DuplexPipe(input.Reader, output.Writer), new DuplexPipe(output.Reader, input.Writer));
        return (connection, input.Writer);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
