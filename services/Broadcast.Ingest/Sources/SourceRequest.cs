namespace Broadcast.Ingest.Sources;

/// <summary>The head of a source request (<c>PUT</c> or <c>SOURCE</c>): request line and headers.</summary>
internal sealed class SourceRequest
{
    public required string Method { get; init; }

    public required string Target { get; init; }

    public required string Version { get; init; }

    /// <summary>Headers by case-insensitive name; a repeated header keeps its last value.</summary>
    public required Dictionary<string, string> Headers { get; init; }

    /// <summary>True for a SHOUTcast source translated to this form: it was answered (<c>OK2</c>) before its headers.</summary>
    public bool Answered { get; init; }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The path part of the target, without a query string.</summary>
    public string Path => Target.Split('?', 2)[0];

    public bool IsPut => Method == "PUT";

    public bool ExpectsContinue => string.Equals(Header("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase);

    public bool IsChunked => Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;
}
