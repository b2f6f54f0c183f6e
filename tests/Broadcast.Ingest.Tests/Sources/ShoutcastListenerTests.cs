using Broadcast.Ingest.Sources;

namespace Broadcast.Ingest.Tests.Sources;

public sealed class ShoutcastListenerTests
{
    private static readonly IngestOptions Options = new()
    {
        ShoutcastMount = "/stream",
        ShoutcastStreams = new Dictionary<string, string>(StringComparer.Ordinal) { ["2"] = "/second.mp3" },
    };

    [Theory]
    [InlineData("hackme", "/stream", "source", "hackme")]
    [InlineData("hackme:#1", "/stream", "source", "hackme")]
    [InlineData("hackme:#2", "/second.mp3", "source", "hackme")]
    [InlineData("source:hackme:#2", "/second.mp3", "source", "hackme")]
    [InlineData("source:hackme", "/stream", "source", "hackme")]
    [InlineData("pass:with:colons", "/stream", "source", "pass:with:colons")]
    [InlineData("/other.mp3:hackme", "/other.mp3", "source", "hackme")] // icecast-kh
    [InlineData("hackme:#9", "", "source", "hackme")] // unknown stream id: no mount, refused by the caller
    public void ParsePassword_EveryFormEncodersSend(string line, string mount, string user, string password)
    {
        Assert.Equal((mount, user, password), ShoutcastListener.ParsePassword(line, Options));
    }
}
