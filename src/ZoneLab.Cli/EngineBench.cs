using System.Diagnostics;
using System.Globalization;
using System.Text;
using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Metrics;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Cli;

/// <summary>
/// The engine's speed scenarios, shared by the BenchmarkDotNet suite and <c>zonelab bench</c>. Steady state for
/// the pair benchmarks: one million order-0 GFP_KERNEL pages allocated and every other one freed, so the free
/// order-0 pages have allocated buddies (a freed page does not coalesce, as on a machine that has been up a while).
/// </summary>
public static class EngineBench
{
    /// <summary>A single-node machine of <paramref name="gib"/> GiB (DMA, DMA32 up to 4 GiB, Normal above).</summary>
    public static Machine Build(ulong gib) => new(MachineSpec.Simple(gib * 1024));

    /// <summary>Brings a machine to the order-0 steady state described above.</summary>
    public static void Steady(Machine m, int pages = 1_000_000)
    {
        var live = new ulong[pages];
        for (int n = 0; n < pages; n++)
        {
            live[n] = m.Allocate(0, Gfp.Kernel).Pfn;
        }

        for (int k = 0; k < pages; k += 2)
        {
            m.Free(live[k], 0);
        }
    }

    /// <summary>One alloc+free pair of <paramref name="order"/> with GFP_KERNEL.</summary>
    public static void Pair(Machine m, int order)
    {
        AllocResult r = m.Allocate(order, Gfp.Kernel);
        m.Free(r.Pfn, order);
    }

    /// <summary>
    /// A churn workload: the machine is filled to <c>fill</c> of its pages with random blocks (orders
    /// 0-3, unmovable/movable/reclaimable), then each step frees a random live block and allocates a new random one.
    /// Deterministic (xorshift seeded with <c>seed</c>), no allocation per step.
    /// </summary>
    public sealed class Churn
    {
        private static readonly GfpFlags[] s_masks = [Gfp.Kernel, Gfp.HighUserMovable, Gfp.HighUserMovable, Gfp.Kernel | GfpFlags.Reclaimable];
        private readonly Machine _m;
        private readonly ulong[] _pfn;
        private readonly byte[] _order;
        private int _count;
        private ulong _rng;

        public Churn(Machine m, double fill = 0.7, ulong seed = 0x9E3779B97F4A7C15)
        {
            _m = m;
            _rng = seed;
            long managed = m.Zones.Sum(z => (long)z.ManagedPages);
            long target = (long)(managed * fill);
            int cap = (int)Math.Min(target, int.MaxValue - 64);
            _pfn = new ulong[cap];
            _order = new byte[cap];
            long used = 0;
            while (used < target && _count < cap)
            {
                if (!AllocOne())
                {
                    break;
                }

                used += 1L << _order[_count - 1];
            }
        }

        /// <summary>Live blocks.</summary>
        public int Count => _count;

        /// <summary>Frees one random block and allocates one (two operations).</summary>
        public void Step()
        {
            if (_count > 0)
            {
                int k = (int)(Next() % (ulong)_count);
                _m.Free(_pfn[k], _order[k]);
                _count--;
                _pfn[k] = _pfn[_count];
                _order[k] = _order[_count];
            }

            AllocOne();
        }

        private bool AllocOne()
        {
            ulong r = Next();
            int order = (int)(r & 3) switch { 0 => 0, 1 => 0, 2 => 1 + (int)((r >> 2) & 1), _ => 3 };
            GfpFlags gfp = s_masks[(r >> 4) & 3];
            AllocResult a = _m.Allocate(order, gfp);
            if (!a.Success || _count == _pfn.Length)
            {
                if (a.Success)
                {
                    _m.Free(a.Pfn, order);
                }

                return false;
            }

            _pfn[_count] = a.Pfn;
            _order[_count] = (byte)order;
            _count++;
            return true;
        }

        private ulong Next()
        {
            _rng ^= _rng << 13;
            _rng ^= _rng >> 7;
            _rng ^= _rng << 17;
            return _rng;
        }
    }

    /// <summary>Runs every scenario with Stopwatch timing (best of three rounds) and returns the figures.</summary>
    /// <summary>The machine (GiB) on which the deferred-linking pass is timed for the 1 TiB figure.</summary>
    public const ulong MaterializeGib = 64;

