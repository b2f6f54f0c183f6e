using System.Buffers;
using System.Net;
using System.Text;
using Broadcast.Edge.Listeners;
using Broadcast.ServiceDefaults.Clients;
using Broadcast.ServiceDefaults.Listeners;

namespace Broadcast.Edge.Tests.Listeners;

/// <summary>
/// The lean path's request reader: which heads it serves itself, what it takes from them, and that anything odd is
/// left to Kestrel (null, every byte unread) rather than answered its own way.
/// </summary>
public sealed class ListenerHeadTests
{
    private static readonly TrustedProxies Gateways = new(["127.0.0.1"]);

    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_SEED"), out var seed) ? seed : 1717;

    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_CASES"), out var runs) ? runs : 3000;

    [Fact]
    public void Parse_PlayersHead_TakesWhatTheStreamNeeds()
    {
        var request = Parse(
            "GET /live.mp3?from=1234&session=abcd&icyphase=77 HTTP/1.1\r\nHost: edge\r\nUser-Agent: VLC/3.0.18 LibVLC/3.0.18\r\n" +
            "Icy-MetaData: 1\r\nX-Forwarded-For: 203.0.113.9\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n",
            IPAddress.Loopback);

        Assert.NotNull(request);
        Assert.Equal("/live.mp3", request.Mount);
        Assert.False(request.Head);
        Assert.False(request.Http10);
        Assert.Equal(("1234", "abcd", "77"), (request.From, request.Session, request.IcyPhase));
        Assert.True(request.WantsIcyMetadata);
        Assert.Equal("VLC/3.0.18 LibVLC/3.0.18", request.UserAgent);
        Assert.Equal(IPAddress.Parse("203.0.113.9"), request.Client); // from a trusted gateway
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", request.Parent.TraceId.ToHexString());
    }

    [Fact]
    public void Parse_ForwardedForFromAnUntrustedPeer_IsIgnored()
    {
        var request = Parse("GET /live HTTP/1.0\r\nX-Forwarded-For: 10.9.9.9\r\n\r\n", IPAddress.Parse("198.51.100.4"));

        Assert.Equal(IPAddress.Parse("198.51.100.4"), request!.Client);
        Assert.True(request.Http10);
        Assert.False(request.WantsIcyMetadata);
    }

    [Theory]
    [InlineData("POST /live.mp3 HTTP/1.1\r\n\r\n")]
    [InlineData("GET /stats HTTP/1.1\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.1\r\n\r\n")]
    [InlineData("GET /healthz/live HTTP/1.1\r\n\r\n")]
    [InlineData("GET /api/stations/live.mp3/events HTTP/1.1\r\n\r\n")]
    [InlineData("GET /live%2Emp3 HTTP/1.1\r\n\r\n")]
    [InlineData("GET /live.mp3?from=%31 HTTP/1.1\r\n\r\n")]
    [InlineData("GET /live.mp3?from=1&from=2 HTTP/1.1\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/2\r\n\r\n")]
    [InlineData("GET  /live.mp3 HTTP/1.1\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nContent-Length: 4\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nHost : x\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nX: a\r\n folded\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nNoColon\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nX: a\rb\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nX: caf\u00e9\r\n\r\n")]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\n\r\n")]
    public void Parse_AnythingOdd_IsLeftToKestrel(string head)
    {
        var bytes = Encoding.Latin1.GetBytes(head);
        var verdict = StreamRequestHead.Classify(new ReadOnlySequence<byte>(bytes), out var length);

        Assert.True(verdict == StreamRequestHead.Verdict.Other || ListenerHead.Parse(bytes.AsSpan(0, length), IPAddress.Loopback, Gateways) is null, head);
    }

