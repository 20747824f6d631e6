using BenchmarkDotNet.Attributes;
using ZoneLab.Allocator;
using ZoneLab.Cli;
using ZoneLab.Metrics;

namespace ZoneLab.Benchmarks;

/// <summary>
/// Alloc/free throughput of the engine (see <see cref="EngineBench"/> for the scenarios). One invocation is one
/// pair (or one churn step = one free + one alloc); <c>[MemoryDiagnoser]</c> shows 0 B allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class AllocatorBenchmarks
{
    private Machine _m16 = null!;
    private Machine _churnMachine = null!;
    private EngineBench.Churn _churn = null!;

    [GlobalSetup]
    public void Setup()
    {
        _m16 = EngineBench.Build(16);
        EngineBench.Steady(_m16);
        _churnMachine = EngineBench.Build(16);
        _churn = new EngineBench.Churn(_churnMachine);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _m16.Dispose();
        _churnMachine.Dispose();
    }

    [Benchmark(Description = "order-0 GFP_KERNEL alloc+free, 16 GiB")]
    public void Order0Pair16G() => EngineBench.Pair(_m16, 0);

    [Benchmark(Description = "order-3 GFP_KERNEL alloc+free, 16 GiB")]
    public void Order3Pair16G() => EngineBench.Pair(_m16, 3);

    [Benchmark(Description = "churn step (free+alloc, orders 0-3, mixed types, 70 % full), 16 GiB")]
    public void ChurnStep() => _churn.Step();
}

/// <summary>The same order-0 pair on a 1 TiB machine (3 GB of model state; setup takes seconds).</summary>
[MemoryDiagnoser]
public class LargeMachineBenchmarks
{
    private Machine _m = null!;

    [GlobalSetup]
    public void Setup()
    {
        _m = EngineBench.Build(1024);
        EngineBench.Steady(_m);
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    [Benchmark(Description = "order-0 GFP_KERNEL alloc+free, 1 TiB")]
    public void Order0Pair1T() => EngineBench.Pair(_m, 0);
}
