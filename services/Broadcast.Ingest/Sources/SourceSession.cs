using Broadcast.Ingest.Publishing;
using Broadcast.Shared.Buffers;
using Broadcast.Shared.Codecs;
using Broadcast.Shared.Control;
using Broadcast.Shared.Messaging;
using Broadcast.Shared.Stations;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// A station's stream on this ingest: one session id and one byte clock that outlive any one encoder. Its current
/// input (an encoder, or the fallback while it has none) is framed and published; inputs of lower priority wait on
/// standby, connected. The stream can be handed to another ingest and back (<see cref="StreamState"/>), so listeners
/// see one unbroken stream across DJ hand-overs (issue #13).
/// </summary>
/// <remarks>
/// Writers (each input's connection task, the fallback player) take <c>_writer</c> per write; only the current
/// input's frames reach the publisher, so the stream switches at a frame boundary. Burst replies read the ring
/// lock-free and the Ogg headers under a lock.
/// </remarks>
internal sealed partial class SourceSession : IDisposable
{
    private readonly ChunkPublisher _publisher;
    private readonly StationRingBuffer _recent;
    private readonly OggHeaderCapture? _oggHeaders;
    private readonly Lock _headersLock = new();
    private readonly Lock _titlesLock = new();
    private readonly Lock _inputsLock = new();
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly Queue<TitleChange> _titles = new();
    private readonly List<SourceInput> _standby = [];
    private readonly TimeProvider _time;
    private readonly OggTitleChain? _titleChain;
    private readonly byte[] _lastFrameHead = new byte[8];
    private int _lastFrameHeadLength;
    private SourceInput? _current;

    /// <summary>Title changes kept per session: what the directory's history and a joining edge see.</summary>
    public const int TitleHistoryLength = 16;

    public SourceSession(StationName station, StationMetadata metadata, AudioCodec codec, ChunkPublisher publisher, int burstBufferBytes, TimeProvider time, bool oggTitleChains = false)
    {
        _titleChain = oggTitleChains && codec == AudioCodec.Ogg ? new OggTitleChain() : null;
        _time = time;
        Station = station;
        Metadata = metadata;
        Codec = codec;
        _publisher = publisher;
        _recent = new StationRingBuffer(burstBufferBytes);
        _oggHeaders = codec == AudioCodec.Ogg ? new OggHeaderCapture() : null;
    }

    public StationName Station { get; }

    /// <summary>The current encoder's description of the station, with the stream's session id.</summary>
    public StationMetadata Metadata { get; private set; }

    public Guid SessionId => Metadata.SessionId;

    public AudioCodec Codec { get; }

    public ChunkPublisher Publisher => _publisher;

    /// <summary>The lease while this ingest publishes the stream (kept by <see cref="HandOver.StationKeeper"/>).</summary>
    public Leases.SourceLease? Lease { get; set; }

    /// <summary>Cancels the linger (and its fallback) when a source takes the stream; null while none runs.</summary>
    public CancellationTokenSource? Linger { get; set; }

    /// <summary>Set when the directory gave the mount to someone else: the station ends without lingering.</summary>
    public bool LeaseLost { get; set; }

    /// <summary>Ends the standby subscription when this session publishes again or is over.</summary>
    public CancellationTokenSource? Standby { get; set; }

    /// <summary>Whether this ingest publishes the stream now; a standby session only holds waiting inputs.</summary>
    public SessionRole Role { get; private set; } = SessionRole.Publishing;

    /// <summary>What is framed and published now: an encoder, the fallback, or nothing (between the two).</summary>
    public SourceInput? Current => Volatile.Read(ref _current);

    /// <summary>True while an encoder (not the fallback) feeds the stream.</summary>
    public bool IsLive => Current is { IsFallback: false };

    /// <summary>True while any encoder is connected to this session, current or on standby.</summary>
    public bool HasEncoders
    {
        get
        {
            lock (_inputsLock)
            {
                return IsLive || _standby.Count > 0;
            }
        }
    }

    /// <summary>The current encoder's address: title updates with source credentials must come from it.</summary>
    public string? RemoteAddress => Current is { IsFallback: false } input ? input.RemoteAddress : null;

    /// <summary>The session's recent title changes, oldest first.</summary>
    public TitleChange[] Titles()
    {
        lock (_titlesLock)
        {
            return [.. _titles];
        }
    }

    /// <summary>
    /// Asks for a title change. It is stamped on the writer's task, at the next frame boundary, so it travels in
    /// order with the audio; a second request before that replaces the first.
    /// </summary>
    public void SetTitle(string title, string url)
    {
        lock (_titlesLock)
        {
            _pendingTitle = (title, url);
        }
    }

    /// <summary>Fills in the directory's record of this station: the current encoder's description, title and history.</summary>
    public void Describe(Broadcast.Directory.V1.StationInfo station)
    {
        var metadata = Metadata;
        station.Name = metadata.Name ?? string.Empty;
        station.Description = metadata.Description ?? string.Empty;
        station.Genre = metadata.Genre ?? string.Empty;
        station.Bitrate = metadata.Bitrate;
        var titles = Titles();
        station.NowPlaying = titles.Length > 0 ? titles[^1].Title : string.Empty;
        station.History.Clear();
        foreach (var title in titles)
        {
            station.History.Add(new Broadcast.Directory.V1.TitleEntry { Title = title.Title, Url = title.Url, Started = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(title.Started) });
        }
    }

