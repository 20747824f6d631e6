using ZoneLab.Allocator;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>What applying a plan to a machine did beyond reproducing it.</summary>
/// <param name="Displaced">Used pages of the device at pfns this design does not manage (a carve-out), allocated
/// elsewhere through the allocator.</param>
/// <param name="DisplacedFailed">Of those, allocations that failed.</param>
/// <param name="ExtraFree">Managed pages of this design the device did not manage, left free.</param>
/// <param name="LostFree">Free pages of the device at pfns this design does not manage.</param>
public sealed record DeviceStateResult(long Displaced, long DisplacedFailed, long ExtraFree, long LostFree);

/// <summary>
/// Brings a freshly booted machine to a planned device state, with the buddy allocator's own operations: every free
/// block is taken off the lists, pageblocks are retyped (set_pageblock_migratetype), the planned free blocks are given
/// back with <c>__free_one_page</c> under their free list's migratetype, and every used page becomes an order-0
/// allocation of its use (LRU pages on their active or inactive list). On the device's own design the result has the
/// snapshot's buddyinfo and pagetypeinfo exactly; on another design the same pfns are free or used, and what the
/// design does not manage is reported in <see cref="DeviceStateResult"/>.
/// </summary>
public static class DeviceStateSeeder
{
    /// <summary>Applies <paramref name="plan"/> to <paramref name="m"/>, which must not have run anything since boot.</summary>
    public static DeviceStateResult Apply(Machine m, DeviceStatePlan plan)
    {
        foreach (Zone z in m.Zones)
        {
            if (z.PresentPages != 0)
            {
                m.SeedTakeAll(z.Index);
            }
        }

        ulong mBase = m.BasePfn, mEnd = m.BasePfn + (ulong)m.PfnCount;

        // pages given back or handed out so far (a free block's tail pages look plain to the machine)
        var taken = new bool[m.PfnCount];
        bool InMap(ulong pfn) => pfn >= mBase && pfn < mEnd;

        // pageblock types; MIGRATE_CMA is the design's to decide on both sides (ZONE_CMA has MOVABLE blocks there)
        for (int pb = 0; pb < plan.PageblockType.Length; pb++)
        {
            if (plan.PageblockType[pb] == DeviceStatePlan.NoType)
            {
                continue;
            }

            ulong first = plan.BasePfn + ((ulong)pb << Pageblock.Order);
            var want = (MigrateType)plan.PageblockType[pb];
            for (ulong pfn = first; pfn < first + Pageblock.NrPages; pfn++)
            {
                if (!InMap(pfn) || m.ZoneIndexOf(pfn) < 0)
                {
                    continue;
                }

                MigrateType cur = m.PageblockType(pfn);
                if (cur != MigrateType.Cma && want != MigrateType.Cma)
                {
                    m.SeedSetPageblock(m.SeedIndex(pfn), want);
                }

                break;
            }
        }

        long lostFree = 0;
        foreach (PlannedFreeBlock b in plan.FreeBlocks)
        {
            lostFree += FreeBlock(m, taken, b.Pfn, b.Order, b.Migratetype);
        }

        // used pages: in place where this design manages the pfn, else counted for allocation elsewhere
        var displaced = new Dictionary<byte, long>();
        for (int k = 0; k < plan.State.Length; k++)
        {
            if (plan.State[k] != DeviceStatePlan.StateUsed)
            {
                continue;
            }

            ulong pfn = plan.BasePfn + (ulong)k;
            int zone = InMap(pfn) ? m.ZoneIndexOf(pfn) : -1;
            (PageUse use, bool active, KernelPageStat? stat) = DeviceStatePlan.DecodeUse(plan.Use[k]);
            if (zone >= 0 && m.SeedIsPlain(m.SeedIndex(pfn), zone) && !taken[m.SeedIndex(pfn)])
            {
                taken[m.SeedIndex(pfn)] = true;
                m.SeedAllocate(m.SeedIndex(pfn), MigratetypeOf(use), use, active);
                if (stat is KernelPageStat s)
                {
                    m.AddKernelStat(m.Zones[zone].Node, s, 1);
                }
            }
            else
            {
                displaced[plan.Use[k]] = displaced.GetValueOrDefault(plan.Use[k]) + 1;
            }
        }

        // pages this design manages that the device did not: free, merging as the buddy allocator merges them
        long extra = 0;
        foreach (Zone z in m.Zones)
        {
            if (z.PresentPages == 0)
            {
                continue;
            }

            (int start, int end) = m.ZoneIndexRange(z);
            for (int i = start; i < end; i++)
            {
                if (m.SeedIsPlain(i, z.Index) && !taken[i])
                {
                    taken[i] = true;
                    m.SeedFree(i, 0, m.PageblockTypeAt(i));
                    extra++;
                }
            }
        }

        long moved = 0, failed = 0;
        foreach ((byte code, long n) in displaced.OrderBy(d => d.Key))
        {
            (PageUse use, bool active, KernelPageStat? stat) = DeviceStatePlan.DecodeUse(code);
            GfpFlags gfp = Gfp.Parse(use switch
            {
                PageUse.Kernel => "GFP_KERNEL",
                PageUse.SlabReclaimable => "GFP_KERNEL|__GFP_RECLAIMABLE",
                _ => "GFP_HIGHUSER_MOVABLE",
            });
            for (long c = 0; c < n; c++)
            {
                moved++;
                AllocResult r = m.Allocate(0, gfp, 0, use);
                if (!r.Success)
                {
                    failed++;
                    continue;
                }

                if (active)
                {
                    m.MarkAccessed(r.Pfn);
                }

                if (stat is KernelPageStat s)
                {
                    m.AddKernelStat(m.Zones[r.ZoneIndex].Node, s, 1);
                }
            }
        }

        m.DebugCheck();
        return new DeviceStateResult(moved, failed, extra, lostFree);
    }

    private static MigrateType MigratetypeOf(PageUse use) => use switch
    {
        PageUse.Kernel => MigrateType.Unmovable,
        PageUse.SlabReclaimable => MigrateType.Reclaimable,
        _ => MigrateType.Movable,
    };

    // Gives a planned free block back; where this design's zones or managed pages cut it, its halves go back
    // separately (pages it does not manage are lost). Returns the pages lost.
    private static long FreeBlock(Machine m, bool[] taken, ulong pfn, int order, MigrateType mt)
    {
        ulong n = 1UL << order;
        if (pfn < m.BasePfn || pfn + n > m.BasePfn + (ulong)m.PfnCount)
        {
            return order == 0 ? 1 : FreeBlock(m, taken, pfn, order - 1, mt) + FreeBlock(m, taken, pfn + (n >> 1), order - 1, mt);
        }

        int zone = m.ZoneIndexOf(pfn);
        bool whole = zone >= 0;
        for (ulong p = pfn; whole && p < pfn + n; p++)
        {
            whole = m.SeedIsPlain(m.SeedIndex(p), zone) && !taken[m.SeedIndex(p)];
        }

        if (whole)
        {
            Array.Fill(taken, true, m.SeedIndex(pfn), (int)n);
            MigrateType block = m.PageblockType(pfn);
            m.SeedFree(m.SeedIndex(pfn), order, mt == MigrateType.Cma || block == MigrateType.Cma ? block : mt);
            return 0;
        }

        return order == 0 ? 1 : FreeBlock(m, taken, pfn, order - 1, mt) + FreeBlock(m, taken, pfn + (n >> 1), order - 1, mt);
    }
}
