using System.Buffers;
using System.Text;
using Broadcast.Ingest.Sources;

namespace Broadcast.Ingest.Tests.Sources;

/// <summary>
/// Property tests of what an encoder's bytes go through before audio: the chunked body decoder, the request-head
/// parser and the title form. Generated inputs (valid ones, their mutations, and noise), bounded in number and seeded
/// (a failure names its seed and case so it can be replayed): every result is a value or the parser's documented
/// refusal, never another exception, and a valid input means the same however the reads split it.
/// </summary>
public sealed class InputPropertyTests
{
    private const int Cases = 3000;

    /// <summary>A run's seed: fixed in CI unless BROADCAST_FUZZ_SEED says otherwise (a longer local run picks its own).</summary>
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_SEED"), out var seed) ? seed : 1616;

    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_CASES"), out var runs) ? runs : Cases;

    [Fact]
    public void Chunked_AnyEncodingOfAnyBody_DecodesToTheBodyWhereverTheReadsSplit()
    {
        for (var run = 0; run < Runs; run++)
        {
            var random = new Random(HashCode.Combine(Seed, run));
            var body = new byte[random.Next(0, 20_000)];
            random.NextBytes(body);
            var encoded = EncodeChunked(body, random);

            var decoded = DecodeChunked(encoded, random, out var done);

            Assert.True(done, $"seed {Seed} case {run}: not done");
            Assert.True(decoded.AsSpan().SequenceEqual(body), $"seed {Seed} case {run}: decoded {decoded.Length} bytes, not the {body.Length} encoded");
        }
    }

    [Fact]
    public void Chunked_MutatedOrNoise_OnlyDataOrInvalidDataException()
    {
        for (var run = 0; run < Runs; run++)
        {
            var random = new Random(HashCode.Combine(Seed, run, 2));
            var body = new byte[random.Next(0, 4000)];
            random.NextBytes(body);
            var input = run % 3 == 0 ? Noise(random, random.Next(1, 3000), "0123456789abcdefABCDEF;=\r\n \t") : Mutate(EncodeChunked(body, random), random);
            try
            {
                var decoded = DecodeChunked(input, random, out _);
                Assert.True(decoded.Length <= input.Length, $"seed {Seed} case {run}: more data out than bytes in");
            }
            catch (InvalidDataException)
            {
                // the documented refusal: the source is closed with "malformed_body"
            }
        }
    }

    [Fact]
    public void RequestHead_GeneratedMutatedAndSplit_ParsesTheSameOrRefusesWithAReason()
    {
        for (var run = 0; run < Runs; run++)
        {
            var random = new Random(HashCode.Combine(Seed, run, 3));
            var text = RequestHead(random);
            var bytes = run % 2 == 0 ? Encoding.Latin1.GetBytes(text) : Mutate(Encoding.Latin1.GetBytes(text), random);

            var whole = new ReadOnlySequence<byte>(bytes);
            var split = Split(bytes, random);
            var foundWhole = SourceRequestParser.TryFindHead(whole, mayBeEmpty: false, out var head, out _);
            var foundSplit = SourceRequestParser.TryFindHead(split, mayBeEmpty: false, out var splitHead, out _);

            Assert.Equal(foundWhole, foundSplit);
            if (!foundWhole)
            {
                continue;
            }

            Assert.True(head.ToArray().AsSpan().SequenceEqual(splitHead.ToArray()), $"seed {Seed} case {run}: the head depends on the split");
            var request = SourceRequestParser.Parse(head, null, out var error);
            var again = SourceRequestParser.Parse(splitHead, null, out var splitError);
            Assert.Equal(error, splitError);
            if (request is null)
            {
                Assert.False(string.IsNullOrEmpty(error), $"seed {Seed} case {run}: refused without a reason");
                continue;
            }

            Assert.True(request.Target.StartsWith('/') || request.Target == "*", $"seed {Seed} case {run}: target {request.Target}");
            Assert.Equal(request.Method, again!.Method);
            Assert.Equal(request.Headers, again.Headers);
        }
    }

