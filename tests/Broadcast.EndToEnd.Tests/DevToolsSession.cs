using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// A minimal Chrome DevTools Protocol client over a WebSocket: commands by id, their results; events are skipped.
/// Enough to drive a page as a person would (navigate, evaluate, click through script, screenshot).
/// </summary>
internal sealed class DevToolsSession : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    public static async Task<DevToolsSession> ConnectAsync(Uri webSocketDebuggerUrl, CancellationToken cancellationToken)
    {
        var session = new DevToolsSession();
        await session._socket.ConnectAsync(webSocketDebuggerUrl, cancellationToken);
        return session;
    }

    /// <summary>Sends a command and returns its <c>result</c>; a protocol error throws with its message.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        var id = ++_nextId;
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        while (true)
        {
            using var message = JsonDocument.Parse(await ReceiveAsync(cancellationToken));
            var root = message.RootElement;
            if (!root.TryGetProperty("id", out var replyId) || replyId.GetInt32() != id)
            {
                continue; // an event, or another command's reply
            }

            if (root.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"{method}: {error}");
            }

            return root.GetProperty("result").Clone();
        }
    }

    /// <summary>Evaluates a script expression in the page and returns its value (awaiting a promise).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true }, cancellationToken);
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new IOException("the browser closed the DevTools connection");
            }

            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return message.ToArray();
    }
}
