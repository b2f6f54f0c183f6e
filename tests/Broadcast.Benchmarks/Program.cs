using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Broadcast.Benchmarks.Buffers.StationRingBufferBenchmarks).Assembly).Run(args);
