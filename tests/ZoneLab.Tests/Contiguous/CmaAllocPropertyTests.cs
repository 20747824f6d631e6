using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// Property: on a machine where every page of a CMA window is free or a movable, unpinned LRU page, and there is
/// room outside the window for the pages to move to, cma_alloc() of that window succeeds, the invariant checker
/// holds throughout, and releasing it gives every page back.
/// </summary>
public class CmaAllocPropertyTests
{
    private const ulong CmaBase = 8192, CmaPages = 2048;

    [Fact]
    public void AllocationOverFreeAndMovableUnpinnedPagesAlwaysSucceeds()
    {
        // A random mix of anon / clean / dirty page cache / kernel allocations of orders 0-3 and random frees.
        Gen<(int Use, int Order, bool Free)[]> ops = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Bool).Array[50, 400];
        ops.Sample(seq =>
        {
            MachineSpec simple = MachineSpec.Simple(64);
            using var m = new Machine(new MachineSpec(simple.Zones) { Cma = new[] { new PfnRange(CmaBase, CmaBase + CmaPages) } });
            var contig = new ContigRangeAllocator(m);
            var cma = new CmaAllocator("reserved", CmaBase, CmaPages, 0, contig);
            var live = new List<(ulong Pfn, int Order)>();
            foreach ((int use, int order, bool free) in seq)
            {
                if (free && live.Count > 0)
                {
                    m.Free(live[^1].Pfn, live[^1].Order);
                    live.RemoveAt(live.Count - 1);
                    continue;
                }
                PageUse u = use switch { 0 => PageUse.Anon, 1 => PageUse.File, 2 => PageUse.FileDirty, _ => PageUse.Kernel };
                GfpFlags gfp = u == PageUse.Kernel ? Gfp.Kernel : Gfp.HighUserMovable;
                AllocResult r = m.Allocate(order, gfp, 0, u);
                if (r.Success)
                {
                    live.Add((r.Pfn, order));
                }
            }
            long free0 = m.TotalFreePages();
            m.DebugChecks = true;
            CmaAllocResult a = cma.Allocate(CmaPages);
            if (!a.Success)
            {
                return false; // kernel pages never sit in CMA pageblocks, and 64 MiB leaves room for every move
            }
            if (!cma.Release(a.Pfn, CmaPages))
            {
                return false;
            }
            // pages that were migrated now live outside; dropped clean pages are free: free count can only grow
            return m.TotalFreePages() >= free0 && cma.Used == 0;
        }, iter: 60, seed: "3Lq8vM1kZp0a");
    }
}
