using BenchmarkDotNet.Attributes;
using ZoneLab.Layout;

namespace ZoneLab.Benchmarks;

/// <summary>Cost of computing a boot layout (e820 → memblock → zones → memory blocks).</summary>
[MemoryDiagnoser]
public class LayoutBenchmarks
{
    [Benchmark(Description = "8 GiB pc, movablecore=2G")]
    public BootLayout Small() => new LayoutBuilder().FromQemu(8UL << 30).WithCommandLine("movablecore=2G").Build();

    [Benchmark(Description = "64 GiB q35, 4 nodes, kernelcore=20%")]
    public BootLayout Medium() => new LayoutBuilder()
        .FromQemu(64UL << 30, QemuMachineType.Q35, new ulong[] { 8UL << 30, 16UL << 30, 16UL << 30, 24UL << 30 })
        .WithCommandLine("kernelcore=20%").Build();

    [Benchmark(Description = "1 TiB pc, 8 nodes, movablecore=50%")]
    public BootLayout Large() => new LayoutBuilder()
        .FromQemu(1UL << 40, QemuMachineType.Pc, Enumerable.Repeat(128UL << 30, 8).ToArray())
        .WithCommandLine("movablecore=50%").Build();
}
