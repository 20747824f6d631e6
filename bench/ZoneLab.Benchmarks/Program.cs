using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(ZoneLab.Benchmarks.LayoutBenchmarks).Assembly).Run(args);
