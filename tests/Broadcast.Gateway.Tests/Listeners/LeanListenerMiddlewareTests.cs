using System.Text;
using Broadcast.Gateway.Listeners;
using Broadcast.Gateway.Routing;
using Broadcast.ServiceDefaults.Listeners;

namespace Broadcast.Gateway.Tests.Listeners;

/// <summary>
/// Which heads the gateway's lean path relays itself: a station's stream; playlists, the gateway's and the
/// directory's one-segment pages, and every other request stay with Kestrel's routes.
/// </summary>
public sealed class LeanListenerMiddlewareTests
{
    [Theory]
    [InlineData("GET /live.mp3 HTTP/1.1", true)]
    [InlineData("HEAD /jazz HTTP/1.0", true)]
    [InlineData("GET /live.mp3?from=10&session=s HTTP/1.1", true)]
    [InlineData("GET /live.mp3.m3u HTTP/1.1", false)]
    [InlineData("GET /live.mp3.pls HTTP/1.1", false)]
    [InlineData("GET /metrics HTTP/1.1", false)]
    [InlineData("GET /status-json.xsl HTTP/1.1", false)]
    [InlineData("GET /status.xsl HTTP/1.1", false)]
    [InlineData("GET /admin HTTP/1.1", false)]
    [InlineData("GET /favicon.ico HTTP/1.1", false)]
    [InlineData("GET /healthz/live HTTP/1.1", false)]
    [InlineData("GET /api/stations/live.mp3/events HTTP/1.1", false)]
    [InlineData("GET / HTTP/1.1", false)]
    public void IsStream_StationsOnly(string line, bool lean)
    {
        var bytes = Encoding.ASCII.GetBytes(line + "\r\nHost: radio\r\nIcy-MetaData: 1\r\n\r\n");

        var head = LeanListenerMiddleware.IsStream(StreamRequestHead.TryParse(bytes, ConnectionExchange.Names));

        Assert.Equal(lean, head is not null);
    }

    [Fact]
    public void Names_StartWithTheForwardedOnes()
    {
        // ConnectionExchange.ForwardedHeaders reads the first values by ListenerExchange.ForwardedNames' positions.
        Assert.Equal(ListenerExchange.ForwardedNames, ConnectionExchange.Names.Take(ListenerExchange.ForwardedNames.Length));
    }
}
