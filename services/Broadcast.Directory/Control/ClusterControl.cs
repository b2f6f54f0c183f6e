using Broadcast.Directory.Watching;
using Broadcast.ServiceDefaults.Control;
using Broadcast.Shared.Control;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;
using NATS.Client.Core;

namespace Broadcast.Directory.Control;

/// <summary>
/// How an admin command reaches the process that holds what it acts on (issue #13). Listeners live on many edges, so
/// listener commands go to every edge at once on <see cref="Subjects.EdgeControl"/> and the directory gathers one
/// answer per edge it knows (or what came within <see cref="EdgeTimeout"/>). A station's source lives on one ingest,
/// so source commands go to the station's source-control subject, which only that ingest answers.
/// </summary>
internal sealed class ClusterControl(INatsConnection nats, DirectoryState state)
{
    /// <summary>Edges answer from memory in well under a millisecond; a second covers a busy or far one.</summary>
    private static readonly TimeSpan EdgeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>An ingest answers from memory too, but a kill or title waits for its station's lock.</summary>
    private static readonly TimeSpan SourceTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Sends <paramref name="request"/> to every edge; their answers (fewer when some did not answer in time).</summary>
    public async Task<List<ControlReply>> EdgesAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        var replies = new List<ControlReply>();
        var expected = state.Current.Edges.Count;
        if (expected == 0)
        {
            return replies;
        }

        try
        {
            var options = new NatsSubOpts { Timeout = EdgeTimeout, MaxMsgs = expected };
            await foreach (var message in nats.RequestManyAsync<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(Subjects.EdgeControl, ControlJson.Write(request), replyOpts: options, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (ControlJson.ReadReply(message.Data.Span) is { } reply)
                {
                    replies.Add(reply);
                }
            }
        }
        catch (Exception exception) when (exception is NatsNoRespondersException or NatsNoReplyException or TimeoutException)
        {
            // no edge subscribed (none up yet): nobody to act on
        }

        return replies;
    }

    /// <summary>Sends <paramref name="request"/> to the ingest publishing <paramref name="station"/>; null when none answers.</summary>
    public Task<ControlReply?> SourceAsync(StationName station, ControlRequest request, CancellationToken cancellationToken) =>
        nats.RequestControlAsync(Subjects.SourceControl(station), request, SourceTimeout, cancellationToken);
}
