using System.Text.Json.Serialization;
using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

/// <summary>The landing measure of one class of allocations (order, migratetype) over a workload's steps.</summary>
public sealed record LandingClass
{
    [JsonPropertyName("order")]
    public int Order { get; init; }

    [JsonPropertyName("migratetype")]
    public required string Migratetype { get; init; }

    [JsonPropertyName("kernel")]
    public long Kernel { get; init; }

    [JsonPropertyName("engine")]
    public long Engine { get; init; }

    /// <summary>Allocations paired in sequence within each step (the shorter of the two sequences).</summary>
    [JsonPropertyName("pairs")]
    public long Pairs { get; init; }

    /// <summary>Pairs whose pageblocks are the same.</summary>
    [JsonPropertyName("same_pageblock")]
    public long Same { get; init; }

    /// <summary>Pairs whose engine pageblock is one of the kernel's within 512 allocations of the same position.</summary>
    [JsonPropertyName("same_pageblock_near")]
    public long SameNear { get; init; }

    /// <summary>Pairs matched by pageblock regardless of sequence within the step (multiset overlap).</summary>
    [JsonPropertyName("same_pageblock_any_order")]
    public long SameAnyOrder { get; init; }
}

/// <summary>How often the engine's allocations land in the same pageblock as the kernel's (docs/fidelity.md).</summary>
public sealed record LandingResult
{
    /// <summary>True when the engine started from the guest's own page state (--start-state).</summary>
    [JsonPropertyName("start_state")]
    public bool StartState { get; init; }

    /// <summary>Events the guest's trace lost over the steps (the kernel's sequence is incomplete when not 0).</summary>
    [JsonPropertyName("overrun")]
    public long Overrun { get; init; }

    [JsonPropertyName("classes")]
    public required IReadOnlyList<LandingClass> Classes { get; init; }

    /// <summary>Same pageblock, in sequence, over all classes: same / pairs.</summary>
    [JsonPropertyName("fraction")]
    public double Fraction => Classes.Sum(c => c.Pairs) is long p && p > 0 ? (double)Classes.Sum(c => c.Same) / p : 0;

    /// <summary>Same pageblock give or take 512 allocations: same_near / pairs.</summary>
    [JsonPropertyName("fraction_near")]
    public double FractionNear => Classes.Sum(c => c.Pairs) is long p && p > 0 ? (double)Classes.Sum(c => c.SameNear) / p : 0;

    /// <summary>Same pageblock regardless of the order within a step: same_any_order / pairs.</summary>
    [JsonPropertyName("fraction_any_order")]
    public double FractionAnyOrder => Classes.Sum(c => c.Pairs) is long p && p > 0 ? (double)Classes.Sum(c => c.SameAnyOrder) / p : 0;
}

