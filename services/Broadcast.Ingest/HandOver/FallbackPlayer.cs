using System.Buffers.Binary;
using Broadcast.Ingest.Sources;
using Broadcast.ServiceDefaults.Control;
using Broadcast.Shared.Control;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using NATS.Client.Core;

namespace Broadcast.Ingest.HandOver;

/// <summary>
/// What a lingering station plays (issue #13), in this order: its fallback mount when that is live with the same
/// codec (following that mount's own fallback when it is not; never in a loop), its fallback file, looped, then
/// frame-aligned silence; with none of these its listeners stay connected and wait. Everything goes through the
/// fallback's own <see cref="SourceInput"/>, so it is framed like a source's and a returning source takes over at a
/// frame boundary.
/// </summary>
internal sealed class FallbackPlayer(INatsConnection nats, TimeProvider time, ILogger<FallbackPlayer> logger)
{
    /// <summary>How far ahead of real time a file or silence is published: about two chunks, like an encoder's own jitter.</summary>
    private static readonly TimeSpan Lead = TimeSpan.FromMilliseconds(200);

    /// <summary>How often a paced fallback looks at the clock.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(40);

    /// <summary>A relayed mount silent this long has ended (its own ingest would have sent audio every chunk, ~100 ms).</summary>
    private static readonly TimeSpan RelayStall = TimeSpan.FromSeconds(2);

    /// <summary>How long a fallback mount's ingest has to say whether it is live.</summary>
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>Fallback mounts followed at most (Icecast follows chains too); a longer chain is a configuration mistake.</summary>
    private const int MaxChain = 4;

    /// <summary>File bytes read per write: 16 KiB is about a second of 128 kbit/s.</summary>
    private const int FileReadBytes = 16 * 1024;

    /// <summary>A file that yields no audio in this many bytes is not in the station's codec.</summary>
    private const int FileProbeBytes = 1024 * 1024;

