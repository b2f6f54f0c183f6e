namespace Broadcast.Shared.Codecs;

/// <summary>A scanner's verdict on the bytes at the front of a framer's window.</summary>
internal enum FrameScan
{
    /// <summary>Not enough bytes to decide; the window is kept as it is.</summary>
    NeedMore,

    /// <summary>Drop <c>length</c> bytes (garbage, a tag); the length may run past what is buffered.</summary>
    Skip,

    /// <summary>A whole frame of <c>length</c> bytes is at the front.</summary>
    Frame,
}
