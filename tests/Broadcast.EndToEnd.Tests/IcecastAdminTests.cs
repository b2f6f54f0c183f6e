using System.Net;
using System.Net.Http.Headers;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>Icecast's admin interface on the directory (issue #13, read side): credentials as Icecast tools send them.</summary>
[Collection(nameof(DirectoryTests))]
public sealed class IcecastAdminTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task IcecastAdmin_ListmountsAndStreamlist_NeedAdminCredentials_AndListTheCluster()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, "/admin-list.mp3", "mp3", seconds: 60, DirectoryCluster.SourcePassword);
        await DirectoryTests.WaitStationAsync(http, cluster, "admin-list.mp3", _ => true, cluster.Logs);
        using var listener = await http.GetAsync(new Uri(cluster.Edges[0].Address, "/admin-list.mp3"), HttpCompletionOption.ResponseHeadersRead, ct);

        foreach (var path in new[] { "/admin/listmounts", "/admin/streamlist.txt" })
        {
            using var anonymous = await http.GetAsync(new Uri(cluster.Directory, path), ct);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Directory, path));
            wrong.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("admin", "guess"));
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong, ct)).StatusCode);
        }

        async Task<string> AdminGetAsync(string path, string authorization)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Directory, path));
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
            using var response = await http.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync(ct);
        }

        Assert.Equal("/admin-list.mp3\n", await AdminGetAsync("/admin/streamlist.txt", SourceClient.Basic("admin", DirectoryCluster.AdminToken)));
        await Poll.UntilAsync(async () => (await AdminGetAsync("/admin/listmounts", "Bearer " + DirectoryCluster.AdminToken)).Contains("<source mount=\"/admin-list.mp3\"><listeners>1</listeners>", StringComparison.Ordinal), Timeout, "listmounts to count the listener");
        var xml = System.Xml.Linq.XDocument.Parse(await AdminGetAsync("/admin/listmounts", SourceClient.Basic("admin", DirectoryCluster.AdminToken)));
        Assert.Equal("audio/mpeg", xml.Root!.Element("source")!.Element("content-type")!.Value);
    }
}