    [Theory]
    [InlineData("GET /live.mp3 HTTP/1.1\r\nHost: x\r\n", "Incomplete")]
    [InlineData("GE", "Incomplete")]
    [InlineData("HEAD /li", "Incomplete")]
    [InlineData("GET /live.mp3 HTTP/1.1\nHost: x\n\n", "Other")]
    [InlineData("OPTIONS * HTTP/1.1\r\n\r\n", "Other")]
    [InlineData("\r\nGET /live.mp3 HTTP/1.1\r\n\r\n", "Other")]
    public void Classify_PartialOrForeignHeads(string head, string expected) =>
        Assert.Equal(expected, StreamRequestHead.Classify(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)), out _).ToString());

    [Fact]
    public void Classify_HeadPastTheLimit_GoesToKestrel()
    {
        var huge = Encoding.ASCII.GetBytes("GET /live.mp3 HTTP/1.1\r\nX: " + new string('a', StreamRequestHead.MaxBytes));

        Assert.Equal(StreamRequestHead.Verdict.Other, StreamRequestHead.Classify(new ReadOnlySequence<byte>(huge), out _));
    }

    [Fact]
    public void ClassifyAndParse_GeneratedAndMutatedHeads_SameVerdictWhateverTheSplit_NeverThrow()
    {
        string[] lines = ["Host: edge", "User-Agent: mpv 0.35", "Icy-MetaData: 1", "Accept: */*", "Connection: close", "X-Forwarded-For: 203.0.113.1", "Range: bytes=0-", "Content-Length: 0"];
        for (var run = 0; run < Runs; run++)
        {
            var random = new Random(HashCode.Combine(Seed, run));
            var text = new StringBuilder(random.Next(5) == 0 ? "HEAD " : "GET ").Append("/s").Append(random.Next(100)).Append(".mp3");
            if (random.Next(2) == 0)
            {
                text.Append("?from=").Append(random.Next()).Append("&session=ab");
            }

            text.Append(random.Next(2) == 0 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
            foreach (var header in lines.Where(_ => random.Next(2) == 0))
            {
                text.Append(header).Append("\r\n");
            }

            var bytes = Encoding.ASCII.GetBytes(text.Append("\r\n").ToString()).ToList();
            for (var edits = run % 2 == 0 ? 0 : random.Next(1, 6); edits > 0; edits--)
            {
                byte[] special = [(byte)'\r', (byte)'\n', 0, (byte)':', (byte)' ', (byte)'/', (byte)'%', (byte)'?', 0xC3];
                var at = random.Next(bytes.Count);
                if (random.Next(2) == 0)
                {
                    bytes[at] = special[random.Next(special.Length)];
                }
                else
                {
                    bytes.Insert(at, special[random.Next(special.Length)]);
                }
            }

            var input = bytes.ToArray();
            var whole = StreamRequestHead.Classify(new ReadOnlySequence<byte>(input), out var length);
            var split = StreamRequestHead.Classify(Segments(input, random), out var splitLength);

            Assert.True(whole == split && length == splitLength, $"seed {Seed} case {run}: {whole}/{split}");
            if (run % 2 == 0)
            {
                Assert.True(whole == StreamRequestHead.Verdict.Whole && ListenerHead.Parse(input.AsSpan(0, length), IPAddress.Loopback, Gateways) is not null, $"seed {Seed} case {run}: a player's head not served: {Encoding.ASCII.GetString(input)}");
            }
            else if (whole == StreamRequestHead.Verdict.Whole && ListenerHead.Parse(input.AsSpan(0, length), IPAddress.Loopback, Gateways) is { } request)
            {
                Assert.StartsWith("/", request.Mount, StringComparison.Ordinal);
                Assert.DoesNotContain('/', request.Mount[1..]);
            }
        }
    }

    private static ListenerRequest? Parse(string head, IPAddress peer)
    {
        var bytes = Encoding.ASCII.GetBytes(head);
        Assert.Equal(StreamRequestHead.Verdict.Whole, StreamRequestHead.Classify(new ReadOnlySequence<byte>(bytes), out var length));
        Assert.Equal(bytes.Length, length);
        return ListenerHead.Parse(bytes, peer, Gateways);
    }

    /// <summary>The bytes as a sequence of several segments, as a socket's reads would leave them in a pipe.</summary>
    private static ReadOnlySequence<byte> Segments(byte[] input, Random random)
    {
        Segment? first = null, last = null;
        for (var at = 0; at < input.Length;)
        {
            var size = Math.Min(input.Length - at, random.Next(1, 40));
            var segment = new Segment(input.AsMemory(at, size), last);
            first ??= segment;
            last = segment;
            at += size;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
