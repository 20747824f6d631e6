using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>
/// Decides what every used page of a planned device state is: per zone, the LRU pages zoneinfo counts
/// (<c>nr_zone_{in,}active_{anon,file}</c>, <c>nr_zone_unevictable</c>), with meminfo's Shmem among the anon LRU pages
/// (shmem folios are swap-backed) and its Dirty among the file pages; the rest split as meminfo itemises kernel memory
/// (SReclaimable, SUnreclaim, KernelStack, PageTables) and whatever it does not itemise (vmalloc, percpu, per-cpu
/// free lists, device memory). Movable uses fill MIGRATE_CMA and MOVABLE pageblocks first, reclaimable slab ends in
/// RECLAIMABLE pageblocks, the other kernel pages in UNMOVABLE ones.
/// </summary>
internal static class DeviceStateUses
{
    // pageblock types in the order their used pages are handed out
    private static readonly MigrateType[] s_pageOrder =
        [MigrateType.Cma, MigrateType.Movable, MigrateType.HighAtomic, MigrateType.Isolate, MigrateType.Unmovable, MigrateType.Reclaimable];

    private enum Cat
    {
        FileActive, FileInactive, FileDirtyActive, FileDirtyInactive, ShmemActive, ShmemInactive, AnonActive, AnonInactive,
        Other, SlabUnreclaimable, KernelStack, PageTables, Unevictable, SlabReclaimable, Count,
    }

