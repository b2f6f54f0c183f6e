using System.Net.Sockets;

namespace Broadcast.ServiceDefaults.Listeners.Mux;

/// <summary>A mux connection's frames as they arrive, given to <see cref="IMuxFrameHandler.OnFrame"/> one by one.</summary>
public interface IMuxFrameHandler
{
    /// <summary>One frame; the payload is only valid during the call. False ends the connection (a protocol error).</summary>
    public bool OnFrame(MuxKind kind, uint id, ReadOnlySpan<byte> payload);
}

/// <summary>The receiving side of a mux connection: one buffer of two frames' size, frames handled in place.</summary>
public static class MuxReader
{
    private const int BufferBytes = 2 * (MuxFrames.HeadBytes + MuxFrames.MaxPayload);

    /// <summary>
    /// Reads frames until the peer closes the connection (returns normally) or sends something that is not the mux
    /// (<see cref="InvalidDataException"/>); socket errors are the caller's. <paramref name="early"/> is bytes already read.
    /// </summary>
    public static async Task RunAsync(Socket socket, ReadOnlyMemory<byte> early, IMuxFrameHandler handler, CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(BufferBytes);
        early.CopyTo(buffer);
        var filled = early.Length;
        while (true)
        {
            var used = Handle(buffer.AsSpan(0, filled), handler);
            buffer.AsSpan(used, filled - used).CopyTo(buffer);
            filled -= used;
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            filled += read;
        }
    }

    /// <summary>Handles the whole frames in <paramref name="bytes"/>; returns how many bytes they took.</summary>
    private static int Handle(ReadOnlySpan<byte> bytes, IMuxFrameHandler handler)
    {
        var used = 0;
        while (bytes.Length - used >= MuxFrames.HeadBytes)
        {
            if (!MuxFrames.TryReadHead(bytes[used..], out var kind, out var id, out var length))
            {
                throw new InvalidDataException("not a mux frame");
            }

            if (bytes.Length - used - MuxFrames.HeadBytes < length)
            {
                break;
            }

            if (!handler.OnFrame(kind, id, bytes.Slice(used + MuxFrames.HeadBytes, length)))
            {
                throw new InvalidDataException($"a {kind} frame out of place (stream {id})");
            }

            used += MuxFrames.HeadBytes + length;
        }

        return used;
    }
}
