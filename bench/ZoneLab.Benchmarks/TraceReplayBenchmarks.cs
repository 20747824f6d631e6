using BenchmarkDotNet.Attributes;
using ZoneLab.Allocator;
using ZoneLab.Cli;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Metrics;
using ZoneLab.Reclaim;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Benchmarks;

/// <summary>
/// The whole replay pipe, text to engine, as <c>zonelab replay</c> runs it: the real x86 kmem trace repeated in memory
/// (<see cref="RepeatedTraceStream"/>) to about a million events, read by <see cref="FtraceReader"/>, paired by
/// <see cref="TraceAllocationTracker"/> and replayed through the default design (migrate-cma, QEMU pc 1 GiB) with the
/// reader on its own thread (<see cref="TraceReplayer.Pipelined"/>) or on the replaying thread. One operation is one
/// event: 1e9 / the time per operation is events per second. The machine is built fresh for each invocation,
/// inside the measured time: its cost (a few ms) is spread over the million events.
/// </summary>
[MemoryDiagnoser]
public class TraceReplayBenchmarks
{
    private const int TargetEvents = 1_000_000;
    private byte[] _text = [];
    private int _copies;

    [Params(false, true)]
    public bool Pipelined { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (byte[] text, long perCopy) = EngineBench.TraceBody(TraceReaderBenchmarks.FindFixture());
        _text = text;
        _copies = (int)((TargetEvents + perCopy - 1) / perCopy);
    }

    [Benchmark(Description = "read + replay (migrate-cma, 1 GiB)", OperationsPerInvoke = TargetEvents)]
    public long Replay()
    {
        using DesignMachine dm = DesignFactory.For(DesignKind.MigrateCma)
            .Build(new LayoutBuilder().FromQemu(1UL << 30, QemuMachineType.Pc, null).Build(), KernelVersions.Parse("6.1"));
        _ = new ReclaimModel(dm.Machine);
        using var reader = new FtraceReader(new RepeatedTraceStream(_text, _copies), "bench");
        return new TraceReplayer(dm) { Pipelined = Pipelined }.Replay(reader).ModelFrees;
    }
}