    public async Task PlayAsync(SourceSession session, SourceInput input, string? mount, string? file, CancellationToken cancellationToken)
    {
        try
        {
            if (mount is not null && await RelayChainAsync(session, input, mount, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (file is not null && await PlayFileAsync(session, input, file, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (session.SilentFrame(out _, out _) is { } silence)
            {
                await PacedAsync(session, input, _ => silence, cancellationToken).ConfigureAwait(false);
                return;
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // a source took the stream, or the linger is over
        }
    }

    /// <summary>Relays the first live mount of the chain; true when it played until cancelled.</summary>
    private async Task<bool> RelayChainAsync(SourceSession session, SourceInput input, string first, CancellationToken cancellationToken)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal) { session.Station.Mount };
        var next = first;
        for (var hop = 0; hop < MaxChain && next is not null; hop++)
        {
            if (!StationName.TryParse(next, out var station, out _) || !visited.Add(station.Mount))
            {
                HandOverLog.FallbackUnavailable(logger, session.Station.Mount, StationName.Printable(next), "not a mount, or a loop");
                return false;
            }

            var status = await StatusAsync(station, cancellationToken).ConfigureAwait(false);
            if (status is { Live: true } && SourceCodecs.FromContentType(status.ContentType ?? string.Empty) == session.Codec)
            {
                await RelayAsync(session, input, station, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                HandOverLog.FallbackUnavailable(logger, session.Station.Mount, station.Mount, "it stopped");
                return false;
            }

            HandOverLog.FallbackUnavailable(logger, session.Station.Mount, station.Mount, status is null ? "offline" : status.Live ? "another codec" : "it has no source");
            next = status?.Fallback;
        }

        return false;
    }

    /// <summary>Feeds another station's chunks (after its Ogg headers from a burst) into the fallback input until it ends or stalls.</summary>
    private async Task RelayAsync(SourceSession session, SourceInput input, StationName station, CancellationToken cancellationToken)
    {
        await using var subscription = await nats.SubscribeCoreAsync<NatsMemoryOwner<byte>>(Subjects.Audio(station), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (session.Codec == AudioCodec.Ogg)
        {
            var request = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(request, 1);
            var burst = await nats.RequestAsync<ReadOnlyMemory<byte>, byte[]>(Subjects.Burst(station), request, replyOpts: new NatsSubOpts { Timeout = StatusTimeout }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (burst.Data is not { } reply || !TryHeaders(reply, out var headers))
            {
                return;
            }

            await session.WriteAsync(input, headers, cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stall.CancelAfter(RelayStall);
            NatsMsg<NatsMemoryOwner<byte>> message;
            try
            {
                message = await subscription.Msgs.ReadAsync(stall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }

            using var owner = message.Data;
            var data = owner.Memory;
            var length = PayloadLength(data.Span, out var ended);
            if (ended || session.Current != input)
            {
                return;
            }

            if (length > 0)
            {
                await session.WriteAsync(input, data[^length..], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The audio bytes of a chunk (they end the message); 0 for titles and what is not a chunk.</summary>
    private static int PayloadLength(ReadOnlySpan<byte> message, out bool ended)
    {
        ended = false;
        if (TitleEnvelope.IsTitle(message) || ChunkEnvelope.TryRead(message, out var chunk) != ChunkEnvelopeError.None)
        {
            return 0;
        }

        ended = (chunk.Header.Flags & ChunkFlags.EndOfStream) != 0;
        return chunk.Payload.Length;
    }

    private static bool TryHeaders(byte[] reply, out ReadOnlyMemory<byte> headers)
    {
        headers = default;
        if (ChunkEnvelope.TryRead(reply, out var chunk) != ChunkEnvelopeError.None || !BurstReply.TryRead(chunk.Payload, out var pages, out _))
        {
            return false;
        }

        var start = reply.Length - chunk.Payload.Length + BurstReply.PrefixSize;
        headers = reply.AsMemory(start, pages.Length);
        return true;
    }

    private Task<ControlReply?> StatusAsync(StationName station, CancellationToken cancellationToken) =>
        nats.RequestControlAsync(Subjects.SourceControl(station), new ControlRequest { Op = "status", Mount = station.Mount }, StatusTimeout, cancellationToken);

    /// <summary>Loops a file; false when it cannot be read or holds no audio of the station's codec.</summary>
    private async Task<bool> PlayFileAsync(SourceSession session, SourceInput input, string path, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            HandOverLog.FallbackUnavailable(logger, session.Station.Mount, path, exception.Message);
            return false;
        }

        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[FileReadBytes];
            long readWithoutAudio = 0;
            var played = await PacedAsync(
                session,
                input,
                _ =>
                {
                    var before = input.TakenMicroseconds;
                    var read = stream.Read(buffer);
                    if (read == 0)
                    {
                        stream.Position = 0; // loop
                        read = stream.Read(buffer);
                    }

                    readWithoutAudio = input.TakenMicroseconds > before ? 0 : readWithoutAudio + read;
                    return readWithoutAudio > FileProbeBytes || read == 0 ? null : buffer.AsMemory(0, read);
                },
                cancellationToken).ConfigureAwait(false);
            if (!played)
            {
                HandOverLog.FallbackUnavailable(logger, session.Station.Mount, path, "no audio of the station's codec in it");
            }

            return played;
        }
    }

    /// <summary>
    /// Writes what <paramref name="next"/> gives, keeping the input's audio <see cref="Lead"/> ahead of the time since
    /// it started; false when <paramref name="next"/> gives up (null), true when cancelled.
    /// </summary>
    private async Task<bool> PacedAsync(SourceSession session, SourceInput input, Func<int, ReadOnlyMemory<byte>?> next, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var startMicroseconds = input.TakenMicroseconds;
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = (time.GetElapsedTime(started) + Lead).TotalMicroseconds;
            while (input.TakenMicroseconds - startMicroseconds < due)
            {
                if (session.Current != input)
                {
                    return true; // a source took the stream; the linger's cancellation follows
                }

                if (next(0) is not { } bytes)
                {
                    return false;
                }

                await session.WriteAsync(input, bytes, cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(Tick, time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
