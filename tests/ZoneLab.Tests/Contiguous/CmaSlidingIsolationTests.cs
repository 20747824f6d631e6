using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// cma_alloc()'s attempts keep the pageblocks two successive windows both isolate isolated, instead of restoring and
/// isolating them again (ContigRangeAllocator.SlideIsolation). The machine it leaves must be the one the attempts
/// made one by one leave: two identical machines get the same pages, pins and cma_alloc/cma_release calls, one through
/// the engine's allocator and one through a wrapper that hides the attempts bracket (so every attempt undoes its own
/// isolation at once, as before), and every free list (order included), pageblock type, page and counter must agree
/// after every call. A 64 MiB machine (DMA [1,4096), DMA32 [4096,16384)) with a 16 MiB area at pfn 8192 (8 pageblocks);
/// 1024-page requests aligned to 256 pages slide half a pageblock per attempt.
/// </summary>
public class CmaSlidingIsolationTests
{
    private const ulong AreaBase = 8192, AreaPages = 4096;

    [Fact]
    public void StickyMovableAttemptsLeaveTheMachineOfOneByOneAttempts() => Compare(sticky: true);

    [Fact]
    public void MigrateCmaAttemptsLeaveTheMachineOfOneByOneAttempts() => Compare(sticky: false);

    [Fact]
    public void TheOwedUndoIsPaidWhenTheAttemptsEnd()
    {
        // a failed attempt inside the bracket leaves its pageblocks isolated (a difference the comparison sees), and
        // closing the bracket restores them: the comparison is not vacuous and the owed undo is paid
        (Machine a, ContigRangeAllocator ca, _) = Boot(sticky: true, sliding: true);
        (Machine b, ContigRangeAllocator cb, _) = Boot(sticky: true, sliding: false);
        Populate(a, ca, 1);
        Populate(b, cb, 1);
        ulong pin = Enumerable.Range(0, 1024).Select(k => AreaBase + (ulong)k).First(p => a.IsAllocatedHead(p, out _) && !ca.Pinned.Contains(p));
        ca.Pinned.Add(pin);
        cb.Pinned.Add(pin);
        ca.BeginAttempts();
        ContigResult ra = ca.AllocContigRange(AreaBase, AreaBase + 1024, cmaMode: false);
        ContigResult rb = cb.AllocContigRange(AreaBase, AreaBase + 1024, cmaMode: false);
        Assert.Equal(rb, ra);
        Assert.False(ra.Success);
        Assert.Equal(MigrateType.Isolate, a.PageblockType(AreaBase));
        Assert.NotNull(Difference(a, b));
        ca.EndAttempts();
        Assert.Equal(MigrateType.Movable, a.PageblockType(AreaBase));
        Assert.Null(Difference(a, b));
    }

