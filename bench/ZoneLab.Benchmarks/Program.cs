using BenchmarkDotNet.Running;

// All benchmark classes of this assembly: LayoutBenchmarks, AllocatorBenchmarks, LargeMachineBenchmarks, ...
BenchmarkSwitcher.FromAssembly(typeof(ZoneLab.Benchmarks.LayoutBenchmarks).Assembly).Run(args);
