using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Broadcast.ServiceDefaults.Listeners;

/// <summary>What a service serves on <see cref="LeanTransportFactory"/>'s connections: listener streams.</summary>
public interface ILeanListeners
{
    /// <summary>False hands every connection to Kestrel (the service's lean path is off).</summary>
    public bool Enabled { get; }

    /// <summary>The request in a whole head, or null to leave the connection, every byte unread, to Kestrel.</summary>
    public object? Parse(ReadOnlySpan<byte> head, IPAddress? peer);

    /// <summary>Serves the request on the connection; the transport closes it when this ends.</summary>
    public Task ServeAsync(LeanConnection connection, object request);
}

/// <summary>A lean request that reads its connection itself after the head (a mux): the transport does not watch it for a close.</summary>
public interface IReadsItsConnection;

/// <summary>
/// Kestrel's transport with a listener's connection taken out before Kestrel sees it (issue #17). It accepts on the
/// endpoint's socket and waits, within the header timeout, for the first bytes; when they are a whole head that
/// <see cref="ILeanListeners.Parse"/> takes (looked at with <c>MSG_PEEK</c>, so nothing is consumed until then), the
/// head is read off the socket and the stream served on it: a listener then costs its socket and the service's few
/// objects, not Kestrel's transport connection with its two pipes and loops (≈ 2.5 KB of live heap each in the 5000-listener gcdump).
/// Every other connection (a page, the API, health, TLS, a head in pieces) is made Kestrel's as its socket transport
/// would make it, bytes unread, so Kestrel and the services' connection middleware serve it as before.
/// <c>Listeners:LeanTransport=false</c> leaves everything to Kestrel's socket transport.
/// </summary>
public sealed partial class LeanTransportFactory(
    ILeanListeners listeners,
    IOptions<SocketTransportOptions> sockets,
    IOptions<KestrelServerOptions> kestrel,
    IEnumerable<IMemoryPoolFactory<byte>> pools,
    IConfiguration configuration,
    ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var options = sockets.Value;
        var socket = (options.CreateBoundListenSocket ?? SocketTransportOptions.CreateDefaultBoundListenSocket)(endpoint);
        socket.Listen(options.Backlog);
        var factoryOptions = new SocketConnectionFactoryOptions
        {
            IOQueueCount = options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = options.MaxReadBufferSize,
            MaxWriteBufferSize = options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = options.UnsafePreferInlineScheduling,
        };

        // The pool Kestrel's own transport would take (Memory:KestrelPool); the option is not public.
        if (pools.LastOrDefault() is { } pool)
        {
            typeof(SocketConnectionFactoryOptions).GetProperty("MemoryPoolFactory", BindingFlags.Instance | BindingFlags.NonPublic)?.SetValue(factoryOptions, pool);
        }
        var logger = loggers.CreateLogger<LeanTransportFactory>();
        IConnectionListener listener = new Listener(
            socket,
            new SocketConnectionContextFactory(factoryOptions, loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets")),
            listeners,
            options.NoDelay,
            kestrel.Value.Limits.MaxConcurrentConnections,
            ConnectionLimit.HeaderTimeout(configuration),
            logger);
        return ValueTask.FromResult(listener);
    }

    private sealed partial class Listener : IConnectionListener
    {
        private readonly Socket _socket;
        private readonly SocketConnectionContextFactory _factory;
        private readonly ILeanListeners _listeners;
        private readonly bool _noDelay;
        private readonly long? _cap;
        private readonly TimeSpan _headerTimeout;
        private readonly ILogger _logger;
        private readonly Channel<Socket> _kestrel = Channel.CreateUnbounded<Socket>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        private readonly ConcurrentDictionary<AcceptedConnection, byte> _lean = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly Task _accepting;
        private long _open;

        public Listener(Socket socket, SocketConnectionContextFactory factory, ILeanListeners listeners, bool noDelay, long? cap, TimeSpan headerTimeout, ILogger logger)
        {
            (_socket, _factory, _listeners, _noDelay, _cap, _headerTimeout, _logger) = (socket, factory, listeners, noDelay, cap, headerTimeout, logger);
            EndPoint = socket.LocalEndPoint!;
            _accepting = AcceptLoopAsync();
        }

        public EndPoint EndPoint { get; }

        /// <summary>The next connection that is Kestrel's; null once unbound.</summary>
        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                var socket = await _kestrel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var connection = _factory.Create(socket);
                connection.ConnectionClosed.Register(static state => Interlocked.Decrement(ref ((Listener)state!)._open), this);
                return connection;
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            _socket.Dispose();
            _kestrel.Writer.TryComplete();
            await _accepting.ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await UnbindAsync().ConfigureAwait(false);
            foreach (var connection in _lean.Keys)
            {
                connection.Abort(); // the host is going: its lean listeners end with it, as Kestrel's connections do
            }

            while (_kestrel.Reader.TryRead(out var socket))
            {
                socket.Dispose();
            }

            _factory.Dispose();
            _stopping.Dispose();
        }

        private async Task AcceptLoopAsync()
        {
            while (!_stopping.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (SocketException exception)
                {
                    AcceptFailed(_logger, exception.SocketErrorCode); // a connection reset in the backlog, or out of files
                    continue;
                }

                if (Interlocked.Increment(ref _open) > _cap)
                {
                    Interlocked.Decrement(ref _open);
                    Refused(_logger, socket.RemoteEndPoint?.ToString(), _cap.Value);
                    socket.Dispose(); // as Kestrel's connection limit does: every connection already here plays on
                    continue;
                }

                socket.NoDelay = _noDelay;
                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Listener.SortAsync(state.Socket), (Listener: this, Socket: socket), preferLocal: false); // the next accept does not wait for this one's head or burst
            }
        }

        /// <summary>Serves a listener's connection here, or gives the connection to Kestrel.</summary>
        private async Task SortAsync(Socket socket)
        {
            object? request;
            try
            {
                request = await PeekAsync(socket).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                Interlocked.Decrement(ref _open);
                socket.Dispose(); // silent for the header timeout, gone, or the host stopping
                return;
            }

            if (request is null)
            {
                if (!_kestrel.Writer.TryWrite(socket))
                {
                    Interlocked.Decrement(ref _open);
                    socket.Dispose();
                }

                return;
            }

            var connection = new AcceptedConnection(socket);
            _lean.TryAdd(connection, 0);
            if (request is not IReadsItsConnection)
            {
                connection.Watch();
            }

            try
            {
                await _listeners.ServeAsync(connection, request).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is ConnectionResetException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // the listener left while it was answered
            }
            catch (Exception exception)
            {
                ServeFailed(_logger, exception);
            }
            finally
            {
                _lean.TryRemove(connection, out _);
                connection.Close();
                connection.Dispose();
                Interlocked.Decrement(ref _open);
            }
        }

        /// <summary>
        /// Waits for the first bytes and looks at them without taking them: a whole head the service takes is then read
        /// off the socket and its request returned; anything else (null) goes to Kestrel with every byte in place.
        /// </summary>
        private async Task<object?> PeekAsync(Socket socket)
        {
            if (!_listeners.Enabled)
            {
                return null;
            }

            using (var silence = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                silence.CancelAfter(_headerTimeout);
                try
                {
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
                {
                    HeadTimedOut(_logger, socket.RemoteEndPoint?.ToString(), _headerTimeout.TotalSeconds);
                    throw;
                }
            }

            var buffer = ArrayPool<byte>.Shared.Rent(StreamRequestHead.MaxBytes);
            try
            {
                var seen = socket.Receive(buffer, 0, StreamRequestHead.MaxBytes, SocketFlags.Peek);
                if (seen == 0)
                {
                    throw new ObjectDisposedException(nameof(Socket), "the client closed the connection before its head");
                }

                // A head in pieces goes to Kestrel, whose connection middleware waits for the rest (rare: listeners send
                // their head in one segment).
                if (StreamRequestHead.Classify(new ReadOnlySequence<byte>(buffer, 0, seen), out var length) != StreamRequestHead.Verdict.Whole
                    || _listeners.Parse(buffer.AsSpan(0, length), (socket.RemoteEndPoint as IPEndPoint)?.Address) is not { } request)
                {
                    return null;
                }

                for (var read = 0; read < length;)
                {
                    read += socket.Receive(buffer, read, length - read, SocketFlags.None); // the bytes are there: peeked
                }

                return request;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        [LoggerMessage(1201, LogLevel.Debug, "Connection from {Remote} closed: no request head within {Seconds} s")]
        private static partial void HeadTimedOut(ILogger logger, string? remote, double seconds);

        [LoggerMessage(1202, LogLevel.Warning, "Connection from {Remote} refused: {Cap} connections are open (Connections:MaxConcurrent, or the open-file limit)")]
        private static partial void Refused(ILogger logger, string? remote, long cap);

        [LoggerMessage(1203, LogLevel.Warning, "Accepting a connection failed: {Error}")]
        private static partial void AcceptFailed(ILogger logger, SocketError error);

        [LoggerMessage(1204, LogLevel.Error, "A lean listener's connection failed")]
        private static partial void ServeFailed(ILogger logger, Exception exception);
    }
}