/// <summary>
/// The landing measure: per step, the kernel's page allocations (kmem:mm_page_alloc in the guest) and the engine's of
/// the same order and migratetype are paired in sequence (the i-th of a class in the kernel with the i-th in the
/// engine), and a pair lands alike when both pages are in the same pageblock. Allocations the engine does not model
/// (kernel threads, slab pages, the page cache of the initramfs) only lengthen the kernel's sequences; the classes the
/// workload drives (order-0 movable for anonymous memory and page cache, order-9 movable for huge pages, order-0
/// unmovable for page tables and pipe buffers) dominate.
/// </summary>
public static class OracleLanding
{
    /// <summary>Compares the kernel's steps (<paramref name="kernel"/>[i] = step i + 1) with the engine's.</summary>
    public static LandingResult Measure(IReadOnlyList<GuestAllocTrace> kernel, IReadOnlyList<IReadOnlyList<LandedAlloc>> engine, bool startState)
    {
        var acc = new SortedDictionary<(int Order, MigrateType Mt), long[]>();
        long[] Acc(int order, MigrateType mt)
        {
            if (!acc.TryGetValue((order, mt), out long[]? a))
            {
                acc[(order, mt)] = a = new long[6];
            }

            return a;
        }

        for (int s = 0; s < kernel.Count; s++)
        {
            var k = new Dictionary<(int, MigrateType), List<ulong>>();
            foreach ((LandedAlloc a, long n) in kernel[s].Runs)
            {
                if (!k.TryGetValue((a.Order, a.Migratetype), out List<ulong>? l))
                {
                    k[(a.Order, a.Migratetype)] = l = [];
                }

                for (long i = 0; i < n; i++)
                {
                    l.Add(a.Pfn);
                }
            }

            var e = new Dictionary<(int, MigrateType), List<ulong>>();
            foreach (LandedAlloc a in s < engine.Count ? engine[s] : [])
            {
                if (!e.TryGetValue((a.Order, a.Migratetype), out List<ulong>? l))
                {
                    e[(a.Order, a.Migratetype)] = l = [];
                }

                l.Add(a.Pfn & ~(Pageblock.NrPages - 1));
            }

            foreach ((int, MigrateType) c in k.Keys.Union(e.Keys))
            {
                List<ulong> kl = k.GetValueOrDefault(c) ?? [], el = e.GetValueOrDefault(c) ?? [];
                long[] a = Acc(c.Item1, c.Item2);


                int pairs = Math.Min(kl.Count, el.Count);
                a[0] += kl.Count;
                a[1] += el.Count;
                a[2] += pairs;
                for (int i = 0; i < pairs; i++)
                {
                    a[3] += kl[i] == el[i] ? 1 : 0;
                }

                // in sequence give or take one pageblock's worth of allocations: the engine's i-th in one of the pageblocks of
                // the kernel's (i - 512)-th to (i + 512)-th (a few extra or missing allocations shift the whole sequence)
                a[5] += NearSequence(kl, el, pairs, (int)Pageblock.NrPages);

                // the same pageblocks as multisets, capped at the pairs (each allocation matched once)
                var left = new Dictionary<ulong, int>();
                foreach (ulong pb in kl)
                {
                    left[pb] = left.GetValueOrDefault(pb) + 1;
                }

                long any = 0;
                foreach (ulong pb in el)
                {
                    if (left.GetValueOrDefault(pb) > 0)
                    {
                        left[pb]--;
                        any++;
                    }
                }

                a[4] += Math.Min(any, pairs);
            }
        }

        return new LandingResult
        {
            StartState = startState,
            Overrun = kernel.Sum(t => t.Overrun),
            Classes = [.. acc.Select(kv => new LandingClass
            {
                Order = kv.Key.Order,
                Migratetype = MigrateTypes.Name(kv.Key.Mt),
                Kernel = kv.Value[0],
                Engine = kv.Value[1],
                Pairs = kv.Value[2],
                Same = kv.Value[3],
                SameAnyOrder = kv.Value[4],
                SameNear = kv.Value[5],
            })],
        };
    }

    // pairs i < pairs whose engine pageblock is among the kernel's at positions i - w .. i + w (a sliding window count)
    private static long NearSequence(List<ulong> kl, List<ulong> el, int pairs, int w)
    {
        var window = new Dictionary<ulong, int>();
        void Add(int j, int d)
        {
            if (j >= 0 && j < kl.Count)
            {
                window[kl[j]] = window.GetValueOrDefault(kl[j]) + d;
            }
        }

        for (int j = 0; j < w && j < kl.Count; j++)
        {
            Add(j, 1);
        }

        long near = 0;
        for (int i = 0; i < pairs; i++)
        {
            Add(i + w, 1);
            Add(i - w - 1, -1);
            near += window.GetValueOrDefault(el[i]) > 0 ? 1 : 0;
        }

        return near;
    }

    /// <summary>The kernel's steps of a <c>--page-state</c> recording, or null when it has none.</summary>
    public static List<GuestAllocTrace>? ReadKernel(OracleRecording rec, int steps)
    {
        if (!File.Exists(rec.PathOf("step1.allocs.txt")))
        {
            return null;
        }

        IReadOnlyList<MigrateType> types = Procfs.PagetypeinfoReader.Read(rec.PathOf("step0.pagetypeinfo.txt"), rec.PathOf("step0.pagetypeinfo.txt")).Types;
        return [.. Enumerable.Range(1, steps).Select(i => File.Exists(rec.PathOf($"step{i}.allocs.txt"))
            ? GuestAllocTrace.Read(rec.PathOf($"step{i}.allocs.txt"), types)
            : throw new ZoneLabInputException(rec.PathOf($"step{i}.allocs.txt"), "missing: a --page-state recording has one per step"))];
    }
}
