using System.Net;
using System.Net.Sockets;
using System.Text;
using Broadcast.ServiceDefaults.Listeners;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.ServiceDefaults.Tests.Listeners;

/// <summary>
/// The lean transport on a real Kestrel on loopback: a listener's head is served off Kestrel, everything else reaches
/// Kestrel with its bytes unread, silence is closed at the header timeout, the connection cap holds, and stopping the
/// host ends its lean connections.
/// </summary>
public sealed class LeanTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ListenerHead_ServedOffKestrel_OthersReachKestrelUnread()
    {
        await using var server = await TestServer.StartAsync();

        var lean = await ExchangeAsync(server.EndPoint, "GET /lean HTTP/1.0\r\nUser-Agent: test\r\n\r\n");
        var page = await ExchangeAsync(server.EndPoint, "GET /page HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        var post = await ExchangeAsync(server.EndPoint, "POST /lean HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
        var garbage = await ExchangeAsync(server.EndPoint, "\x16\x03\x01 not http\r\n\r\n");

        Assert.Equal("HTTP/1.0 200 OK\r\n\r\nlean /lean\n", lean);
        Assert.Equal(1, server.Listeners.Served);
        Assert.StartsWith("HTTP/1.1 200", page, StringComparison.Ordinal);
        Assert.Contains("\r\nkestrel\r\n", page, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", post, StringComparison.Ordinal); // Kestrel read the whole request, body included
        Assert.Contains("\r\nposted hi\r\n", post, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", garbage, StringComparison.Ordinal);
        Assert.Equal(1, server.Listeners.Served);
    }

    [Fact]
    public async Task SilentConnection_ClosedAtTheHeaderTimeout_ServerGoesOn()
    {
        await using var server = await TestServer.StartAsync();
        using var silent = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
        using var gone = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await gone.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
        gone.Close(); // leaves before its head

        using var wait = new CancellationTokenSource(Timeout);
        var read = await silent.ReceiveAsync(new byte[16], SocketFlags.None, wait.Token);

        Assert.Equal(0, read); // closed by the server, nothing sent
        Assert.Equal("HTTP/1.0 200 OK\r\n\r\nlean /lean\n", await ExchangeAsync(server.EndPoint, "GET /lean HTTP/1.0\r\n\r\n"));
    }

    [Fact]
    public async Task PastTheCap_ConnectionsRefused_ThoseServedPlayOn()
    {
        await using var server = await TestServer.StartAsync(cap: 2, hold: true);
        var ct = TestContext.Current.CancellationToken;
        using var first = await HeldAsync(server, ct);
        using var second = await HeldAsync(server, ct);

        using var third = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await third.ConnectAsync(server.EndPoint, ct); // the kernel accepts; the transport closes it
        await third.SendAsync(Encoding.ASCII.GetBytes("GET /lean HTTP/1.0\r\n\r\n"), ct);
        using var wait = new CancellationTokenSource(Timeout);
        var refused = await ReadToEndAsync(third, wait.Token);

        Assert.Equal(string.Empty, refused);
        Assert.Equal(2, server.Listeners.Served);
        Assert.False(first.Poll(0, SelectMode.SelectRead)); // both held connections are still open: nothing to read, no close
        Assert.False(second.Poll(0, SelectMode.SelectRead));
    }

    [Fact]
    public async Task StoppingTheHost_EndsItsLeanConnections()
    {
        var server = await TestServer.StartAsync(hold: true);
        var ct = TestContext.Current.CancellationToken;
        using var held = await HeldAsync(server, ct);

        await server.DisposeAsync();
        using var wait = new CancellationTokenSource(Timeout);
        var rest = await ReadToEndAsync(held, wait.Token);

        Assert.Equal(string.Empty, rest);
    }

    [Fact]
    public async Task ListenerWhoLeaves_ItsConnectionEnds_WhileNothingIsSent()
    {
        await using var server = await TestServer.StartAsync(hold: true);
        var held = await HeldAsync(server, TestContext.Current.CancellationToken);

        held.Dispose(); // the server sends nothing more: only its watch on the socket can tell
        var ended = await server.Listeners.Ended.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(1, ended);
    }

    /// <summary>A lean listener whose serving waits until its connection is aborted (the head is answered first).</summary>
    private static async Task<Socket> HeldAsync(TestServer server, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint, ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /lean HTTP/1.0\r\n\r\n"), ct);
        var expected = "HTTP/1.0 200 OK\r\n\r\nlean /lean\n".Length;
        var buffer = new byte[expected];
        using var wait = new CancellationTokenSource(Timeout);
        for (var read = 0; read < expected;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, wait.Token);
            Assert.NotEqual(0, n);
            read += n;
        }

        return socket;
    }

    private static async Task<string> ExchangeAsync(IPEndPoint endPoint, string request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var wait = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(endPoint, wait.Token);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request), wait.Token);
        return await ReadToEndAsync(socket, wait.Token);
    }

    private static async Task<string> ReadToEndAsync(Socket socket, CancellationToken ct)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                text.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            // a reset ends it as well
        }

        return text.ToString();
    }

    private sealed class TestListeners(bool hold) : ILeanListeners
    {
        private int _served;
        private int _ended;

        public int Served => Volatile.Read(ref _served);

        /// <summary>Completed with the count of held connections whose Closed fired.</summary>
        public TaskCompletionSource<int> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Enabled => true;

        public object? Parse(ReadOnlySpan<byte> head, IPAddress? peer) =>
            head.StartsWith("GET /lean "u8) ? "/lean" : null;

        public async Task ServeAsync(LeanConnection connection, object request)
        {
            Interlocked.Increment(ref _served);
            await connection.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\n\r\nlean {request}\n"), connection.Closed);
            if (hold)
            {
                await Task.Delay(System.Threading.Timeout.Infinite, connection.Closed).ContinueWith(_ => { }, TaskScheduler.Default);
                Ended.TrySetResult(Interlocked.Increment(ref _ended));
            }
        }
    }

    private sealed class TestServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private TestServer(WebApplication app, TestListeners listeners)
        {
            _app = app;
            Listeners = listeners;
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            EndPoint = new IPEndPoint(IPAddress.Loopback, new Uri(address).Port);
        }

        public IPEndPoint EndPoint { get; }

        public TestListeners Listeners { get; }

        public static async Task<TestServer> StartAsync(long? cap = null, bool hold = false)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration["Connections:HeaderTimeoutSeconds"] = "1";
            var listeners = new TestListeners(hold);
            builder.Services.AddSingleton(listeners);
            builder.Services.AddLeanTransport<TestListeners>(builder.Configuration);
            builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxConcurrentConnections = cap);
            var app = builder.Build();
            app.MapGet("/page", () => "kestrel");
            app.MapPost("/lean", async (HttpRequest request) => "posted " + await new StreamReader(request.Body).ReadToEndAsync());
            await app.StartAsync(TestContext.Current.CancellationToken);
            return new TestServer(app, listeners);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