    public static EngineBenchResult Run(bool include1Tib = true, TextWriter? log = null)
    {
        double PairNs(Machine m, int order, int n)
        {
            double best = double.MaxValue;
            for (int round = 0; round < 3; round++)
            {
                var sw = Stopwatch.StartNew();
                for (int k = 0; k < n; k++)
                {
                    Pair(m, order);
                }

                best = Math.Min(best, sw.Elapsed.TotalNanoseconds / n);
            }

            return best;
        }

        double o0, o3, churnNs, bpp;
        using (Machine m16 = Build(16))
        {
            Steady(m16);
            o0 = PairNs(m16, 0, 10_000_000);
            log?.WriteLine($"order-0 pair, 16 GiB: {o0:F1} ns");
            o3 = PairNs(m16, 3, 5_000_000);
            log?.WriteLine($"order-3 pair, 16 GiB: {o3:F1} ns");
            bpp = (double)m16.StateBytes / m16.PfnCount;
        }

        using (Machine mc = Build(16))
        {
            var churn = new Churn(mc);
            double best = double.MaxValue;
            for (int round = 0; round < 3; round++)
            {
                const int N = 2_000_000;
                var sw = Stopwatch.StartNew();
                for (int k = 0; k < N; k++)
                {
                    churn.Step();
                }

                best = Math.Min(best, sw.Elapsed.TotalNanoseconds / (2.0 * N));
            }

            churnNs = best;
            log?.WriteLine($"mixed churn, 16 GiB at 70 %: {churnNs:F1} ns per alloc or free");
        }

        double o0t = double.NaN, buildS = double.NaN, matS = double.NaN;
        long peak = 0, matBytes = 0;
        if (include1Tib)
        {
            GC.Collect();
            long before = Environment.WorkingSet;
            var sw = Stopwatch.StartNew();
            using Machine mt = Build(1024);
            buildS = sw.Elapsed.TotalSeconds;
            peak = Math.Max(0, Process.GetCurrentProcess().PeakWorkingSet64 - before);
            log?.WriteLine($"1 TiB build: {buildS:F2} s, +{peak / 1e9:F2} GB");
            Steady(mt);
            o0t = PairNs(mt, 0, 10_000_000);
            log?.WriteLine($"order-0 pair, 1 TiB: {o0t:F1} ns");
            // A fully linked 1 TiB machine keeps every per-pfn array resident: its StateBytes (about 3 GB at 11 B
            // per pfn), which is what the figure reports without building it. The time to link every boot block is
            // one pass per pfn (MaterializeAll), measured on MaterializeGib and scaled by pfn count, so the bench's
            // peak stays at the 1 TiB lazy build instead of 3 GB.
            matBytes = mt.StateBytes;
            long pfns1Tib = mt.PfnCount;
            mt.Dispose();
            GC.Collect();
            using Machine mm = Build(MaterializeGib);
            sw.Restart();
            mm.MaterializeAll();
            matS = sw.Elapsed.TotalSeconds * ((double)pfns1Tib / mm.PfnCount);
            log?.WriteLine($"1 TiB fully linked: {matBytes / 1e9:F2} GB of per-pfn state; linking every boot block {matS:F2} s (measured on {MaterializeGib} GiB, scaled by pfns)");
        }

        return new EngineBenchResult(o0, o0t, o3, churnNs, bpp, buildS, peak, matS, matBytes);
    }

    /// <summary>
    /// The event lines of a recorded trace (its <c>#</c> header dropped), ready to be repeated by
    /// <see cref="RepeatedTraceStream"/>, and how many events one copy holds.
    /// </summary>
    public static (byte[] Text, long Events) TraceBody(string path)
    {
        var body = new MemoryStream();
        using (FtraceReader probe = FtraceReader.Open(path))
        {
            while (probe.Read())
            {
            }
            if (probe.Stats.EventLines == 0)
            {
                // a copy with no events could never reach the event count the benchmark repeats it to
                throw new ZoneLabInputException(path, "no page-allocator events (mm_page_alloc, mm_page_free, cma_*) to replay; expected an ftrace kmem trace");
            }
            using var raw = new StreamReader(path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? Workloads.Trace.CheckedGzipStream.Open(InputFiles.OpenRead(path), path)
                : InputFiles.OpenRead(path));

            while (raw.ReadLine() is string line)
            {
                if (!line.StartsWith('#'))
                {
                    body.Write(Encoding.UTF8.GetBytes(line));
                    body.WriteByte((byte)'\n');
                }
            }

            return (body.ToArray(), probe.Stats.EventLines);
        }
    }

    /// <summary>
    /// Reads <paramref name="text"/> repeated to at least <paramref name="minEvents"/> events and replays it through a
    /// fresh machine of <paramref name="machine"/> (<see cref="TraceReplayer"/>, as <c>zonelab replay</c> does): the
    /// events per second of the whole pipe, text to engine. Best of <paramref name="rounds"/> rounds.
    /// </summary>
    /// <remarks>
    /// Also returns events per CPU-second of the process (both threads of a pipelined replay): on a host shared with
    /// other work the wall-clock figure measures the load as much as the code, the CPU time much less so.
    /// </remarks>
    public static (long Events, double EventsPerSecond, double EventsPerCpuSecond) ReplayThroughput(Func<DesignMachine> machine, byte[] text, long eventsPerCopy, long minEvents = 10_000_000, int rounds = 2)
    {
        int copies = (int)Math.Max(1, (minEvents + eventsPerCopy - 1) / eventsPerCopy);
        double best = 0, bestCpu = 0;
        long events = 0;
        using Process self = Process.GetCurrentProcess();
        for (int round = 0; round < rounds; round++)
        {
            using DesignMachine dm = machine();
            using var reader = new FtraceReader(new RepeatedTraceStream(text, copies), "bench");
            self.Refresh();
            TimeSpan cpu0 = self.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            TraceReplayResult r = new TraceReplayer(dm).Replay(reader);
            double s = sw.Elapsed.TotalSeconds;
            self.Refresh();
            double cpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
            events = r.Trace.EventsRead;
            best = Math.Max(best, events / s);
            bestCpu = Math.Max(bestCpu, events / cpu);
        }

        return (events, best, bestCpu);
    }
}
