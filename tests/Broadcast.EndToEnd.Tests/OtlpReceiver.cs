using System.Collections.Concurrent;
using Broadcast.Testing;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// A small OTLP/HTTP receiver for tests (<c>/v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>, protobuf): it keeps
/// the spans' names, ids, attributes, events and links, and the metrics' names and point attributes, read straight
/// from the protobuf wire format by field number (opentelemetry-proto's trace.proto and metrics.proto).
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    /// <summary>Metric name → the attribute sets of its points, as "key=value" strings.</summary>
    public ConcurrentDictionary<string, ConcurrentBag<string>> Metrics { get; } = new(StringComparer.Ordinal);

    public int LogRecords;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, new Uri($"http://127.0.0.1:{port}"));
        app.MapPost("/v1/traces", async (HttpRequest request) => { receiver.ReadTraces(await BodyAsync(request)); return Results.Ok(); });
        app.MapPost("/v1/metrics", async (HttpRequest request) => { receiver.ReadMetrics(await BodyAsync(request)); return Results.Ok(); });
        app.MapPost("/v1/logs", async (HttpRequest request) => { receiver.ReadLogs(await BodyAsync(request)); return Results.Ok(); });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static async Task<byte[]> BodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private void ReadTraces(byte[] body)
    {
        foreach (var resourceSpans in Messages(body, 1))
        {
            var service = ServiceName(resourceSpans);
            foreach (var scopeSpans in Messages(resourceSpans, 2))
            {
                foreach (var span in Messages(scopeSpans, 2))
                {
                    Spans.Enqueue(new ReceivedSpan(
                        service,
                        Text(span, 5),
                        Hex(span, 1),
                        Hex(span, 2),
                        Hex(span, 4),
                        Attributes(span, 9),
                        [.. Messages(span, 11).Select(e => Text(e, 2))],
                        [.. Messages(span, 13).Select(l => Hex(l, 1))]));
                }
            }
        }
    }

    private void ReadMetrics(byte[] body)
    {
        foreach (var resourceMetrics in Messages(body, 1))
        {
            foreach (var scopeMetrics in Messages(resourceMetrics, 2))
            {
                foreach (var metric in Messages(scopeMetrics, 2))
                {
                    var points = Metrics.GetOrAdd(Text(metric, 1), _ => []);
                    // gauge (5) and sum (7): NumberDataPoint, attributes 7; histogram (9): HistogramDataPoint, attributes 9.
                    foreach (var (data, attributes) in new[] { (5, 7), (7, 7), (9, 9) })
                    {
                        foreach (var point in Messages(metric, data).SelectMany(d => Messages(d, 1)))
                        {
                            points.Add(string.Join(",", Attributes(point, attributes).Select(a => $"{a.Key}={a.Value}")));
                        }
                    }
                }
            }
        }
    }

    private void ReadLogs(byte[] body) =>
        Interlocked.Add(ref LogRecords, Messages(body, 1).SelectMany(r => Messages(r, 2)).SelectMany(s => Messages(s, 2)).Count());

    private static string ServiceName(byte[] resourceItem) =>
        Messages(resourceItem, 1).SelectMany(resource => Attributes(resource, 1)).FirstOrDefault(a => a.Key == "service.name").Value ?? string.Empty;

    /// <summary>Key/value attributes (KeyValue: key 1, AnyValue 2 with string 1, bool 2, int 3, double 4).</summary>
    private static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in Messages(message, field))
        {
            var value = Messages(pair, 2).FirstOrDefault();
            attributes[Text(pair, 1)] = value is null ? string.Empty : Text(value, 1) is { Length: > 0 } text ? text : Number(value, 3)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        }

        return attributes;
    }

    private static IEnumerable<byte[]> Messages(byte[] message, int field) =>
        Fields(message).Where(f => f.Field == field && f.Bytes is not null).Select(f => f.Bytes!);

    private static string Text(byte[] message, int field) =>
        Fields(message).FirstOrDefault(f => f.Field == field && f.Bytes is not null).Bytes is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : string.Empty;

    private static string Hex(byte[] message, int field) =>
        Fields(message).FirstOrDefault(f => f.Field == field && f.Bytes is not null).Bytes is { } bytes ? Convert.ToHexStringLower(bytes) : string.Empty;

    private static long? Number(byte[] message, int field) => Fields(message).FirstOrDefault(f => f.Field == field && f.Bytes is null).Number;

    /// <summary>The top-level fields of a protobuf message: length-delimited ones as bytes, the rest as numbers.</summary>
    private static List<(int Field, byte[]? Bytes, long? Number)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[]?, long?)>();
        var input = new CodedInputStream(message);
        while (!input.IsAtEnd)
        {
            var tag = input.ReadTag();
            var field = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.LengthDelimited:
                    fields.Add((field, input.ReadBytes().ToByteArray(), null));
                    break;
                case WireFormat.WireType.Varint:
                    fields.Add((field, null, (long)input.ReadUInt64()));
                    break;
                case WireFormat.WireType.Fixed64:
                    fields.Add((field, null, (long)input.ReadFixed64()));
                    break;
                case WireFormat.WireType.Fixed32:
                    fields.Add((field, null, input.ReadFixed32()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return fields;
    }
}

/// <summary>A span as the receiver got it; ids in lower-case hex.</summary>
internal sealed record ReceivedSpan(string Service, string Name, string TraceId, string SpanId, string ParentSpanId, Dictionary<string, string> Attributes, string[] Events, string[] LinkedTraces);
