namespace Broadcast.Shared.Codecs;

/// <summary>What a sync-word frame header says: its length, duration and the fields that must stay stable.</summary>
/// <param name="Length">Whole frame length in bytes, header included.</param>
/// <param name="Samples">PCM samples per channel in the frame.</param>
/// <param name="SampleRate">Samples per second.</param>
/// <param name="StreamKey">Fields that identify one stream (version, layer, rate…); a change means a new stream or a false sync.</param>
internal readonly record struct SyncFrameHeader(int Length, int Samples, int SampleRate, uint StreamKey);
