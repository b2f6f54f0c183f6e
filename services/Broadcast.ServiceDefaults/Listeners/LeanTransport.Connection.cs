using System.Net.Sockets;

namespace Broadcast.ServiceDefaults.Listeners;

public sealed partial class LeanTransportFactory
{
    /// <summary>A connection of the lean transport's: nothing of Kestrel's, a token for its abort.</summary>
    private sealed class AcceptedConnection(Socket socket) : LeanConnection(socket), IDisposable
    {
        private readonly CancellationTokenSource _closed = new();
        private int _ended;

        public override CancellationToken Closed => _closed.Token;

        /// <summary>
        /// Waits, with a zero-byte read (no buffer), for the client to close its side, and then aborts the connection,
        /// so a listener who leaves a silent station is gone at once, as Kestrel's receive loop would tell. Bytes a
        /// client sends after its head are read and dropped.
        /// </summary>
        public void Watch() => _ = WatchAsync();

        public override void Abort()
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            try
            {
                _closed.Cancel();
            }
            catch (Exception exception) when (exception is AggregateException or ObjectDisposedException)
            {
                // a waiter's callback failed, or the stream ended meanwhile; the connection ends all the same
            }

            Shut();
        }

        public override async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            while (!bytes.IsEmpty)
            {
                bytes = bytes[await Socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
            }
        }

        private async Task WatchAsync()
        {
            try
            {
                do
                {
                    await Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                }
                while (Volatile.Read(ref _ended) == 0 && Open());
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // reset, or closed by the stream's end
            }

            Abort();
        }

        /// <summary>
        /// After the wait: drops what the client sent and says true; false only when the socket is readable with
        /// nothing to read, i.e. the client closed its side or reset it. A wake-up with nothing readable (the bench
        /// saw 16 of 5000 listeners cut by taking one for a close) waits again.
        /// </summary>
        private bool Open()
        {
            if (Socket.Available == 0)
            {
                return !Socket.Poll(0, SelectMode.SelectRead);
            }

            Span<byte> discard = stackalloc byte[256];
            while (Socket.Available > 0)
            {
                if (Socket.Receive(discard, SocketFlags.None) == 0)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The end of the stream: what the client sent since its head is dropped (unread bytes would turn the close into a reset), then the close.</summary>
        public void Close()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Shut();
            }
        }

        public void Dispose() => _closed.Dispose();

        private void Shut()
        {
            try
            {
                Span<byte> discard = stackalloc byte[256];
                while (Socket.Available > 0 && Socket.Receive(discard, SocketFlags.None) > 0)
                {
                }

                Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // already reset or closed
            }

            Socket.Dispose();
        }
    }
}
