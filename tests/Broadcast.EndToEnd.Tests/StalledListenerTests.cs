using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Listeners that connect through the gateway and never read a byte: the kernel memory they pin is bounded by the
/// send buffers we set (Listeners:SendBufferBytes), every one of them is closed by the server, and a listener who
/// reads meanwhile is not disturbed.
/// </summary>
public sealed class StalledListenerTests
{
    private const int Stalled = 200;
    private const int StalledSeconds = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string[] TcpTables = ["/proc/net/tcp", "/proc/net/tcp6"];

    [Fact]
    public async Task ListenersThatNeverRead_BoundedKernelMemory_AllClosed_OthersPlayOn()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Mount = "/stalled.mp3";
        await using var cluster = await DirectoryCluster.StartAsync(
            ingests: 1,
            edges: 1,
            commonSettings: new Dictionary<string, string> { ["Listeners__StalledSeconds"] = StalledSeconds.ToString(CultureInfo.InvariantCulture) });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var source = SourceClient.StartFfmpeg(cluster.Ingests[0].Address, Mount, "mp3", seconds: 120);
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, Mount), Timeout, cluster.Logs);
        await using var reading = await StreamRecorder.StartAsync(http, new Uri(cluster.Gateway, Mount), ct);

        var baseline = TcpMemoryPages();
        var sockets = new List<Socket>();
        try
        {
            var request = Encoding.ASCII.GetBytes($"GET {Mount} HTTP/1.0\r\nHost: {cluster.Gateway.Authority}\r\nUser-Agent: never-reads\r\n\r\n");
            for (var i = 0; i < Stalled; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(cluster.Gateway.Host, cluster.Gateway.Port, ct);
                await socket.SendAsync(request, ct);
            }

            // Until every one of them is closed by the server (seen in the kernel's table without reading a byte: the
            // client's side leaves ESTABLISHED), follow the kernel's TCP memory (pages of 4 KiB). A connection is known
            // by its local and its remote port: the kernel gives the same local port to connections to other servers,
            // and the tests running alongside hold hundreds of those.
            var ports = sockets.Select(s => ((System.Net.IPEndPoint)s.LocalEndPoint!).Port).ToHashSet();
            var gatewayPort = cluster.Gateway.Port;
            var peak = baseline;
            var open = Stalled;
            await Poll.UntilAsync(
                () =>
                {
                    peak = Math.Max(peak, TcpMemoryPages());
                    open = Established().Count(c => c.Remote == gatewayPort && ports.Contains(c.Local));
                    return Task.FromResult(open == 0);
                },
                Timeout,
                () => $"the server to close every stalled listener ({open} of {Stalled} still open)\n{cluster.Logs}");

            // Both ends are on this machine: this counts the never-read queues on the listeners' side too (their
            // default receive buffer, 128 KiB), plus gateway→listener, edge→gateway. Unbounded, it was ≈ 690 KiB for
            // the gateway's side alone.
            var perListener = (peak - baseline) * 4096L / Stalled;
            Assert.True(perListener < 512 * 1024, $"kernel TCP memory per stalled listener: {perListener / 1024} KiB (peak {peak} pages, baseline {baseline})");
            await reading.WaitForMoreAsync(16 * 1024, TimeSpan.FromSeconds(15), "audio for the listener who reads");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Local and remote ports of the TCP connections in state ESTABLISHED (01), from <c>/proc/net/tcp</c> and <c>tcp6</c>.</summary>
    private static IEnumerable<(int Local, int Remote)> Established() =>
        TcpTables.Where(File.Exists).SelectMany(path => File.ReadLines(path).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 3 && fields[3] == "01")
            .Select(fields => (Port(fields[1]), Port(fields[2])));

    /// <summary>The port of an <c>address:port</c> field of the kernel's table (hexadecimal).</summary>
    private static int Port(string field) => int.Parse(field[(field.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>The <c>mem</c> field of the TCP line of <c>/proc/net/sockstat</c>: pages of socket buffers in use.</summary>
    private static long TcpMemoryPages()
    {
        var line = File.ReadLines("/proc/net/sockstat").First(l => l.StartsWith("TCP:", StringComparison.Ordinal));
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[Array.IndexOf(fields, "mem") + 1], CultureInfo.InvariantCulture);
    }
}
