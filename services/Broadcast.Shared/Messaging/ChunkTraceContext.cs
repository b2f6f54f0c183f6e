using System.Buffers.Binary;
using System.Diagnostics;

namespace Broadcast.Shared.Messaging;

/// <summary>
/// The binary form of a W3C <c>traceparent</c> (trace-id, parent-id, trace-flags) carried by sampled chunks.
/// Kept as raw integers so decoding allocates nothing; <see cref="ToActivityContext"/> is only for sampled paths.
/// </summary>
public readonly record struct ChunkTraceContext(ulong TraceIdHigh, ulong TraceIdLow, ulong SpanId, byte TraceFlags)
{
    /// <summary>16 bytes trace-id, 8 bytes span-id, 1 byte flags (W3C Trace Context, section 3.2).</summary>
    public const int Size = 25;

    public bool IsEmpty => TraceIdHigh == 0 && TraceIdLow == 0;

    public static ChunkTraceContext FromActivityContext(ActivityContext context)
    {
        Span<byte> trace = stackalloc byte[16];
        Span<byte> span = stackalloc byte[8];
        context.TraceId.CopyTo(trace);
        context.SpanId.CopyTo(span);
        return new ChunkTraceContext(
            BinaryPrimitives.ReadUInt64BigEndian(trace),
            BinaryPrimitives.ReadUInt64BigEndian(trace[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(span),
            (byte)context.TraceFlags);
    }

    public ActivityContext ToActivityContext()
    {
        Span<byte> bytes = stackalloc byte[Size];
        Write(bytes);
        return new ActivityContext(
            ActivityTraceId.CreateFromBytes(bytes[..16]),
            ActivitySpanId.CreateFromBytes(bytes[16..24]),
            (ActivityTraceFlags)TraceFlags,
            isRemote: true);
    }

    internal void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, TraceIdHigh);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], TraceIdLow);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], SpanId);
        destination[24] = TraceFlags;
    }

    internal static ChunkTraceContext Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt64BigEndian(source),
        BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(source[16..]),
        source[24]);
}
