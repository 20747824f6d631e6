using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Designs;

/// <summary>
/// For every design, random workloads (allocations of orders 0–3 with GFP_KERNEL, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE,
/// GFP_KERNEL|__GFP_MOVABLE, page cache; frees; pins) keep every invariant: the engine's own, CMA/ZONE_CMA/DMB/GCMA
/// memory never holds an unmovable page, a DMB pfn is never in a non-movable zone, no buddy block crosses a zone
/// link where spans overlap; and <c>cma_alloc</c> of the whole area, when the area holds only free and movable
/// unpinned pages, always succeeds.
/// </summary>
public class DesignPropertyTests
{
    // arm64 QEMU virt 1 GiB: all RAM in ZONE_DMA, the default 64 MiB area "reserved" (16,384 pages) at its top.
    private static readonly BootLayout s_layout = new LayoutBuilder().ForArm64(1UL << 30).Build();

    private static readonly GfpFlags[] s_gfps = [Gfp.Kernel, Gfp.Atomic, Gfp.HighUserMovable, Gfp.Kernel | GfpFlags.Movable, Gfp.HighUserMovable];

    private static readonly Gen<(int Design, int Seed, int Ops)> s_cases =
        Gen.Select(Gen.Int[0, DesignNames.All.Length - 1], Gen.Int[0, int.MaxValue], Gen.Int[50, 1500]);

    [Fact]
    public void RandomWorkloadsKeepTheInvariantsAndCmaAllocSucceeds()
    {
        s_cases.Sample(c =>
        {
            DesignKind kind = DesignNames.All[c.Design];
            using DesignMachine dm = DesignFactory.For(kind).Build(s_layout, KernelVersion.V6_1);
            var rng = new Random(c.Seed);
            var held = new List<(ulong Pfn, int Order)>();
            for (int k = 0; k < c.Ops; k++)
            {
                int op = rng.Next(10);
                if (op < 6 || held.Count == 0)
                {
                    int order = rng.Next(4);
                    GfpFlags gfp = s_gfps[rng.Next(s_gfps.Length)];
                    PageUse use = (gfp & GfpFlags.Movable) != 0 && rng.Next(3) == 0 ? PageUse.File : PageUse.Auto;
                    AllocResult r = dm.Machine.Allocate(order, gfp, 0, use);
                    if (r.Success)
                    {
                        held.Add((r.Pfn, order));
                    }
                }
                else if (op < 9)
                {
                    int j = rng.Next(held.Count);
                    dm.Contig.Pinned.Remove(held[j].Pfn);
                    dm.Machine.Free(held[j].Pfn, held[j].Order);
                    held.RemoveAt(j);
                }
                else
                {
                    dm.Contig.Pinned.Add(held[rng.Next(held.Count)].Pfn);
                }

                if (kind == DesignKind.Gcma && rng.Next(4) == 0)
                {
                    dm.CleanCache!.StoreCleanPage();
                }
            }

            dm.CheckInvariants();

            // cma_alloc over only free and movable unpinned pages: unpin what lies in the areas, then take each area whole
            foreach (var area in dm.Areas)
            {
                dm.Contig.Pinned.RemoveWhere(p => p >= area.BasePfn && p < area.BasePfn + area.Count);
                var r = area.Allocate(area.Count);
                Assert.True(r.Success, $"{DesignNames.Name(kind)} seed {c.Seed}: {r}");
                dm.CheckInvariants();
                Assert.True(area.Release(r.Pfn, area.Count));
            }

            dm.CheckInvariants();
        }, iter: 36, seed: "0N0XIzNsQ0O2");
    }
}