    private static void Compare(bool sticky)
    {
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[1, 6]).Sample((seed, calls) =>
        {
            (Machine a, ContigRangeAllocator ca, CmaAllocator cmaA) = Boot(sticky, sliding: true);
            (Machine b, ContigRangeAllocator cb, CmaAllocator cmaB) = Boot(sticky, sliding: false);
            Populate(a, ca, seed);
            Populate(b, cb, seed);
            Assert.Null(Difference(a, b));
            var rng = new Random(seed);
            var held = new List<(ulong Pfn, ulong Count)>();
            for (int k = 0; k < calls; k++)
            {
                if (held.Count > 0 && rng.Next(3) == 0)
                {
                    (ulong pfn, ulong count) = held[^1];
                    held.RemoveAt(held.Count - 1);
                    Assert.True(cmaA.Release(pfn, count));
                    Assert.True(cmaB.Release(pfn, count));
                }
                ulong pages = (ulong)(256 << rng.Next(3));
                CmaAllocResult ra = cmaA.Allocate(pages, 8, noWarn: true);
                CmaAllocResult rb = cmaB.Allocate(pages, 8, noWarn: true);
                Assert.Equal(rb, ra);
                if (ra.Success)
                {
                    held.Add((ra.Pfn, ra.Count));
                }
                Assert.Null(Difference(a, b));
            }
        }, iter: 25);
    }

    private static (Machine M, ContigRangeAllocator Contig, CmaAllocator Cma) Boot(bool sticky, bool sliding)
    {
        MachineSpec simple = MachineSpec.Simple(64);
        var area = new[] { new PfnRange(AreaBase, AreaBase + AreaPages) };
        var spec = sticky
            ? new MachineSpec(simple.Zones) { StickyMovable = area }
            : new MachineSpec(simple.Zones) { Cma = area };
        var m = new Machine(spec);
        var contig = new ContigRangeAllocator(m);
        IContigRangeAllocator pages = sticky ? new MovableIsolation(contig) : contig;
        if (!sliding)
        {
            pages = new OneByOne(pages);
        }
        return (m, contig, new CmaAllocator("reserved", AreaBase, AreaPages, 0, pages));
    }

    // fills the machine with anonymous, page-cache and kernel pages (kernel ones reach a sticky area by fallback),
    // frees a random half, and pins a few of the anonymous pages left in the area
    private static void Populate(Machine m, ContigRangeAllocator contig, int seed)
    {
        var rng = new Random(seed);
        var pages = new List<(ulong Pfn, int Order)>();
        GfpFlags noReclaim = ~GfpFlags.DirectReclaim & ~GfpFlags.KswapdReclaim;
        while (true)
        {
            int kind = rng.Next(10);
            AllocResult r = kind switch
            {
                0 => m.Allocate(rng.Next(3), Gfp.Kernel & noReclaim, 0, PageUse.Kernel),
                1 or 2 => m.Allocate(0, Gfp.HighUserMovable & noReclaim, 0, PageUse.File),
                _ => m.Allocate(rng.Next(4) == 0 ? 1 : 0, Gfp.HighUserMovable & noReclaim, 0, PageUse.Anon),
            };
            if (!r.Success)
            {
                break;
            }
            pages.Add((r.Pfn, kind == 0 ? -1 : 0));
        }
        foreach ((ulong pfn, int mark) in pages)
        {
            if (rng.Next(2) == 0)
            {
                m.IsAllocatedHead(pfn, out int order);
                m.Free(pfn, order);
            }
            else if (mark == 0 && pfn >= AreaBase && pfn < AreaBase + AreaPages && rng.Next(40) == 0)
            {
                contig.Pinned.Add(pfn);
            }
        }
    }

    // the first difference between two machines' observable states, or null
    private static string? Difference(Machine a, Machine b)
    {
        for (ulong pfn = a.BasePfn; pfn < a.BasePfn + (ulong)a.PfnCount; pfn++)
        {
            bool ha = a.IsAllocatedHead(pfn, out int oa), hb = b.IsAllocatedHead(pfn, out int ob);
            if (ha != hb || (ha && oa != ob) || a.IsFreeHead(pfn, out _) != b.IsFreeHead(pfn, out _))
            {
                return $"page {pfn}";
            }
            if (pfn % Pageblock.NrPages == 0 && a.PageblockType(pfn) != b.PageblockType(pfn))
            {
                return $"pageblock {pfn}: {a.PageblockType(pfn)} vs {b.PageblockType(pfn)}";
            }
        }
        for (int z = 0; z < a.Zones.Count; z++)
        {
            if (a.Zones[z].NrFreePages != b.Zones[z].NrFreePages || a.Zones[z].NrFreeCmaPages != b.Zones[z].NrFreeCmaPages || a.Zones[z].NrIsolatePageblock != b.Zones[z].NrIsolatePageblock)
            {
                return $"zone {z} counters";
            }
            for (int o = 0; o <= Pageblock.MaxOrder; o++)
            {
                foreach (MigrateType t in Enum.GetValues<MigrateType>())
                {
                    if ((int)t >= MigrateTypes.Count)
                    {
                        continue;
                    }
                    if (!a.FreeListPfns(z, o, t).SequenceEqual(b.FreeListPfns(z, o, t)))
                    {
                        return $"free list ({z},{o},{t})";
                    }
                }
            }
        }
        foreach (VmEvent e in Enum.GetValues<VmEvent>())
        {
            if ((int)e < (int)VmEvent.Count && a.Event(e) != b.Event(e))
            {
                return $"event {e}";
            }
        }
        return null;
    }

    // the same allocator without the attempts bracket: each attempt undoes its own isolation before returning
    private sealed class OneByOne(IContigRangeAllocator inner) : IContigRangeAllocator
    {
        public ContigResult AllocContigRange(ulong startPfn, ulong endPfn, bool cmaMode) => inner.AllocContigRange(startPfn, endPfn, cmaMode);

        public void FreeContigRange(ulong pfn, ulong count) => inner.FreeContigRange(pfn, count);
    }
}