    /// <summary>Raised after a title is stamped (the lease renews at once so the directory's now-playing follows).</summary>
    public event Action? TitleStamped;

    /// <summary>
    /// Makes <paramref name="input"/> current at the next frame boundary. An encoder it replaces waits on standby; a
    /// fallback it replaces is returned for the caller to stop.
    /// </summary>
    public SourceInput? Attach(SourceInput input)
    {
        lock (_inputsLock)
        {
            var previous = _current;
            if (previous is { IsFallback: false })
            {
                _standby.Add(previous);
            }

            Promote(input, resuming: false);
            return previous is { IsFallback: true } ? previous : null;
        }
    }

    /// <summary>The current encoder's priority (a take-over is judged against it); null while none is current.</summary>
    public int? CurrentPriority()
    {
        lock (_inputsLock)
        {
            return Current is { IsFallback: false } current ? current.Priority : null;
        }
    }

    /// <summary>
    /// Takes <paramref name="input"/> out: a standby one just leaves; the current one's last whole frame is published
    /// and the strongest standby encoder resumes at its next sync point. Returns the input current afterwards.
    /// </summary>
    public async ValueTask<SourceInput?> DetachAsync(SourceInput input)
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            if (input == Current && Role == SessionRole.Publishing)
            {
                input.Framer.Complete();
                await DrainAsync(input, CancellationToken.None).ConfigureAwait(false);
            }

            lock (_inputsLock)
            {
                if (!_standby.Remove(input) && input == _current)
                {
                    var next = _standby.OrderByDescending(s => s.Priority).FirstOrDefault();
                    _current = null;
                    if (next is not null)
                    {
                        _standby.Remove(next);
                        Promote(next, resuming: true);
                    }
                }

                return _current;
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// Stops publishing and returns where the stream stands, for another ingest to continue it. The current encoder, if
    /// any, goes on standby here; the session stays (standby) while encoders wait, else it is over.
    /// </summary>
    public async Task<StreamState> HandOffAsync(string holder)
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            await _publisher.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            lock (_inputsLock)
            {
                if (_current is { IsFallback: false } current)
                {
                    _standby.Add(current);
                }

                _current = null;
                Role = _standby.Count > 0 ? SessionRole.Standby : SessionRole.Ended;
            }

            return new StreamState(SessionId, _publisher.Offset, _publisher.Sequence, Titles(), holder);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// A standby session takes the stream back from another ingest (<see cref="HandOffAsync"/> there): it publishes the
    /// same session from the giver's offset, with its strongest standby encoder current. False when that stream is not
    /// this session's or no encoder waits any more.
    /// </summary>
    public async Task<bool> ContinueAsync(StreamState state)
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_inputsLock)
            {
                var next = _standby.OrderByDescending(s => s.Priority).FirstOrDefault();
                if (Role != SessionRole.Standby || state.SessionId != SessionId || next is null)
                {
                    return false;
                }

                _standby.Remove(next);
                Continue(state);
                Promote(next, resuming: true);
                return true;
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>A new session here continues a stream another ingest handed over: same id, next offset and sequence, its titles.</summary>
    public void Continue(StreamState state)
    {
        _publisher.Continue(state.Offset, state.Sequence);
        lock (_titlesLock)
        {
            _titles.Clear();
            foreach (var title in state.Titles.TakeLast(TitleHistoryLength))
            {
                _titles.Enqueue(title);
            }
        }

        Role = SessionRole.Publishing;
    }

    /// <summary>Every encoder connected to this session, current or waiting (to close them: killsource, a lost lease).</summary>
    public SourceInput[] Encoders()
    {
        lock (_inputsLock)
        {
            return [.. _standby, .. Current is { IsFallback: false } current ? [current] : Array.Empty<SourceInput>()];
        }
    }

    /// <summary>A frame of silence like the stream's last audio frame; null when the codec has none or no frame came yet.</summary>
    public byte[]? SilentFrame(out int samples, out int sampleRate)
    {
        lock (_headersLock)
        {
            return Shared.Codecs.SilentFrame.Build(Codec, _lastFrameHead.AsSpan(0, _lastFrameHeadLength), out samples, out sampleRate);
        }
    }

    /// <summary>Publishes the end of the stream: edges end their listeners cleanly. The session is over.</summary>
    public async ValueTask EndAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Role == SessionRole.Publishing)
            {
                _publisher.End();
                await _publisher.PublishPendingAsync(cancellationToken).ConfigureAwait(false);
            }

            Role = SessionRole.Ended;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Frees the recent-audio ring (managed: burst replies may still read it, so it must not be unmapped).</summary>
    public void Dispose() => _recent.Dispose(); // _writer has no wait handle to free; a late writer may still take it

    /// <summary>Under <c>_inputsLock</c>: <paramref name="input"/> becomes current; an encoder's description becomes the station's.</summary>
    private void Promote(SourceInput input, bool resuming)
    {
        input.Resuming = resuming;
        if (!input.IsFallback)
        {
            Metadata = input.Metadata with { SessionId = SessionId };
            _publisher.TraceParent = input.Span?.Context ?? default; // sampled chunks join this encoder's trace
        }

        Volatile.Write(ref _current, input);
    }
}
