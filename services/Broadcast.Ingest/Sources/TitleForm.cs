using System.Text;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// The parameters of a title update (<c>/admin/metadata</c>, <c>/admin.cgi</c>) from the raw query string or form
/// body, decoded in the charset the encoder names. Kestrel decodes queries as UTF-8 and would turn a Latin-1 byte
/// into U+FFFD, so the bytes are percent-decoded here: values are UTF-8 unless <c>charset</c> says otherwise, and
/// bytes that are not valid UTF-8 are read as Latin-1 (what encoders that send no charset mean), never mojibake.
/// </summary>
internal sealed class TitleForm
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, byte[]> _values;
    private readonly Encoding? _charset;

    private TitleForm(Dictionary<string, byte[]> values, Encoding? charset)
    {
        _values = values;
        _charset = charset;
    }

    /// <summary>
    /// Parses <c>a=b&amp;c=d</c> (a leading <c>?</c> is skipped); null with a reason when the charset is unknown.
    /// A later value of a repeated name replaces the earlier one.
    /// </summary>
    public static TitleForm? Parse(ReadOnlySpan<byte> form, out string? error)
    {
        if (form.StartsWith("?"u8))
        {
            form = form[1..];
        }

        var values = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var range in form.Split((byte)'&'))
        {
            var pair = form[range];
            var equals = pair.IndexOf((byte)'=');
            var name = Encoding.ASCII.GetString(Unescape(equals < 0 ? pair : pair[..equals]));
            values[name] = equals < 0 ? [] : Unescape(pair[(equals + 1)..]);
        }

        Encoding? charset = null;
        if (values.TryGetValue("charset", out var named) && named.Length > 0)
        {
            charset = CharsetOf(Encoding.ASCII.GetString(named));
            if (charset is null)
            {
                error = "charset: unknown character set " + Broadcast.Shared.Stations.StationName.Printable(Encoding.Latin1.GetString(named));
                return null;
            }
        }

        error = null;
        return new TitleForm(values, charset);
    }

    /// <summary>A parameter's text; empty when absent.</summary>
    public string this[string name] => _values.TryGetValue(name, out var bytes) ? Decode(bytes) : string.Empty;

    public bool Has(string name) => _values.ContainsKey(name);

    private string Decode(byte[] bytes)
    {
        if (_charset is not null)
        {
            return _charset.GetString(bytes);
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    /// <summary>The charsets encoders send: UTF-8 and the Latin-1 family (Icecast's default for MP3 mounts is ISO8859-1).</summary>
    private static Encoding? CharsetOf(string name) => name.Trim().ToUpperInvariant() switch
    {
        "UTF-8" or "UTF8" => Encoding.UTF8,
        "ISO-8859-1" or "ISO8859-1" or "LATIN1" or "LATIN-1" or "ISO_8859-1" or "L1" => Encoding.Latin1,
        "US-ASCII" or "ASCII" => Encoding.ASCII,
        _ => null,
    };

    /// <summary>Percent-decoding with <c>+</c> as space (form encoding); a malformed escape is kept as it is.</summary>
    private static byte[] Unescape(ReadOnlySpan<byte> text)
    {
        var bytes = new byte[text.Length];
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                bytes[length++] = (byte)' ';
            }
            else if (c == '%' && i + 2 < text.Length && IsHex(text[i + 1]) && IsHex(text[i + 2]))
            {
                bytes[length++] = (byte)((Hex(text[i + 1]) << 4) | Hex(text[i + 2]));
                i += 2;
            }
            else
            {
                bytes[length++] = c;
            }
        }

        return bytes[..length];
    }

    private static bool IsHex(byte c) => char.IsAsciiHexDigit((char)c);

    private static int Hex(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
