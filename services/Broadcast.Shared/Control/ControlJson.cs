using System.Text.Json;

namespace Broadcast.Shared.Control;

/// <summary>The control messages' JSON both ways; a malformed message reads as null rather than throwing.</summary>
public static class ControlJson
{
    public static byte[] Write(ControlRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, ControlJsonContext.Default.ControlRequest);

    public static byte[] Write(ControlReply reply) => JsonSerializer.SerializeToUtf8Bytes(reply, ControlJsonContext.Default.ControlReply);

    public static ControlRequest? ReadRequest(ReadOnlySpan<byte> data)
    {
        try
        {
            return JsonSerializer.Deserialize(data, ControlJsonContext.Default.ControlRequest);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static ControlReply? ReadReply(ReadOnlySpan<byte> data)
    {
        try
        {
            return JsonSerializer.Deserialize(data, ControlJsonContext.Default.ControlReply);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
