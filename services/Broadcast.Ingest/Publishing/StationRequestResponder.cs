using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Broadcast.Ingest.Sources;
using Broadcast.Shared.Control;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Broadcast.Ingest.Publishing;

/// <summary>
/// Answers edges' requests for the stations this ingest owns: metadata (<c>broadcast.station.*</c>) and a burst
/// of recent audio (<c>broadcast.burst.*</c>, request payload: 4-byte big-endian byte count). Requests for stations
/// owned elsewhere get no answer, so with several ingests only the owner replies.
/// </summary>
internal sealed partial class StationRequestResponder(
    INatsConnection nats,
    SourceRegistry registry,
    HandOver.StationKeeper keeper,
    IOptions<IngestOptions> options,
    ILogger<StationRequestResponder> logger) : BackgroundService
{
    /// <summary>Burst size when the request does not say: Icecast's default burst-size, 64 KiB.</summary>
    private const int DefaultBurstBytes = 64 * 1024;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ServeMetadataAsync(stoppingToken), ServeBurstsAsync(stoppingToken), ServeAliveAsync(stoppingToken), ServeControlAsync(stoppingToken));

    /// <summary>
    /// Source commands for the stations this ingest publishes (<c>broadcast.control.source.*</c>): <c>status</c> (is a
    /// source live; a lingering station's fallback asks), <c>killsource</c> and <c>metadata</c> (admin, through the
    /// directory), <c>takeover</c> (a source on another ingest). Requests for other stations get no answer here.
    /// </summary>
    private async Task ServeControlAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in nats.SubscribeAsync<ReadOnlyMemory<byte>>(Subjects.SourceControlPrefix + "*", cancellationToken: stoppingToken).ConfigureAwait(false))
        {
            var token = message.Subject[Subjects.SourceControlPrefix.Length..];
            if (!registry.TryGet(token, out var session) || session.Role != SessionRole.Publishing)
            {
                continue;
            }

            var reply = ControlJson.ReadRequest(message.Data.Span) is { } request
                ? await ControlAsync(session, request).ConfigureAwait(false)
                : new ControlReply { Ok = false, Message = "malformed command" };
            await message.ReplyAsync<ReadOnlyMemory<byte>>(ControlJson.Write(reply with { From = options.Value.IngestId }), cancellationToken: stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task<ControlReply> ControlAsync(SourceSession session, ControlRequest request)
    {
        switch (request.Op)
        {
            case "status":
                return new ControlReply { Ok = true, Live = session.IsLive, ContentType = session.Metadata.ContentType, Fallback = keeper.FallbackMountOf(session) };
            case "killsource":
                return await keeper.KillSourceAsync(session.Station).ConfigureAwait(false)
                    ? new ControlReply { Ok = true, Message = "Source Removed" }
                    : new ControlReply { Ok = false, Message = "Source does not exist" };
            case "metadata" when request.Song is { } song:
                session.SetTitle(song, request.Url ?? string.Empty);
                return new ControlReply { Ok = true, Message = "Metadata update successful" };
            case "takeover":
                return await keeper.HandleTakeOverAsync(session.Station, request).ConfigureAwait(false);
            default:
                return new ControlReply { Ok = false, Message = "unknown command" };
        }
    }

    /// <summary>Answers "are you there?": another ingest asks before taking over a mount whose lease names this one.</summary>
    private async Task ServeAliveAsync(CancellationToken stoppingToken)
    {
        await foreach (var request in nats.SubscribeAsync<ReadOnlyMemory<byte>>(Subjects.IngestAlive(options.Value.IngestId), cancellationToken: stoppingToken).ConfigureAwait(false))
        {
            await request.ReplyAsync(ReadOnlyMemory<byte>.Empty, cancellationToken: stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task ServeMetadataAsync(CancellationToken stoppingToken)
    {
        await foreach (var request in nats.SubscribeAsync<ReadOnlyMemory<byte>>(Subjects.MetadataPrefix + "*", cancellationToken: stoppingToken).ConfigureAwait(false))
        {
            if (registry.TryGet(request.Subject[Subjects.MetadataPrefix.Length..], out var session) && session.Role == SessionRole.Publishing)
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(session.Metadata with { Titles = session.Titles() }, StationMetadataJsonContext.Default.StationMetadata);
                await request.ReplyAsync<ReadOnlyMemory<byte>>(json, cancellationToken: stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ServeBurstsAsync(CancellationToken stoppingToken)
    {
        await foreach (var request in nats.SubscribeAsync<ReadOnlyMemory<byte>>(Subjects.BurstPrefix + "*", cancellationToken: stoppingToken).ConfigureAwait(false))
        {
            if (!registry.TryGet(request.Subject[Subjects.BurstPrefix.Length..], out var session) || session.Role != SessionRole.Publishing)
            {
                continue;
            }

            var wanted = request.Data.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(request.Data.Span) : DefaultBurstBytes;
            wanted = Math.Clamp(wanted, 0, options.Value.MaxBurstBytes);
            var station = System.Text.Encoding.ASCII.GetBytes(session.Station.Name);
            var payload = ArrayPool<byte>.Shared.Rent(wanted + (256 * 1024) + BurstReply.PrefixSize);
            var message = ArrayPool<byte>.Shared.Rent(payload.Length + ChunkEnvelope.MaxOverhead);
            try
            {
                var length = session.WriteBurst(payload, wanted, out var offset);
                var flags = ChunkFlags.Burst | (session.Codec == AudioCodec.Ogg ? ChunkFlags.OggHeaders : ChunkFlags.None);
                var header = new ChunkHeader(session.Metadata.SessionId, offset, -1, session.Codec, flags);
                var written = ChunkEnvelope.Write(message, header, station, payload.AsSpan(0, length));
                await request.ReplyAsync<ReadOnlyMemory<byte>>(message.AsMemory(0, written), cancellationToken: stoppingToken).ConfigureAwait(false);
                BurstServed(logger, session.Station.Mount, length, offset);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(message);
                ArrayPool<byte>.Shared.Return(payload);
            }
        }
    }

    [LoggerMessage(1100, LogLevel.Debug, "Burst for {Mount}: {Bytes} bytes from offset {Offset}")]
    private static partial void BurstServed(ILogger logger, string mount, int bytes, long offset);
}
