using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(ZoneLab.Benchmarks.AllocatorBenchmarks).Assembly).Run(args);
