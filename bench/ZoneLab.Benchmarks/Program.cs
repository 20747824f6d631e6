using BenchmarkDotNet.Running;

// --sweep-scaling: the interleaved one/two-worker pairs of SweepScaling (not a BenchmarkDotNet run); otherwise every
// benchmark class of this assembly: LayoutBenchmarks, AllocatorBenchmarks, LargeMachineBenchmarks, ...
if (args.Length > 0 && args[0] == "--sweep-scaling")
{
    return ZoneLab.Benchmarks.SweepScaling.Measure(args);
}
BenchmarkSwitcher.FromAssembly(typeof(ZoneLab.Benchmarks.LayoutBenchmarks).Assembly).Run(args);
return 0;
