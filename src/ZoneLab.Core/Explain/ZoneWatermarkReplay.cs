using ZoneLab.Allocator;

namespace ZoneLab.Explain;

/// <summary>The numbers of one zone that <c>__zone_watermark_ok()</c> reads, in pages.</summary>
public readonly record struct WatermarkInput(
    long Free, long Min, long Boost, long FreeCma, long ReservedHighatomic, long LowmemReserve,
    long[] FreeBlocks, string[] Types, bool HasTypeLetters);

/// <summary>What <see cref="ZoneWatermarkReplay.Check"/> found.</summary>
public readonly record struct WatermarkResult(
    bool Ok, bool Order0Ok, bool? OrderOk, long Mark, long EffectiveMin, long Unusable, bool CmaExcluded,
    bool HighatomicExcluded, long ShortPages, int LargestFreeOrder, int LargestUsableOrder);

/// <summary>
/// <c>__zone_watermark_ok()</c> (mm/page_alloc.c) and the min-watermark retry of <c>zone_watermark_fast()</c>, per
/// kernel generation:
/// <list type="bullet">
/// <item>v4.4-v4.14 (since "mm, page_alloc: only enforce watermarks for order-0 allocations"): free minus
/// (1 &lt;&lt; order) - 1, minus nr_reserved_highatomic unless ALLOC_HARDER, minus free CMA unless ALLOC_CMA;
/// ALLOC_HIGH halves min, ALLOC_HARDER takes a further quarter; then for order &gt; 0 any order ≥ the request's with a
/// free block passes for ALLOC_HARDER, otherwise a block on an UNMOVABLE/MOVABLE/RECLAIMABLE list (or CMA with
/// ALLOC_CMA).</item>
/// <item>v4.15-v6.2 ("mm, page_alloc: fix potential false positive in __zone_watermark_ok"): ALLOC_HARDER passes the
/// order loop only through a MIGRATE_HIGHATOMIC block. From v5.9 an atomic (__GFP_ATOMIC) order-0 request that fails
/// the boosted min is retried against the unboosted min (zone_watermark_fast).</item>
/// <item>v6.3+ (Mel Gorman's ALLOC_HARDER split): the highatomic reserve is usable with any of ALLOC_RESERVES
/// (NON_BLOCK, MIN_RESERVE, HIGHATOMIC, OOM); ALLOC_MIN_RESERVE (__GFP_HIGH) halves min and, with ALLOC_NON_BLOCK, takes
/// a further quarter; GFP_NOWAIT gets no reduction; MIGRATE_HIGHATOMIC blocks need ALLOC_HIGHATOMIC (or OOM); the
/// unboosted retry keys on ALLOC_MIN_RESERVE.</item>
/// </list>
/// The per-migratetype test uses the buddy line's letters (show_migration_types(): U, M, E, H, C, I): a letter at an
/// order means that free list is not empty.
/// </summary>
public static class ZoneWatermarkReplay
{
    /// <summary>Replays the check of one zone for a request of <paramref name="order"/> with <paramref name="flags"/>.</summary>
    /// <param name="z">The zone's dumped numbers.</param>
    /// <param name="order">Requested order.</param>
    /// <param name="flags">alloc_flags of the slow path's last attempt.</param>
    /// <param name="version">Kernel version, major*100+minor.</param>
    /// <param name="atomicGfp">The gfp mask has __GFP_ATOMIC (v5.9-v6.2 unboosted retry).</param>
    public static WatermarkResult Check(WatermarkInput z, int order, ReportAllocFlags flags, int version, bool atomicGfp)
    {
        WatermarkResult r = CheckMark(z, order, flags, version, z.Min);
        if (!r.Ok && order == 0 && z.Boost > 0)
        {
            // zone_watermark_fast(): "Ignore watermark boosting for __GFP_HIGH order-0 allocations" (v6.3+), for
            // GFP_ATOMIC (gfp & __GFP_ATOMIC) in v5.9-v6.2.
            bool retry = version >= 603 ? (flags & ReportAllocFlags.High) != 0 : version >= 509 && atomicGfp;
            if (retry)
            {
                return CheckMark(z, order, flags, version, z.Min - z.Boost);
            }
        }
        return r;
    }

