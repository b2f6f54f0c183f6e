using Broadcast.Shared.Codecs;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// One feed of bytes into a station's stream: an encoder's connection, or the fallback the station plays while it
/// has none. Each has its own framer, so whichever is current, the stream switches at a frame boundary.
/// </summary>
internal sealed class SourceInput
{
    /// <summary>The priority of a fallback: any source takes over from it.</summary>
    public const int FallbackPriority = int.MinValue;

    public SourceInput(AudioCodec codec, StationMetadata metadata, string? remoteAddress, string user, int priority, Action abort)
    {
        Codec = codec;
        Metadata = metadata;
        RemoteAddress = remoteAddress;
        User = user;
        Priority = priority;
        Abort = abort;
        Framer = SourceCodecs.CreateFramer(codec);
        Headers = codec == AudioCodec.Ogg && priority != FallbackPriority ? new OggHeaderCapture() : null;
    }

    public AudioCodec Codec { get; }

    /// <summary>What the encoder said about the station (its session id is the stream's, not its own).</summary>
    public StationMetadata Metadata { get; }

    /// <summary>The encoder's address (no port): title updates with source credentials must come from it, as in Icecast.</summary>
    public string? RemoteAddress { get; }

    public string User { get; }

    /// <summary>Higher takes over a station from lower (<see cref="IngestOptions.SourcePriorities"/>); equal waits its turn: 403.</summary>
    public int Priority { get; }

    public bool IsFallback => Priority == FallbackPriority;

    /// <summary>Closes the encoder's connection (killsource, a lost lease); a fallback's stops its player.</summary>
    public Action Abort { get; }

    public AudioFramer Framer { get; }

    /// <summary>This input's own current Ogg headers, kept while it waits on standby so it can resume as a new chain.</summary>
    public OggHeaderCapture? Headers { get; }

    /// <summary>Set when the input becomes current mid-stream: its audio starts at its next sync point (and, for Ogg, with its headers).</summary>
    public bool Resuming { get; set; }

    /// <summary>The encoder's source-session span while tracing is on (its chunks' spans are its children).</summary>
    public System.Diagnostics.Activity? Span { get; init; }

    /// <summary>Microseconds of audio this input has put into the stream (a fallback player paces itself by it).</summary>
    public long TakenMicroseconds { get; set; }
}