    public static void Assign(DeviceSnapshot s, Machine m, List<DeviceStatePlanner.ZonePlacement> zones, byte[] st, byte[] pbType, byte[] use, List<string> warnings)
    {
        MeminfoFile mi = s.Meminfo;
        int nz = zones.Count;
        var used = new long[nz];
        var pages = new List<int>[nz];
        for (int k = 0; k < nz; k++)
        {
            pages[k] = UsedPages(m, zones[k], st);
            used[k] = pages[k].Count;
        }

        // LRU pages: meminfo's totals (global node counters, folded) spread over the zones as zoneinfo's per-zone counters
        // split them (those lag by up to the per-cpu vmstat thresholds), then clamped to each zone's used pages
        var counts = new long[nz, (int)Cat.Count];
        var anonLru = new long[nz];
        var fileLru = new long[nz];
        var nonLru = new long[nz];
        (string Zone, string Meminfo)[] lruFields =
        [
            ("nr_zone_inactive_anon", "Inactive(anon)"), ("nr_zone_active_anon", "Active(anon)"),
            ("nr_zone_inactive_file", "Inactive(file)"), ("nr_zone_active_file", "Active(file)"), ("nr_zone_unevictable", "Unevictable"),
        ];
        var lruZ = new long[lruFields.Length][];
        for (int f = 0; f < lruFields.Length; f++)
        {
            var w = new long[nz];
            for (int k = 0; k < nz; k++)
            {
                w[k] = zones[k].Targets.ZoneStat(lruFields[f].Zone);
            }

            long total = mi.Has(lruFields[f].Meminfo) ? mi.PagesOrZero(lruFields[f].Meminfo) : w.Sum();
            lruZ[f] = Spread(total, w.Sum() > 0 ? w : used);
        }

        for (int k = 0; k < nz; k++)
        {
            long ia = lruZ[0][k], aa = lruZ[1][k], inf = lruZ[2][k], af = lruZ[3][k], ue = lruZ[4][k];
            long lru = ia + aa + inf + af + ue;
            if (lru > used[k])
            {
                warnings.Add($"node {zones[k].Zone.Node} zone {zones[k].Zone.Name}: {lru} LRU pages but only {used[k]} pages are in use; scaled down");
                double f = (double)used[k] / lru;
                ia = (long)(ia * f);
                aa = (long)(aa * f);
                inf = (long)(inf * f);
                af = (long)(af * f);
                ue = (long)(ue * f);
            }

            counts[k, (int)Cat.AnonActive] = aa;
            counts[k, (int)Cat.AnonInactive] = ia;
            counts[k, (int)Cat.FileActive] = af;
            counts[k, (int)Cat.FileInactive] = inf;
            counts[k, (int)Cat.Unevictable] = ue;
            anonLru[k] = ia + aa;
            fileLru[k] = inf + af;
            nonLru[k] = used[k] - (ia + aa + inf + af + ue);
        }

        // Shmem and AnonPages share the anon LRU; pages in flight (per-cpu LRU batches, isolated) make the two add up
        // to slightly more or less than the LRU counters. The smaller one is taken as printed and the larger gets the
        // rest, so both stay within a page batch of meminfo.
        long anonTotal = anonLru.Sum();
        long shmemWant = mi.PagesOrZero("Shmem"), anonWant = mi.PagesOrZero("AnonPages");
        long shmem = shmemWant <= anonWant
            ? Clamp(shmemWant, anonTotal, "Shmem", mi, warnings)
            : anonTotal - Math.Min(anonWant, anonTotal);
        long[] shmemZ = Apportion(shmem, anonLru);
        long dirty = Clamp(mi.PagesOrZero("Dirty"), fileLru.Sum(), "Dirty", mi, warnings);
        long[] dirtyZ = Apportion(dirty, fileLru);
        for (int k = 0; k < nz; k++)
        {
            // the active share is the same for shmem and anon, and for dirty and clean file pages
            long sa = anonLru[k] == 0 ? 0 : shmemZ[k] * counts[k, (int)Cat.AnonActive] / anonLru[k];
            counts[k, (int)Cat.ShmemActive] = sa;
            counts[k, (int)Cat.ShmemInactive] = shmemZ[k] - sa;
            counts[k, (int)Cat.AnonActive] -= sa;
            counts[k, (int)Cat.AnonInactive] -= shmemZ[k] - sa;
            long da = fileLru[k] == 0 ? 0 : dirtyZ[k] * counts[k, (int)Cat.FileActive] / fileLru[k];
            counts[k, (int)Cat.FileDirtyActive] = da;
            counts[k, (int)Cat.FileDirtyInactive] = dirtyZ[k] - da;
            counts[k, (int)Cat.FileActive] -= da;
            counts[k, (int)Cat.FileInactive] -= dirtyZ[k] - da;
        }

        // kernel memory: meminfo's itemised parts, the rest is "other"
        long totalNonLru = nonLru.Sum();
        (Cat Cat, string Field)[] kernel =
        [
            (Cat.SlabReclaimable, "SReclaimable"), (Cat.SlabUnreclaimable, "SUnreclaim"), (Cat.KernelStack, "KernelStack"), (Cat.PageTables, "PageTables"),
        ];
        long itemised = kernel.Sum(c => mi.PagesOrZero(c.Field)) + mi.PagesOrZero("SecPageTables");
        double scale = itemised > totalNonLru && itemised > 0 ? (double)totalNonLru / itemised : 1.0;
        if (scale < 1.0)
        {
            warnings.Add($"{mi.Source}: slab, kernel stacks and page tables add up to {itemised} pages but only {totalNonLru} used pages are off the LRU; scaled by {scale:0.000}");
        }

        var capacity = (long[])nonLru.Clone();
        foreach ((Cat cat, string field) in kernel)
        {
            long want = (long)(mi.PagesOrZero(field) * scale) + (cat == Cat.PageTables ? (long)(mi.PagesOrZero("SecPageTables") * scale) : 0);
            long[] share = Apportion(want, capacity);
            for (int k = 0; k < nz; k++)
            {
                counts[k, (int)cat] = share[k];
                capacity[k] -= share[k];
            }
        }

        for (int k = 0; k < nz; k++)
        {
            counts[k, (int)Cat.Other] = capacity[k];
        }

        for (int k = 0; k < nz; k++)
        {
            Fill(pages[k], k, counts, use);
        }
    }

    private static long Clamp(long want, long max, string field, MeminfoFile mi, List<string> warnings)
    {
        if (want <= max)
        {
            return want;
        }

        warnings.Add($"{mi.Source}:{mi.LineOf(field)}: {field} {want * 4} kB is more than the {(field == "Shmem" ? "anon" : "file")} LRU holds ({max * 4} kB); clamped");
        return max;
    }

