using System.Text;
using Broadcast.Ingest.Sources;

namespace Broadcast.Ingest.Tests.Sources;

public sealed class TitleFormTests
{
    [Theory]
    [InlineData("song=Caf%E9", "Café")] // Latin-1 bytes, no charset: not valid UTF-8, read as Latin-1
    [InlineData("song=Caf%C3%A9", "Café")] // UTF-8 by default
    [InlineData("charset=ISO-8859-1&song=%C3%A9", "Ã©")] // what the encoder says wins
    [InlineData("charset=utf-8&song=%E2%99%AB", "♫")]
    [InlineData("song=a+b%20c", "a b c")]
    [InlineData("song=100%", "100%")] // a malformed escape is kept
    public void Indexer_DecodesInTheNamedOrDetectedCharset(string form, string expected)
    {
        var parsed = TitleForm.Parse(Encoding.ASCII.GetBytes(form), out var error);

        Assert.Null(error);
        Assert.Equal(expected, parsed!["song"]);
    }

    [Theory]
    [InlineData("charset=KOI8-FANTASY&song=x")]
    [InlineData("charset=%0A%00&song=x")]
    public void Parse_UnknownCharset_IsRefusedWithTheReason(string form)
    {
        Assert.Null(TitleForm.Parse(Encoding.ASCII.GetBytes(form), out var error));

        Assert.StartsWith("charset: unknown character set", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Indexer_Absent_IsEmpty_AndLaterValuesWin()
    {
        var parsed = TitleForm.Parse("?mode=x&mode=updinfo"u8, out _)!;

        Assert.Equal("updinfo", parsed["mode"]);
        Assert.Equal(string.Empty, parsed["song"]);
        Assert.False(parsed.Has("song"));
    }
}
