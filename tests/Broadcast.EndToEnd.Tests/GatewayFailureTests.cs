using System.Net;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>A gateway whose only edge is gone: a clear 502/503 per listener, and the gateway itself stays up.</summary>
public sealed class GatewayFailureTests
{
    [Fact]
    public async Task Listen_EdgeUnreachable_ClearErrorAndTheGatewayKeepsServing()
    {
        var ct = TestContext.Current.CancellationToken;
        var deadEdge = $"http://127.0.0.1:{FreePort.Next()}"; // nothing listens there
        var (gateway, process) = ServiceLauncher.Start("Broadcast.Gateway", new Dictionary<string, string> { ["Gateway__Edges__0"] = deadEdge });
        await using (process)
        {
            await ServiceLauncher.WaitReadyAsync([gateway], () => process.Output, TimeSpan.FromSeconds(60), "/healthz/live"); // no healthy edge: never ready
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            for (var i = 0; i < 20; i++)
            {
                using var response = await http.GetAsync(new Uri(gateway, "/any.mp3"), ct);
                Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"got {response.StatusCode}");
                Assert.Contains("edge", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            Assert.False(process.HasExited);
            Assert.True((await http.GetAsync(new Uri(gateway, "/healthz/live"), ct)).IsSuccessStatusCode);
        }
    }
}
