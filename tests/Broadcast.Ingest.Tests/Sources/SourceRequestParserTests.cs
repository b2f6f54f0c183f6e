using System.Buffers;
using System.Text;
using Broadcast.Ingest.Sources;

namespace Broadcast.Ingest.Tests.Sources;

public sealed class SourceRequestParserTests
{
    [Theory]
    [InlineData("SOURCE /m HTTP/1.0\r\nContent-Type: audio/mpeg\r\n\r\nAUDIO")]
    [InlineData("SOURCE /m HTTP/1.0\nContent-Type: audio/mpeg\n\nAUDIO")] // darkice
    [InlineData("SOURCE /m HTTP/1.0\nContent-Type: audio/mpeg\r\n\r\nAUDIO")]
    public void TryFindHead_CrlfOrBareLf_FindsTheHeadAndTheBodyAfterIt(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));

        Assert.True(SourceRequestParser.TryFindHead(buffer, mayBeEmpty: false, out var head, out var afterHead));

        Assert.Equal("AUDIO", Encoding.ASCII.GetString(buffer.Slice(afterHead)));
        var request = SourceRequestParser.Parse(head, null, out var error);
        Assert.Null(error);
        Assert.Equal("SOURCE", request!.Method);
        Assert.Equal("/m", request.Target);
        Assert.Equal("audio/mpeg", request.Header("content-type"));
    }

    [Fact]
    public void TryFindHead_Incomplete_NeedsMore()
    {
        var buffer = new ReadOnlySequence<byte>("SOURCE /m HTTP/1.0\nContent-Type: audio/mpeg\n"u8.ToArray());

        Assert.False(SourceRequestParser.TryFindHead(buffer, mayBeEmpty: false, out _, out _));
    }

    [Fact]
    public void TryFindHead_HeaderLinesOnlyAndNone_IsAnEmptyHead()
    {
        var buffer = new ReadOnlySequence<byte>("\r\nAUDIO"u8.ToArray());

        Assert.True(SourceRequestParser.TryFindHead(buffer, mayBeEmpty: true, out var head, out var afterHead));

        Assert.Equal(0, head.Length);
        Assert.Equal("AUDIO", Encoding.ASCII.GetString(buffer.Slice(afterHead)));
        Assert.Equal("/sc.mp3", SourceRequestParser.Parse(head, "SOURCE /sc.mp3 ICY\r\n", out _)!.Target);
    }

    [Theory]
    [InlineData("GARBAGE\r\n", "malformed request line")]
    [InlineData("OPTIONS * HTTP/1.1\r\nUpgrade TLS\r\n", "malformed header line")]
    [InlineData("SOURCE relative HTTP/1.0\r\n", "malformed request line")]
    public void Parse_Malformed_SaysWhy(string head, string reason)
    {
        Assert.Null(SourceRequestParser.Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)), null, out var error));

        Assert.Equal(reason, error);
    }

    [Fact]
    public void Parse_UpgradeProbe_IsARequestForStar()
    {
        var request = SourceRequestParser.Parse(new ReadOnlySequence<byte>("OPTIONS * HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0, HTTP/1.1\r\n"u8.ToArray()), null, out _);

        Assert.Equal("*", request!.Target);
        Assert.Equal("TLS/1.0, HTTP/1.1", request.Header("Upgrade"));
    }
}
