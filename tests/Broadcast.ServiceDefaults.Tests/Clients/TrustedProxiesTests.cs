using System.Net;
using Broadcast.ServiceDefaults.Clients;
using Microsoft.AspNetCore.Http;

namespace Broadcast.ServiceDefaults.Tests.Clients;

public sealed class TrustedProxiesTests
{
    private static readonly TrustedProxies Proxies = new(["10.0.0.0/8", "192.168.1.7", "2001:db8:ab::/48", "fd00::1"]);

    [Theory]
    [InlineData("203.0.113.9", "198.51.100.1", "203.0.113.9")] // untrusted peer: its header is ignored (spoofing)
    [InlineData("10.1.2.3", "198.51.100.1", "198.51.100.1")] // trusted CIDR: the forwarded client
    [InlineData("192.168.1.7", "198.51.100.1, 10.9.9.9", "198.51.100.1")] // walked from the right past trusted hops
    [InlineData("10.1.2.3", "6.6.6.6, 198.51.100.1", "198.51.100.1")] // a client's own fake hop stays left of the first untrusted
    [InlineData("10.1.2.3", "10.2.2.2, 10.3.3.3", "10.2.2.2")] // all trusted: the leftmost
    [InlineData("10.1.2.3", "not-an-address", "10.1.2.3")] // unreadable hop: stop at what we trust
    [InlineData("192.168.1.8", "198.51.100.1", "192.168.1.8")] // an exact address trusts exactly that address
    [InlineData("2001:db8:ab:cd::5", "[2001:db8:1::9]:4711", "2001:db8:1::9")] // IPv6 CIDR, bracketed hop with a port
    [InlineData("fd00::1", "198.51.100.1:8080", "198.51.100.1")] // IPv4 hop with a port
    [InlineData("::ffff:10.1.2.3", "198.51.100.1", "198.51.100.1")] // IPv4-mapped peer as IPv4
    public void ClientOf_XForwardedFor_TrustsOnlyTheConfiguredProxies(string peer, string forwarded, string client)
    {
        var headers = new HeaderDictionary { ["X-Forwarded-For"] = forwarded };

        Assert.Equal(IPAddress.Parse(client), Proxies.ClientOf(IPAddress.Parse(peer), headers));
    }

    [Fact]
    public void ClientOf_Forwarded_IsPreferredAndQuotedIPv6Works()
    {
        var headers = new HeaderDictionary
        {
            ["Forwarded"] = "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\";by=10.0.0.1",
            ["X-Forwarded-For"] = "6.6.6.6",
        };

        Assert.Equal(IPAddress.Parse("2001:db8:cafe::17"), Proxies.ClientOf(IPAddress.Parse("10.0.0.2"), headers));
    }

    [Fact]
    public void ClientOf_NoProxiesConfigured_IsAlwaysThePeer()
    {
        var none = new TrustedProxies([]);

        Assert.Equal(IPAddress.Loopback, none.ClientOf(IPAddress.Loopback, new HeaderDictionary { ["X-Forwarded-For"] = "198.51.100.1" }));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("garbage")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/-1")]
    public void Constructor_MalformedEntry_Throws(string entry)
    {
        Assert.Throws<FormatException>(() => new TrustedProxies([entry]));
    }
}
