using Broadcast.Shared.Control;
using NATS.Client.Core;

namespace Broadcast.ServiceDefaults.Control;

/// <summary>One control command over NATS request/reply, as the directory and the ingests send them.</summary>
public static class ControlRequests
{
    /// <summary>The answer of whoever holds <paramref name="subject"/>; null when nobody does, nobody answered in time, or the answer was unreadable.</summary>
    public static async Task<ControlReply?> RequestControlAsync(this INatsConnection nats, string subject, ControlRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await nats.RequestAsync<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(subject, ControlJson.Write(request), replyOpts: new NatsSubOpts { Timeout = timeout }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return ControlJson.ReadReply(reply.Data.Span);
        }
        catch (Exception exception) when (exception is NatsNoRespondersException or NatsNoReplyException or TimeoutException or NatsException)
        {
            return null;
        }
    }
}
