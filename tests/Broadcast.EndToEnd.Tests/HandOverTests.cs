using System.Net;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Hand-over, linger and fallback (issue #13): a listener through the gateway keeps its one connection while sources
/// come and go on either ingest, hears frame-aligned silence between them, and can still resume by offset.
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class HandOverTests(OperatorFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private DirectoryCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task HandOver_NewSourceOnAnotherIngestWithinLinger_OneConnectionSilenceThenTheNewSourceAndResumeWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/handover.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var first = SourceClient.StartTone(Cluster.Ingests[0].Address, Mount, seconds: 60, frequency: 440, bitrate: "128k");
        await using var firstGuard = first;
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);
        await listener.WaitForMoreAsync(32_000, Timeout, "the first source's audio");

        await first.DisposeAsync(); // the DJ leaves
        await listener.WaitForMoreAsync(40_000, Timeout, "the fallback's silence");
        await using var second = SourceClient.StartTone(Cluster.Ingests[1].Address, Mount, seconds: 60, frequency: 880, bitrate: "64k");
        await Poll.UntilAsync(() => Task.FromResult(Mp3Frames.Runs(listener.Bytes()).EndsWith("64k", StringComparison.Ordinal)), Timeout, "the second source on the listener's connection\n" + Cluster.Logs);
        await listener.WaitForMoreAsync(16_000, Timeout, "more of the second source");

        var heard = listener.Bytes();
        Assert.Null(listener.EndedBy);
        Assert.Equal("128k > silence > 64k", Mp3Frames.Runs(heard));
        await Listener.DecodeAsync(await listener.SaveAsync(ct), ct);

        // The offsets went on across the hand-over: a resume from a byte the second source sent returns exactly it.
        var skip = heard.Length - 12_000;
        using var resumed = await http.GetAsync(new Uri(Cluster.Gateway, $"{Mount}?from={listener.Offset + skip}&session={listener.Session}"), HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var again = await Listener.ReadExactlyAsync(resumed, 8_000, ct);
        Assert.True(heard.AsSpan(skip, 8_000).SequenceEqual(again), "the resumed bytes differ from what the listener heard");
    }

    [Fact]
    public async Task Linger_NoSourceReturns_SilenceForTheLingerThenTheStationEndsCleanly()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/linger.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var source = SourceClient.StartTone(Cluster.Ingests[0].Address, Mount, seconds: 60, frequency: 440);
        await using var sourceGuard = source;
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);
        await listener.WaitForMoreAsync(16_000, Timeout, "the source's audio");

        await source.DisposeAsync();
        await listener.WaitForMoreAsync(64_000, Timeout, "four seconds of the fallback's silence");
        Assert.Equal("128k > silence", Mp3Frames.Runs(listener.Bytes()));

        await Poll.UntilAsync(() => Task.FromResult(listener.EndedBy is not null), TimeSpan.FromSeconds(OperatorFixture.LingerSeconds + 15), "the station to end after its linger");
        Assert.Equal("end of stream", listener.EndedBy);
        await Listener.WaitHeadStatusAsync(http, new Uri(Cluster.Gateway, Mount), HttpStatusCode.NotFound, Timeout, "the station to be gone");
    }

    [Fact]
    public async Task Priority_DjOnAnotherIngestOverridesThePlaylist_PlaylistResumesWhenTheDjLeaves()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/priority.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var playlist = SourceClient.StartTone(Cluster.Ingests[0].Address, Mount, seconds: 60, frequency: 440, bitrate: "128k");
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);
        await listener.WaitForMoreAsync(16_000, Timeout, "the playlist");

        var dj = SourceClient.StartTone(Cluster.Ingests[1].Address, Mount, seconds: 60, frequency: 880, bitrate: "64k", user: OperatorFixture.DjUser);
        await using var djGuard = dj;
        await Poll.UntilAsync(() => Task.FromResult(Mp3Frames.Runs(listener.Bytes()).EndsWith("64k", StringComparison.Ordinal)), Timeout, "the DJ on the air\n" + Cluster.Logs);
        await listener.WaitForMoreAsync(16_000, Timeout, "the DJ");

        await dj.DisposeAsync();
        await Poll.UntilAsync(() => Task.FromResult(Mp3Frames.Runs(listener.Bytes()) == "128k > 64k > 128k"), Timeout, "the playlist back on the air\n" + Mp3Frames.Runs(listener.Bytes()) + "\n" + Cluster.Logs);
        await listener.WaitForMoreAsync(16_000, Timeout, "more of the playlist");

        Assert.Null(listener.EndedBy);
        Assert.Equal("128k > 64k > 128k", Mp3Frames.Runs(listener.Bytes()));
        await Listener.DecodeAsync(await listener.SaveAsync(ct), ct);
    }

    [Fact]
    public async Task SecondSource_EqualPriorityOrAnotherCodecWhileLive_403AndTheListenerIsUndisturbed()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/in-use.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartTone(Cluster.Ingests[0].Address, Mount, seconds: 60, frequency: 440);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);

        foreach (var (ingest, contentType) in new[] { (0, "audio/mpeg"), (1, "audio/mpeg"), (1, "audio/aac"), (0, "audio/aac") })
        {
            var head = $"PUT {Mount} HTTP/1.1\r\nHost: x\r\nAuthorization: {SourceClient.Basic("source", BroadcastCluster.SourcePassword)}\r\nContent-Type: {contentType}\r\n\r\n";
            var reply = await SourceClient.RawAsync(Cluster.Ingests[ingest].Address, head, null, ct);
            Assert.StartsWith("HTTP/1.0 403", reply, StringComparison.Ordinal);
            Assert.Contains("Mountpoint in use", reply, StringComparison.Ordinal);
        }

        await listener.WaitForMoreAsync(16_000, Timeout, "the first source, still");
        Assert.Equal("128k", Mp3Frames.Runs(listener.Bytes()));
    }

    [Fact]
    public async Task CodecChange_WhileLingering_EndsTheOldStreamAndTheNewCodecStarts()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/codec-change";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var mp3 = SourceClient.StartTone(Cluster.Ingests[0].Address, Mount, seconds: 60, frequency: 440);
        await using var mp3Guard = mp3;
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);
        await listener.WaitForMoreAsync(16_000, Timeout, "the MP3 source");
        await mp3.DisposeAsync();
        await listener.WaitForMoreAsync(16_000, Timeout, "the fallback's silence");

        await using var aac = SourceClient.StartFfmpeg(Cluster.Ingests[1].Address, Mount, "aac", seconds: 60);

        // A player chose its decoder from Content-Type: the MP3 listener is ended cleanly, a new one gets AAC.
        await Poll.UntilAsync(() => Task.FromResult(listener.EndedBy is not null), Timeout, "the MP3 listener to be ended\n" + Cluster.Logs);
        await Poll.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(Cluster.Gateway, Mount));
                using var response = await http.SendAsync(request, ct);
                return response.Content.Headers.ContentType?.MediaType == "audio/aac";
            },
            Timeout,
            "the station in AAC");
    }

    [Fact]
    public async Task Linger_FallbackFile_LoopedUntilASourceReturns()
    {
        var ct = TestContext.Current.CancellationToken;
        var mount = OperatorFixture.FileFallbackMount;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var source = SourceClient.StartTone(Cluster.Ingests[0].Address, mount, seconds: 60, frequency: 440);
        await using var sourceGuard = source;
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, mount), ct);
        await listener.WaitForMoreAsync(16_000, Timeout, "the source's audio");

        await source.DisposeAsync();
        await listener.WaitForMoreAsync(20_000, Timeout, "five seconds of the 32 kbit/s fallback file (it is 3 s long: it loops)");
        await using var back = SourceClient.StartTone(Cluster.Ingests[0].Address, mount, seconds: 60, frequency: 440);
        await Poll.UntilAsync(() => Task.FromResult(Mp3Frames.Runs(listener.Bytes()) == "128k > 32k > 128k"), Timeout, "the source back: " + Mp3Frames.Runs(listener.Bytes()) + "\n" + Cluster.Logs);

        Assert.Null(listener.EndedBy);
        await Listener.DecodeAsync(await listener.SaveAsync(ct), ct);
    }

    [Fact]
    public async Task HandOver_OggVorbisSourceReplaced_ListenerCaptureDecodesAcrossTheNewChain()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/handover.ogg";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var first = SourceClient.StartFfmpeg(Cluster.Ingests[0].Address, Mount, "vorbis", seconds: 60);
        await using var firstGuard = first;
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);
        await listener.WaitForMoreAsync(8_000, Timeout, "the first source's audio");

        await first.DisposeAsync(); // no silence can be made for Vorbis: the listener waits, connected
        await using var second = SourceClient.StartFfmpeg(Cluster.Ingests[1].Address, Mount, "vorbis", seconds: 60);
        await listener.WaitForMoreAsync(24_000, Timeout, "the second source's chain");

        Assert.Null(listener.EndedBy);
        var path = await listener.SaveAsync(ct);
        await Listener.DecodeAsync(path, ct);
        var decoded = await ExternalTool.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-i", path, "-f", "s16le", "-"], TimeSpan.FromSeconds(30), ct);
        Assert.True(decoded.Length > 0, "the capture decodes to audio");
    }
}