    // The zone's used pages in the order their pageblock types take uses (movable uses first into CMA and MOVABLE).
    private static List<int> UsedPages(Machine m, DeviceStatePlanner.ZonePlacement zp, byte[] st)
    {
        var byType = new List<int>[MigrateTypes.Count];
        for (int t = 0; t < byType.Length; t++)
        {
            byType[t] = [];
        }

        int zone = zp.Zone.Index;
        for (int i = zp.Start; i < zp.End; i++)
        {
            if (st[i] is 0 or 2 && m.ZoneAt(i) == zone)
            {
                byType[(int)zp.TypeOf(i >> Pageblock.Order)].Add(i);
            }
        }

        var list = new List<int>();
        foreach (MigrateType t in s_pageOrder)
        {
            list.AddRange(byType[(int)t]);
        }

        return list;
    }

    private static void Fill(List<int> pages, int k, long[,] counts, byte[] use)
    {
        int p = 0;
        for (int c = 0; c < (int)Cat.Count; c++)
        {
            (PageUse u, bool active, KernelPageStat? stat) = (Cat)c switch
            {
                Cat.FileActive => (PageUse.File, true, (KernelPageStat?)null),
                Cat.FileInactive => (PageUse.File, false, null),
                Cat.FileDirtyActive => (PageUse.FileDirty, true, null),
                Cat.FileDirtyInactive => (PageUse.FileDirty, false, null),
                Cat.ShmemActive => (PageUse.Shmem, true, null),
                Cat.ShmemInactive => (PageUse.Shmem, false, null),
                Cat.AnonActive => (PageUse.Anon, true, null),
                Cat.AnonInactive => (PageUse.Anon, false, null),
                Cat.Other => (PageUse.Kernel, false, KernelPageStat.Other),
                Cat.SlabUnreclaimable => (PageUse.Kernel, false, null),
                Cat.KernelStack => (PageUse.Kernel, false, KernelPageStat.KernelStack),
                Cat.PageTables => (PageUse.Kernel, false, KernelPageStat.PageTables),
                Cat.Unevictable => (PageUse.Kernel, false, KernelPageStat.Unevictable),
                Cat.SlabReclaimable => (PageUse.SlabReclaimable, false, null),
                _ => throw new InvalidOperationException("unknown page category"),
            };
            byte code = DeviceStatePlan.EncodeUse(u, active, stat);
            for (long n = counts[k, c]; n > 0; n--)
            {
                use[pages[p++]] = code;
            }
        }

        if (p != pages.Count)
        {
            throw new InvalidOperationException($"device state: {pages.Count - p} used pages without a use");
        }
    }

    /// <summary>Splits <paramref name="total"/> over bins in proportion to <paramref name="weight"/>, without a cap per bin.</summary>
    internal static long[] Spread(long total, long[] weight)
    {
        long sum = weight.Sum();
        var share = new long[weight.Length];
        if (total <= 0 || sum <= 0)
        {
            return share;
        }

        long given = 0;
        for (int k = 0; k < weight.Length; k++)
        {
            share[k] = (long)((double)total * weight[k] / sum);
            given += share[k];
        }

        // rounding leftovers to the heaviest bin
        int heaviest = Array.IndexOf(weight, weight.Max());
        share[heaviest] += total - given;
        return share;
    }

    /// <summary>
    /// Splits <paramref name="total"/> over bins in proportion to <paramref name="weight"/> (largest remainders get
    /// the leftover, ties to the lower bin), never giving a bin more than its weight; total must not exceed the sum.
    /// </summary>
    internal static long[] Apportion(long total, long[] weight)
    {
        var share = new long[weight.Length];
        long sum = weight.Sum();
        if (total <= 0 || sum <= 0)
        {
            return share;
        }

        total = Math.Min(total, sum);
        var rem = new (double Frac, int Bin)[weight.Length];
        long given = 0;
        for (int k = 0; k < weight.Length; k++)
        {
            double exact = (double)total * weight[k] / sum;
            share[k] = Math.Min(weight[k], (long)Math.Floor(exact));
            given += share[k];
            rem[k] = (exact - share[k], k);
        }

        foreach ((double _, int bin) in rem.OrderByDescending(r => r.Frac).ThenBy(r => r.Bin))
        {
            if (given == total)
            {
                break;
            }

            if (share[bin] < weight[bin])
            {
                share[bin]++;
                given++;
            }
        }

        // rounding can leave a few pages when bins are full: give them wherever there is room
        for (int k = 0; k < weight.Length && given < total; k++)
        {
            long room = Math.Min(weight[k] - share[k], total - given);
            share[k] += room;
            given += room;
        }

        return share;
    }
}
