namespace Broadcast.Shared.Codecs;

/// <summary>What a framer handed out.</summary>
public enum FrameKind
{
    /// <summary>A frame or page of audio: goes to listeners.</summary>
    Audio = 0,

    /// <summary>An MPEG frame that holds an encoder's Xing/Info/VBRI header, not sound. A live stream drops it.</summary>
    Info,

    /// <summary>An Ogg page carrying codec header packets; late joiners must get these first.</summary>
    OggHeader,
}
