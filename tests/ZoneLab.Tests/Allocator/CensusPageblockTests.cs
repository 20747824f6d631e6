using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// Machine.CensusPageblock (the pageblock census of every report) against the block walk its documentation names,
/// asked through the public per-pfn queries: a page of another zone advances one page, a free head skips its block, an
/// allocated head skips its block and, when its use is neither anonymous nor page cache, counts its pages up to the
/// block's end.
/// </summary>
public class CensusPageblockTests
{
    private static readonly PageUse[] s_uses = [PageUse.Anon, PageUse.File, PageUse.FileDirty, PageUse.Shmem, PageUse.Kernel, PageUse.SlabReclaimable];

    private static (bool InZone, bool Unmovable, long Pages) Walk(Machine m, int zone, ulong from, ulong stop)
    {
        bool inZone = false, unmovable = false;
        long pages = 0;
        for (ulong p = from; p < stop;)
        {
            if (m.ZoneIndexOf(p) != zone)
            {
                p++;
                continue;
            }
            inZone = true;
            if (m.IsFreeHead(p, out int o))
            {
                p += 1UL << o;
            }
            else if (m.IsAllocatedHead(p, out o))
            {
                if (m.UseOf(p) is not (PageUse.Anon or PageUse.File or PageUse.FileDirty or PageUse.Shmem))
                {
                    unmovable = true;
                    pages += (long)Math.Min(1UL << o, stop - p);
                }
                p += 1UL << o;
            }
            else
            {
                p++;
            }
        }
        return (inZone, unmovable, pages);
    }

    [Fact]
    public void MatchesThePublicQueryWalkAfterRandomAllocationsAndFrees()
    {
        Gen.Int[0, 99].Array[1, 300].Sample(ops =>
        {
            // DMA [1, 4096) + DMA32 [4096, 16384): the block at pfn 0 holds a hole page, the others one zone each
            var m = new Machine(TestMachines.Small(cma: new PfnRange(8192, 12288)));
            var live = new List<(ulong Pfn, int Order)>();
            foreach (int op in ops)
            {
                if (op < 65 || live.Count == 0)
                {
                    int order = op % 7 == 0 ? op % 11 : op % 3 == 0 ? 1 : 0;
                    PageUse use = s_uses[op % s_uses.Length];
                    GfpFlags gfp = use is PageUse.Kernel or PageUse.SlabReclaimable ? Gfp.Kernel | GfpFlags.DirectReclaim : Gfp.HighUserMovable;
                    AllocResult r = m.Allocate(order, gfp, 0, use);
                    if (r.Success)
                    {
                        live.Add((r.Pfn, order));
                    }
                }
                else
                {
                    int k = op % live.Count;
                    m.Free(live[k].Pfn, live[k].Order);
                    live.RemoveAt(k);
                }
            }
            for (int zone = 0; zone < m.Zones.Count; zone++)
            {
                for (ulong pb = 0; pb < 16384; pb += Pageblock.NrPages)
                {
                    bool inZone = m.CensusPageblock(zone, pb, pb + Pageblock.NrPages, out bool unmovable, out long pages);
                    Assert.Equal(Walk(m, zone, pb, pb + Pageblock.NrPages), (inZone, unmovable, pages));
                }
            }
        }, iter: 100);
    }
}
