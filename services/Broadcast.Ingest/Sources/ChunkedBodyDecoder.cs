namespace Broadcast.Ingest.Sources;

/// <summary>
/// Decodes an HTTP/1.1 chunked body (RFC 9112 §7.1) incrementally, handing out data slices in place.
/// Chunk extensions and trailers are skipped. State is a few integers; a size line longer than
/// <see cref="MaxLineLength"/> is malformed.
/// </summary>
internal sealed class ChunkedBodyDecoder
{
    private const int MaxLineLength = 256;

    private State _state = State.Size;
    private long _remaining;
    private long _size;
    private int _lineLength;
    private bool _sawDigit;

    private enum State
    {
        Size,
        SizeExtension,
        Data,
        DataCr,
        DataLf,
        Trailer,
        Done,
    }

    public bool IsDone => _state == State.Done;

    /// <summary>
    /// Consumes from <paramref name="input"/>; body bytes found are <c>input[dataStart..(dataStart + dataLength)]</c>
    /// (length 0 when none). Returns bytes consumed.
    /// </summary>
    /// <exception cref="InvalidDataException">The encoding is malformed.</exception>
    public int Decode(ReadOnlySpan<byte> input, out int dataStart, out int dataLength)
    {
        dataStart = 0;
        dataLength = 0;
        var i = 0;
        while (i < input.Length && _state != State.Done)
        {
            if (_state == State.Data)
            {
                var take = (int)Math.Min(_remaining, input.Length - i);
                dataStart = i;
                dataLength = take;
                _remaining -= take;
                if (_remaining == 0)
                {
                    _state = State.DataCr;
                }

                return i + take;
            }

            Step(input[i++]);
        }

        return i;
    }

    private void Step(byte b)
    {
        switch (_state)
        {
            case State.Size:
            case State.SizeExtension:
                ReadSizeLine(b);
                break;
            case State.DataCr:
                _state = b == '\r' ? State.DataLf : throw new InvalidDataException("chunk data not followed by CRLF");
                break;
            case State.DataLf:
                _state = b == '\n' ? State.Size : throw new InvalidDataException("chunk data not followed by CRLF");
                break;
            case State.Trailer:
                // Skip trailer lines until an empty line: count chars since the last LF.
                if (b == '\n')
                {
                    _state = _lineLength <= 1 ? State.Done : State.Trailer;
                    _lineLength = 0;
                }
                else
                {
                    _lineLength++;
                }

                break;
        }
    }

    private void ReadSizeLine(byte b)
    {
        if (++_lineLength > MaxLineLength)
        {
            throw new InvalidDataException("chunk size line too long");
        }

        if (b == '\n')
        {
            if (!_sawDigit)
            {
                throw new InvalidDataException("missing chunk size");
            }

            _lineLength = 0;
            _sawDigit = false;
            _remaining = _size;
            _state = _size == 0 ? State.Trailer : State.Data;
            _size = 0;
            return;
        }

        if (_state == State.SizeExtension || b == '\r')
        {
            return;
        }

        if (b is (byte)';' or (byte)' ' or (byte)'\t')
        {
            _state = State.SizeExtension;
            return;
        }

        var digit = HexValue(b);
        if (digit < 0 || _size > (long.MaxValue >> 4))
        {
            throw new InvalidDataException("bad chunk size");
        }

        _size = (_size << 4) | (uint)digit;
        _sawDigit = true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
