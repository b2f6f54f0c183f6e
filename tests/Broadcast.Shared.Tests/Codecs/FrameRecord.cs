using Broadcast.Shared.Codecs;

namespace Broadcast.Shared.Tests.Codecs;

/// <summary>A copy of what a framer handed out, comparable across runs.</summary>
internal sealed record FrameRecord(FrameKind Kind, byte[] Data, int Samples, int SampleRate, int Packets, bool StartsChain, bool IsSyncPoint)
{
    public bool Equals(FrameRecord? other) =>
        other is not null && Kind == other.Kind && Samples == other.Samples && SampleRate == other.SampleRate
        && Packets == other.Packets && StartsChain == other.StartsChain && IsSyncPoint == other.IsSyncPoint
        && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(Kind, Data.Length, Samples);
}
