namespace Broadcast.Shared.Messaging;

/// <summary>A decoded chunk: views into the received bytes, valid only while those bytes are.</summary>
public readonly ref struct ChunkMessage
{
    public ChunkMessage(ChunkHeader header, ReadOnlySpan<byte> station, ReadOnlySpan<byte> payload)
    {
        Header = header;
        Station = station;
        Payload = payload;
    }

    public ChunkHeader Header { get; }

    /// <summary>The station's name (without the slash) as ASCII bytes.</summary>
    public ReadOnlySpan<byte> Station { get; }

    public ReadOnlySpan<byte> Payload { get; }
}
