using Broadcast.LoadTest;

const string Usage = """
    Broadcast load tools (bounded: every run stops by itself).

      swarm   --url http://127.0.0.1:8000/demo.mp3 --listeners 1000 --ramp 10 --duration 60
              [--bitrate-kbps 0 (from icy-br)] [--settle 2] [--json report.json] [--label name] [--icy 0|1]
              N listeners join over --ramp seconds, listen --duration seconds, then all leave. Reports time to first
              audio byte (p50/p90/p99/max), delivered bit rate against the stream's, and failures.

      source  --url http://127.0.0.1:8001/live.mp3 --file song.mp3 [--password hackme] [--user source]
              [--method PUT|SOURCE] [--duration 0 (once through; with --loop, seconds)] [--loop 0|1]
              [--name "My Station"] [--content-type audio/mpeg (from the extension)]
              Pushes the file in real time, frame by frame, as an Icecast source client does.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    var options = new Arguments(args.Skip(1));
    return args[0] switch
    {
        "swarm" => await Swarm.RunAsync(SwarmOptions.From(options), stop.Token),
        "source" => await SourcePusher.RunAsync(SourceOptions.From(options), stop.Token),
        _ => throw new ArgumentException($"unknown command '{args[0]}'"),
    };
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine($"{exception.Message}\n\n{Usage}");
    return 2;
}