    private static WatermarkResult CheckMark(WatermarkInput z, int order, ReportAllocFlags flags, int version, long mark)
    {
        bool gen63 = version >= 603;
        bool harder = (flags & ReportAllocFlags.Harder) != 0;
        bool reserves = (flags & (ReportAllocFlags.NonBlock | ReportAllocFlags.High | ReportAllocFlags.HighAtomic)) != 0;

        // __zone_watermark_unusable_free() (v5.12+; open-coded before with the same arithmetic).
        long unusable = (1L << order) - 1;
        bool haExcluded = gen63 ? !reserves : !harder;
        if (haExcluded)
        {
            unusable += z.ReservedHighatomic;
        }
        bool cmaExcluded = (flags & ReportAllocFlags.Cma) == 0;
        if (cmaExcluded)
        {
            unusable += z.FreeCma;
        }

        long min = mark;
        if (gen63)
        {
            if ((flags & ReportAllocFlags.High) != 0)
            {
                min -= min / 2;
                if ((flags & ReportAllocFlags.NonBlock) != 0)
                {
                    min -= min / 4;
                }
            }
        }
        else
        {
            if ((flags & ReportAllocFlags.High) != 0)
            {
                min -= min / 2;
            }
            if (harder)
            {
                min -= min / 4;
            }
        }

        long free = z.Free - unusable;
        bool order0 = free > min + z.LowmemReserve;
        long shortBy = order0 ? 0 : min + z.LowmemReserve + 1 - free;
        (int largest, int largestUsable, bool found) = Search(z, order, flags, version);
        bool? orderOk = order == 0 ? null : found;
        bool ok = order0 && (order == 0 || found);
        return new WatermarkResult(ok, order0, orderOk, mark, min, unusable, cmaExcluded, haExcluded, shortBy, largest, largestUsable);
    }

    /// <summary>The per-order loop: is there a free block of order ≥ <paramref name="order"/> this request may take?</summary>
    public static (int Largest, int LargestUsable, bool Found) Search(WatermarkInput z, int order, ReportAllocFlags flags, int version)
    {
        int largest = -1;
        int largestUsable = -1;
        for (int o = 0; o < z.FreeBlocks.Length; o++)
        {
            if (z.FreeBlocks[o] == 0)
            {
                continue;
            }
            largest = o;
            if (Usable(z.HasTypeLetters ? z.Types[o] : null, flags, version))
            {
                largestUsable = o;
            }
        }
        return (largest, largestUsable, largestUsable >= order);
    }

    /// <summary>
    /// rmqueue() after a passed watermark: is a block of order ≥ <paramref name="order"/> on a list the request can take?
    /// UNMOVABLE/MOVABLE/RECLAIMABLE are reachable through __rmqueue_fallback(), MIGRATE_CMA only with ALLOC_CMA, and
    /// MIGRATE_HIGHATOMIC only for order &gt; 0 (order-0 requests refill from the per-cpu lists through __rmqueue(),
    /// which never takes highatomic blocks): with ALLOC_HARDER in v4.4-v6.2 (rmqueue()/buffered_rmqueue()), with
    /// ALLOC_HIGHATOMIC or ALLOC_NON_BLOCK in v6.3+ (rmqueue_buddy()). MIGRATE_ISOLATE is never taken.
    /// </summary>
    public static bool Rmqueue(WatermarkInput z, int order, ReportAllocFlags flags, int version)
    {
        for (int o = order; o < z.FreeBlocks.Length; o++)
        {
            if (z.FreeBlocks[o] == 0)
            {
                continue;
            }
            if (!z.HasTypeLetters)
            {
                return true;
            }
            foreach (char c in z.Types[o])
            {
                bool reachable = c switch
                {
                    'U' or 'M' or 'E' or 'R' => true,
                    'C' => (flags & ReportAllocFlags.Cma) != 0,
                    'H' => order > 0 && (version >= 603
                        ? (flags & (ReportAllocFlags.HighAtomic | ReportAllocFlags.NonBlock)) != 0
                        : (flags & ReportAllocFlags.Harder) != 0),
                    _ => false,
                };
                if (reachable)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Whether a non-empty order whose free lists are <paramref name="letters"/> passes the loop's tests.</summary>
    public static bool Usable(string? letters, ReportAllocFlags flags, int version)
    {
        if (letters is null)
        {
            return true; // no letters printed: only the count is known
        }
        if (version < 415 && (flags & ReportAllocFlags.Harder) != 0)
        {
            return true; // v4.4-v4.14: "if (alloc_harder) return true;" for any order with nr_free
        }
        foreach (char c in letters)
        {
            switch (c)
            {
                case 'U' or 'M' or 'E':
                    return true; // MIGRATE_PCPTYPES
                case 'C' when (flags & ReportAllocFlags.Cma) != 0:
                    return true;
                case 'H' when version >= 603 ? (flags & ReportAllocFlags.HighAtomic) != 0 : (flags & ReportAllocFlags.Harder) != 0:
                    return true;
            }
        }
        return false;
    }
}
