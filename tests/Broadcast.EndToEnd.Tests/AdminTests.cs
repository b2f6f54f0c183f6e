using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Icecast's admin across the cluster (issue #13): listeners on two edges and sources on two ingests, acted on through
/// the directory (Icecast's URLs, their <c>.json</c> forms and <c>/api/admin</c>) and through the gateway that exposes them.
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class AdminTests(OperatorFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static int s_badCase;

    private DirectoryCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Admin_WithoutOrWithWrongCredentials_401AndNothingHappens()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/admin-auth.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartTone(Cluster.Ingests[0].Address, Mount, seconds: 60, frequency: 440);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);

        foreach (var root in new[] { Cluster.Directory, Cluster.Gateway })
        {
            foreach (var credentials in new[] { null, SourceClient.Basic("admin", "wrong"), SourceClient.Basic("source", DirectoryCluster.AdminToken), "Bearer wrong" })
            {
                foreach (var command in new[] { $"/admin/killsource?mount={Mount}", $"/admin/listclients.json?mount={Mount}", "/admin/stats" })
                {
                    using var response = await SendAsync(http, HttpMethod.Get, new Uri(root, command), credentials, ct);
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                    Assert.Contains("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
                }

                using var api = await SendAsync(http, HttpMethod.Delete, new Uri(root, $"/api/admin/sources?mount={Mount}"), credentials, ct);
                Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
            }
        }

        await listener.WaitForMoreAsync(16_000, Timeout, "the source, still live");
        Assert.Equal("128k", Mp3Frames.Runs(listener.Bytes()));
        Assert.False(source.HasExited);
    }

    [Fact]
    public async Task ListClients_ListenersOnTwoEdges_EveryOneWithItsAddressAgentAndEdge_KillClientEndsExactlyOne()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/admin-clients.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartTone(Cluster.Ingests[1].Address, Mount, seconds: 60, frequency: 440);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("first-player/1.0");
        await using var onFirst = await StreamRecorder.StartAsync(http, new Uri(Cluster.Edges[0].Address, Mount), ct);
        using var other = LoopbackAddress.ClientFrom("127.0.0.2");
        other.Timeout = TimeSpan.FromSeconds(30);
        other.DefaultRequestHeaders.UserAgent.ParseAdd("second-player/2.0");
        await using var onSecond = await StreamRecorder.StartAsync(other, new Uri(Cluster.Edges[1].Address, Mount), ct);

        var xml = XDocument.Parse(await AdminAsync(http, Cluster.Directory, $"/admin/listclients?mount={Mount}", ct));
        var listeners = xml.Descendants("listener").ToList();
        Assert.Equal("2", xml.Descendants("Listeners").Single().Value);
        Assert.Equal(["first-player/1.0", "second-player/2.0"], listeners.Select(l => l.Element("UserAgent")!.Value).Order());
        Assert.Equal(["127.0.0.1", "127.0.0.2"], listeners.Select(l => l.Element("IP")!.Value).Order());
        Assert.Equal(2, listeners.Select(l => l.Element("edge")!.Value).Distinct().Count());
        Assert.All(listeners, l => Assert.Equal(l.Attribute("id")!.Value, l.Element("ID")!.Value));

        using var json = JsonDocument.Parse(await AdminAsync(http, Cluster.Gateway, $"/admin/listclients.json?mount={Mount}", ct));
        Assert.Equal(2, json.RootElement.GetProperty("icestats").GetProperty("source").GetProperty("listener").GetArrayLength());
        using var api = JsonDocument.Parse(await AdminAsync(http, Cluster.Directory, $"/api/admin/listeners?mount={Mount}", ct));
        Assert.Equal(2, api.RootElement.GetProperty("listeners").GetArrayLength());

        // The second listener is on the other edge: the command reaches it there, and only it ends.
        var id = listeners.Single(l => l.Element("UserAgent")!.Value == "second-player/2.0").Attribute("id")!.Value;
        var killed = XDocument.Parse(await AdminAsync(http, Cluster.Directory, $"/admin/killclient?mount={Mount}&id={id}", ct));
        Assert.Equal($"Client {id} removed", killed.Descendants("message").Single().Value);
        Assert.Equal("1", killed.Descendants("return").Single().Value);
        await Poll.UntilAsync(() => Task.FromResult(onSecond.EndedBy is not null), Timeout, "the killed listener's connection to end");
        await onFirst.WaitForMoreAsync(16_000, Timeout, "the other listener, undisturbed");

        var missing = await SendAsync(http, HttpMethod.Get, new Uri(Cluster.Directory, $"/admin/killclient?mount={Mount}&id={id}"), Admin, ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains($"Client {id} not found", await missing.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Null(onFirst.EndedBy);
    }

    [Theory]
    [InlineData("/admin/killclient?mount=/admin-bad.mp3&id=abc", "id must be")]
    [InlineData("/admin/killclient?mount=/admin-bad.mp3", "Missing parameter: id")]
    [InlineData("/admin/killclient?id=5", "Missing parameter: mount")]
    [InlineData("/admin/killsource?mount=/nobody-here.mp3", "Source does not exist")]
    [InlineData("/admin/killsource?mount=/../etc/passwd", "mount:")]
    [InlineData("/admin/listclients?mount=%00", "mount:")]
    [InlineData("/admin/moveclients?mount=/admin-bad.mp3&destination=/offline.mp3", "No such destination")]
    [InlineData("/admin/moveclients?mount=/admin-bad.mp3&destination=/admin-bad.mp3", "identical")]
    [InlineData("/admin/moveclients?mount=/admin-bad.mp3", "Missing parameter: destination")]
    [InlineData("/admin/metadata?mount=/admin-bad.mp3&mode=other&song=x", "No such action")]
    [InlineData("/admin/fallbacks?mount=/admin-bad.mp3&fallback=not%20a%20mount%00", "fallback:")]
    [InlineData("/admin/fallbacks?mount=/admin-bad.mp3&fallback=/admin-bad.mp3", "fallback loop")]
    public async Task Admin_MalformedOrUnknown_ClearErrorAndTheStationIsUndisturbed(string command, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        // A mount per case: with one, a case's source would take over the previous case's lingering stream.
        var mount = $"/admin-bad-{Interlocked.Increment(ref s_badCase)}.mp3";
        command = command.Replace("/admin-bad.mp3", mount, StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartTone(Cluster.Ingests[0].Address, mount, seconds: 60, frequency: 440);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, mount), ct);
        await Poll.UntilAsync(async () => (await AdminAsync(http, Cluster.Directory, "/admin/listmounts", ct)).Contains(mount, StringComparison.Ordinal), Timeout, "the directory to list the station");

        using var response = await SendAsync(http, HttpMethod.Get, new Uri(Cluster.Directory, command), Admin, ct);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{command}: {(int)response.StatusCode}");
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.Contains(message, body, StringComparison.Ordinal);
        Assert.Equal("0", XDocument.Parse(body).Descendants("return").Single().Value);
        await listener.WaitForMoreAsync(16_000, Timeout, "the station, undisturbed");
        Assert.Equal("128k", Mp3Frames.Runs(listener.Bytes()));
    }

    [Fact]
    public async Task Admin_GeneratedQueries_AnIcecastAnswerEachTime_AndTheStationIsUndisturbed()
    {
        // Property test of the admin query parsing: seeded commands with generated, mutated and hostile parameters
        // (BROADCAST_FUZZ_SEED / BROADCAST_FUZZ_CASES for a longer run). Every answer is Icecast's: 200 or 4xx with an
        // iceresponse or a listing, never a 5xx; the mounts are never a live one, so nothing is killed or moved.
        var ct = TestContext.Current.CancellationToken;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_SEED"), out var s) ? s : 1613;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_FUZZ_CASES"), out var c) ? Math.Min(c, 20_000) : 300;
        const string Mount = "/admin-fuzzed.mp3";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartTone(Cluster.Ingests[0].Address, Mount, seconds: 90, frequency: 440);
        await Listener.WaitLiveAsync(http, new Uri(Cluster.Gateway, Mount), Timeout, Cluster.Logs);
        await using var listener = await StreamRecorder.StartAsync(http, new Uri(Cluster.Gateway, Mount), ct);
        string[] commands = ["listclients", "killclient", "killsource", "moveclients", "fallbacks", "metadata", "stats", "listmounts"];
        string[] names = ["mount", "id", "destination", "fallback", "mode", "song", "url", "artist", "title", "charset"];
        var random = new Random(seed);
        for (var run = 0; run < cases; run++)
        {
            var query = new System.Text.StringBuilder();
            for (var p = random.Next(0, 6); p > 0; p--)
            {
                var name = random.Next(8) == 0 ? FuzzValue(random) : names[random.Next(names.Length)];
                query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(FuzzValue(random));
            }

            var command = $"/admin/{commands[random.Next(commands.Length)]}{(random.Next(2) == 0 ? ".json" : string.Empty)}{query}";
            using var response = await SendAsync(http, HttpMethod.Get, new Uri(Cluster.Directory, command), Admin, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True((int)response.StatusCode is 200 or 400 or 404, $"seed {seed} case {run}: {command}: {(int)response.StatusCode} {body}");
            Assert.False(string.IsNullOrWhiteSpace(body), $"seed {seed} case {run}: {command}: an empty answer");
        }

        await listener.WaitForMoreAsync(16_000, Timeout, "the station, undisturbed by the generated queries");
        Assert.Null(listener.EndedBy);
        var logs = Cluster.Logs;
        var unhandled = logs.IndexOf("Unhandled exception", StringComparison.Ordinal);
        Assert.True(unhandled < 0, "an unhandled exception in the cluster's logs (shared by the collection's tests):\n" + (unhandled < 0 ? string.Empty : Around(logs, unhandled)));
    }

    /// <summary>The log from the member's name before <paramref name="at"/> to 4000 characters after it (the stack trace).</summary>
    private static string Around(string logs, int at)
    {
        var member = Math.Max(0, logs.LastIndexOf("\n[", at, StringComparison.Ordinal));
        var name = logs[member..Math.Max(member, logs.IndexOf('\n', member + 1))];
        return name + "\n...\n" + logs[at..Math.Min(logs.Length, at + 4000)];
    }

    /// <summary>A parameter value: a valid-looking mount never live, a number, or escaped noise (NUL, CR/LF, dots, UTF-8 and not).</summary>
    private static string FuzzValue(Random random)
    {
        string[] shapes = ["/fuzz-{0}.mp3", "{0}", "/../{0}", "//{0}", "/{0}/x", "-{1}", "{1}", "99999999999999999999{1}", "%2Ffuzz{0}", ""];
        const string Alphabet = "abz09._-~%/\\:;&=?#+* \t";
        var noise = new System.Text.StringBuilder();
        for (var i = random.Next(0, random.Next(2) == 0 ? 12 : 400); i > 0; i--)
        {
            noise.Append(random.Next(4) == 0 ? $"%{random.Next(256):X2}" : Uri.EscapeDataString(Alphabet[random.Next(Alphabet.Length)].ToString()));
        }

        return string.Format(System.Globalization.CultureInfo.InvariantCulture, shapes[random.Next(shapes.Length)], noise, random.Next());
    }

    internal static string Admin => SourceClient.Basic("admin", DirectoryCluster.AdminToken);

    internal static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, Uri url, string? credentials, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        if (credentials is not null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(credentials);
        }

        return await http.SendAsync(request, cancellationToken);
    }

    /// <summary>An admin GET with Icecast's credentials; asserts success and returns the body.</summary>
    internal static async Task<string> AdminAsync(HttpClient http, Uri root, string command, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(http, HttpMethod.Get, new Uri(root, command), Admin, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{command}: {(int)response.StatusCode} {body}");
        return body;
    }
}
