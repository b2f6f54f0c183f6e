using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>Bad input to the directory's APIs and the ingest's metadata endpoint: a clear error, nothing else.</summary>
[Collection(nameof(DirectoryTests))]
public sealed class DirectoryInputTests
{
    [Fact]
    public async Task AdminAndPublicApi_BadInput_ClearErrorsAndTheDirectoryStillServes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 0);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        async Task<(HttpStatusCode Status, string Body)> Admin(HttpMethod method, string path, string? json, string token = DirectoryCluster.AdminToken)
        {
            using var request = new HttpRequestMessage(method, new Uri(cluster.Directory, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            using var response = await http.SendAsync(request, ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await Admin(HttpMethod.Get, "/api/admin/stations", null, token: "not-the-token")).Status);
        var garbage = await Admin(HttpMethod.Put, "/api/admin/stations/a.mp3", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Status);
        Assert.Contains("JSON", garbage.Body, StringComparison.Ordinal);
        Assert.Contains("password is required", (await Admin(HttpMethod.Put, "/api/admin/stations/a.mp3", """{"name":"x"}""")).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await Admin(HttpMethod.Put, "/api/admin/stations/a.mp3", $$"""{"password":"p","name":"{{new string('x', 600)}}"}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Admin(HttpMethod.Put, "/api/admin/stations/a%20b.mp3", """{"password":"p"}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Admin(HttpMethod.Put, "/api/admin/stations/nested/path.mp3", """{"password":"p"}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin(HttpMethod.Get, "/api/admin/stations/none.mp3", null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin(HttpMethod.Delete, "/api/admin/stations/none.mp3", null)).Status);

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri(cluster.Gateway, "/api/stations/bad..name"), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(cluster.Gateway, "/api/stations/none.mp3"), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(cluster.Gateway, "/api/admin/stations"), ct)).StatusCode); // never proxied

        // After all that, it still creates, updates and deletes.
        Assert.Equal(HttpStatusCode.Created, (await Admin(HttpMethod.Put, "/api/admin/stations/a.mp3", """{"password":"p"}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Admin(HttpMethod.Put, "/api/admin/stations/a.mp3", """{"genre":"jazz"}""")).Status);
        Assert.Contains("\"genre\":\"jazz\"", (await Admin(HttpMethod.Get, "/api/admin/stations", null)).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin(HttpMethod.Delete, "/api/admin/stations/a.mp3", null)).Status);
    }

    [Fact]
    public async Task MetadataUpdate_BadInput_ClearErrors()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await DirectoryCluster.StartAsync(ingests: 1, edges: 0);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ingest = cluster.Ingests[0].Address;

        async Task<(HttpStatusCode Status, string Body)> Update(string query)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(ingest, "/admin/metadata?" + query));
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(SourceClient.Basic("source", DirectoryCluster.SourcePassword));
            using var response = await http.SendAsync(request, ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await Update("mount=%2Fm.mp3&mode=killsource")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Update("mode=updinfo&song=x")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Update("mount=%2F..%2Fetc&mode=updinfo&song=x")).Status);
        var offline = await Update("mount=%2Fm.mp3&mode=updinfo&song=x");
        Assert.Equal(HttpStatusCode.BadRequest, offline.Status);
        Assert.Contains("Source does not exist", offline.Body, StringComparison.Ordinal);

        await using var source = SourceClient.StartFfmpeg(ingest, "/m.mp3", "mp3", seconds: 30, DirectoryCluster.SourcePassword);
        await Poll.UntilAsync(async () => (await Update("mount=%2Fm.mp3&mode=updinfo&song=ok")).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the source to connect\n" + cluster.Logs);
        Assert.Equal(HttpStatusCode.BadRequest, (await Update("mount=%2Fm.mp3&mode=updinfo&song=a%01b")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Update("mount=%2Fm.mp3&mode=updinfo&song=" + new string('x', 2000))).Status);
    }
}