    [Fact]
    public void TitleForm_AnyEscapedPairs_RoundTrip_AndNoiseIsAValueOrARefusal()
    {
        for (var run = 0; run < Runs; run++)
        {
            var random = new Random(HashCode.Combine(Seed, run, 4));
            var title = new string([.. Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(0x20, 0x3000))]).Replace('\uFFFD', 'x');
            if (char.IsSurrogate(title.LastOrDefault()) || title.Any(char.IsSurrogate))
            {
                title = new string([.. title.Where(c => !char.IsSurrogate(c))]);
            }

            var form = $"mode=updinfo&mount=%2Flive.mp3&song={Uri.EscapeDataString(title)}";
            var parsed = TitleForm.Parse(Encoding.ASCII.GetBytes(form), out var error);
            Assert.True(parsed is not null, $"seed {Seed} case {run}: {error}");
            Assert.Equal(title, parsed!["song"]);
            Assert.Equal("/live.mp3", parsed["mount"]);

            var noise = run % 2 == 0 ? Noise(random, random.Next(0, 300), "=&%+?abcdef0123456789;charset") : Mutate(Encoding.ASCII.GetBytes(form + "&charset=utf-8"), random);
            var refused = TitleForm.Parse(noise, out var reason);
            Assert.True(refused is not null || !string.IsNullOrEmpty(reason), $"seed {Seed} case {run}: refused without a reason");
        }
    }

    /// <summary>Chunks of random sizes (some of them 1 byte), hex in either case, sometimes extensions and trailers.</summary>
    private static byte[] EncodeChunked(byte[] body, Random random)
    {
        var output = new MemoryStream();
        var at = 0;
        while (at < body.Length)
        {
            var size = Math.Min(body.Length - at, random.Next(0, 4) == 0 ? 1 : random.Next(1, 5000));
            var hex = size.ToString(random.Next(2) == 0 ? "x" : "X", System.Globalization.CultureInfo.InvariantCulture);
            var extension = random.Next(5) == 0 ? ";name=value" : string.Empty;
            output.Write(Encoding.ASCII.GetBytes(hex + extension + "\r\n"));
            output.Write(body, at, size);
            output.Write("\r\n"u8);
            at += size;
        }

        output.Write(random.Next(4) == 0 ? "0\r\nX-Trailer: t\r\n\r\n"u8 : "0\r\n\r\n"u8);
        return output.ToArray();
    }

    /// <summary>Feeds the decoder in random read sizes, as a socket would; the body bytes it hands out, and whether it finished.</summary>
    private static byte[] DecodeChunked(byte[] input, Random random, out bool done)
    {
        var decoder = new ChunkedBodyDecoder();
        var output = new MemoryStream();
        var at = 0;
        while (at < input.Length && !decoder.IsDone)
        {
            var read = input.AsSpan(at, Math.Min(input.Length - at, random.Next(1, 3000)));
            while (!read.IsEmpty && !decoder.IsDone)
            {
                var consumed = decoder.Decode(read, out var start, out var length);
                Assert.InRange(consumed, 1, read.Length);
                Assert.True(start >= 0 && start + length <= consumed, "data slice outside the consumed bytes");
                output.Write(read.Slice(start, length));
                read = read[consumed..];
                at += consumed;
            }
        }

        done = decoder.IsDone;
        return output.ToArray();
    }

    private static string RequestHead(Random random)
    {
        string[] methods = ["PUT", "SOURCE", "GET", "POST", "OPTIONS", "put", ""];
        string[] targets = ["/live.mp3", "/a", "*", "/x?y=z", "live.mp3", "/" + new string('a', random.Next(0, 300)), "/%00", "/../etc"];
        string[] versions = ["HTTP/1.1", "HTTP/1.0", "ICE/1.0", "HTTP/2", ""];
        string[] headers = ["Content-Type: audio/mpeg", "Authorization: Basic c291cmNlOmhhY2ttZQ==", "Transfer-Encoding: chunked", "Expect: 100-continue", "ice-name: x", "Host: h", "NoColon", ": empty name", "X: " + new string('v', random.Next(0, 500))];
        var eol = random.Next(3) == 0 ? "\n" : "\r\n";
        var text = new StringBuilder().Append(methods[random.Next(methods.Length)]).Append(' ').Append(targets[random.Next(targets.Length)]).Append(' ').Append(versions[random.Next(versions.Length)]).Append(eol);
        for (var i = random.Next(0, 8); i > 0; i--)
        {
            text.Append(headers[random.Next(headers.Length)]).Append(eol);
        }

        return text.Append(eol).ToString();
    }

    /// <summary>One to eight random edits: a byte flipped, inserted (often a CR, LF or NUL) or removed.</summary>
    private static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = input.ToList();
        for (var edits = random.Next(1, 9); edits > 0; edits--)
        {
            var at = random.Next(0, bytes.Count + 1);
            byte[] special = [(byte)'\r', (byte)'\n', 0, (byte)':', (byte)' ', 0xFF];
            switch (random.Next(3))
            {
                case 0 when at < bytes.Count:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.Insert(at, random.Next(2) == 0 ? special[random.Next(special.Length)] : (byte)random.Next(256));
                    break;
                default:
                    if (at < bytes.Count)
                    {
                        bytes.RemoveAt(at);
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] Noise(Random random, int length, string alphabet) =>
        [.. Enumerable.Range(0, length).Select(_ => random.Next(3) == 0 ? (byte)random.Next(256) : (byte)alphabet[random.Next(alphabet.Length)])];

    /// <summary>The bytes as a sequence of 1 to 6 segments split at random places.</summary>
    private static ReadOnlySequence<byte> Split(byte[] bytes, Random random)
    {
        var cuts = Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(0, bytes.Length + 1)).Order().Distinct().ToList();
        cuts.Add(bytes.Length);
        Segment? first = null, last = null;
        var from = 0;
        foreach (var cut in cuts)
        {
            var part = bytes.AsMemory(from, cut - from);
            last = last is null ? first = new Segment(part, 0) : last.Append(part);
            from = cut;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
