using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Broadcast.ServiceDefaults.Clients;

/// <summary>
/// The real client address behind proxies (research/features.md §3 #1): <c>Forwarded</c> (RFC 7239 <c>for=</c>) or
/// <c>X-Forwarded-For</c> walked from the right, skipping only the configured trusted proxies, given as addresses or
/// CIDR ranges, IPv4 or IPv6. A peer that is not trusted is the client, whatever its headers say (a spoofed header from
/// it is ignored); the first untrusted hop from the right is the client, so a client cannot push a fake address past
/// the proxies by sending one itself. Setting <c>Network:TrustedProxies</c> (a list; empty: trust no one).
/// </summary>
public sealed class TrustedProxies
{
    /// <summary>Most hops looked at: a header longer than that is an attack, not a proxy chain.</summary>
    private const int MaxHops = 32;

    private readonly (IPAddress Network, int Prefix)[] _ranges;

    public TrustedProxies(IEnumerable<string> entries)
    {
        var ranges = new List<(IPAddress, int)>();
        foreach (var entry in entries.Where(e => !string.IsNullOrWhiteSpace(e)))
        {
            ranges.Add(TryParseRange(entry.Trim(), out var range) ? range : throw new FormatException($"Network:TrustedProxies: '{entry}' is not an address or a CIDR range"));
        }

        _ranges = [.. ranges];
    }

    public bool IsTrusted(IPAddress address)
    {
        address = Normal(address);
        foreach (var (network, prefix) in _ranges)
        {
            if (network.AddressFamily == address.AddressFamily && Matches(network, prefix, address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The client's address for this request: the peer, or when the peer is trusted, the forwarded chain's first untrusted hop.</summary>
    public IPAddress? ClientOf(HttpContext context) => ClientOf(context.Connection.RemoteIpAddress, context.Request.Headers);

    public IPAddress? ClientOf(IPAddress? peer, IHeaderDictionary headers)
    {
        if (peer is null)
        {
            return null;
        }

        var client = Normal(peer);
        if (!IsTrusted(client))
        {
            return client;
        }

        var hops = Hops(headers);
        for (var i = hops.Count - 1; i >= 0 && i >= hops.Count - MaxHops; i--)
        {
            if (!TryParseHop(hops[i], out var hop))
            {
                return client; // a hop we cannot read: stop at the last address we could trust
            }

            client = hop;
            if (!IsTrusted(hop))
            {
                return hop;
            }
        }

        return client;
    }

    /// <summary>The forwarded hops, leftmost first: <c>Forwarded</c>'s <c>for=</c> when present, else <c>X-Forwarded-For</c>.</summary>
    private static List<string> Hops(IHeaderDictionary headers)
    {
        var hops = new List<string>();
        if (headers.TryGetValue("Forwarded", out var forwarded) && forwarded.Count > 0)
        {
            foreach (var element in forwarded.SelectMany(v => (v ?? string.Empty).Split(',')))
            {
                var part = element.Split(';').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("for=", StringComparison.OrdinalIgnoreCase));
                hops.Add(part is null ? string.Empty : part[4..].Trim('"'));
            }

            return hops;
        }

        foreach (var value in headers["X-Forwarded-For"])
        {
            hops.AddRange((value ?? string.Empty).Split(',').Select(h => h.Trim()));
        }

        return hops;
    }

    /// <summary><c>198.51.100.7</c>, <c>198.51.100.7:4711</c>, <c>[2001:db8::1]</c>, <c>[2001:db8::1]:4711</c>, <c>2001:db8::1</c>.</summary>
    internal static bool TryParseHop(string hop, out IPAddress address)
    {
        if (hop.StartsWith('[') && hop.IndexOf(']', StringComparison.Ordinal) is > 1 and var close)
        {
            hop = hop[1..close];
        }
        else if (hop.Count(c => c == ':') == 1)
        {
            hop = hop[..hop.IndexOf(':', StringComparison.Ordinal)];
        }

        if (IPAddress.TryParse(hop, out var parsed) && hop.Length > 0)
        {
            address = Normal(parsed);
            return true;
        }

        address = IPAddress.None;
        return false;
    }

    internal static bool TryParseRange(string entry, out (IPAddress Network, int Prefix) range)
    {
        range = default;
        var slash = entry.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? entry : entry[..slash], out var network))
        {
            return false;
        }

        network = Normal(network);
        var bits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(entry[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            return false;
        }

        range = (network, prefix);
        return true;
    }

    private static bool Matches(IPAddress network, int prefix, IPAddress address)
    {
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        network.TryWriteBytes(a, out var length);
        address.TryWriteBytes(b, out _);
        for (var bit = 0; bit < prefix && bit < length * 8; bit += 8)
        {
            var mask = prefix - bit >= 8 ? 0xFF : (byte)(0xFF << (8 - (prefix - bit)));
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>IPv4 as IPv4 even when a dual-mode socket reports it IPv6-mapped (<c>::ffff:127.0.0.1</c>), so addresses compare.</summary>
    public static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
