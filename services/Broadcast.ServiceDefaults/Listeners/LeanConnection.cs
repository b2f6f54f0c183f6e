using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Broadcast.ServiceDefaults.Listeners;

/// <summary>
/// A listener's connection on a lean path, whoever accepted it: the socket its stream is sent on, a token that fires
/// when the connection is ended on purpose, a way to end it, and a way to send a short answer. Either Kestrel accepted
/// it and its connection middleware has it (<see cref="Of"/>), or <see cref="LeanTransportFactory"/> did and Kestrel
/// never saw it.
/// </summary>
public abstract class LeanConnection(Socket socket)
{
    public Socket Socket { get; } = socket;

    /// <summary>Fires when the connection is aborted (a send that fails is how a listener's departure shows).</summary>
    public abstract CancellationToken Closed { get; }

    /// <summary>Ends the connection: what was sent before still goes out, then the close.</summary>
    public abstract void Abort();

    /// <summary>Sends <paramref name="bytes"/> (a short answer; streams go on <see cref="Socket"/>).</summary>
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>A connection Kestrel accepted: answers go through its transport's output.</summary>
    public static LeanConnection Of(ConnectionContext connection, Socket socket) => new KestrelConnection(connection, socket);

    private sealed class KestrelConnection(ConnectionContext connection, Socket socket) : LeanConnection(socket)
    {
        public override CancellationToken Closed => connection.ConnectionClosed;

        public override void Abort() => connection.Abort();

        public override async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
            await connection.Transport.Output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }
}
