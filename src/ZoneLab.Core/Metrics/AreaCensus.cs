using ZoneLab.Allocator;
using ZoneLab.Contiguous;

namespace ZoneLab.Metrics;

/// <summary>
/// The device areas' pageblocks at the end of a run: their migratetypes, how many hold a page of an unmovable
/// (non-LRU) allocation other than the device's own buffers, and those pages. This is what decides whether a later
/// <c>cma_alloc()</c> can succeed: <c>has_unmovable_pages()</c> refuses a MIGRATE_MOVABLE range holding such a page,
/// a MIGRATE_CMA range never receives one.
/// </summary>
/// <param name="Pageblocks">Pageblocks of the areas.</param>
/// <param name="ByMigratetype">Pageblocks per current migratetype (<c>get_pfnblock_migratetype</c>).</param>
/// <param name="Polluted">Pageblocks holding at least one page of an unmovable allocation.</param>
/// <param name="UnmovablePages">Pages of unmovable allocations inside the areas.</param>
/// <param name="StickySteals">Fallback allocations served from sticky pageblocks without retyping them.</param>
public sealed record AreaCensus(long Pageblocks, IReadOnlyDictionary<string, long> ByMigratetype, long Polluted, long UnmovablePages, long StickySteals)
{
    /// <summary>Walks every pageblock of the areas block by block; pages inside <paramref name="held"/> are skipped.</summary>
    public static AreaCensus Take(Machine m, IReadOnlyList<CmaAllocator> areas, IReadOnlyList<(ulong Pfn, ulong Count)> held)
    {
        var byMt = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long blocks = 0, polluted = 0, unmovable = 0;
        foreach (CmaAllocator a in areas)
        {
            ulong end = a.BasePfn + a.Count;
            for (ulong pb = a.BasePfn & ~(Pageblock.NrPages - 1); pb < end; pb += Pageblock.NrPages)
            {
                blocks++;
                string mt = MigrateTypes.Name(m.PageblockType(pb));
                byMt[mt] = byMt.GetValueOrDefault(mt) + 1;
                long here = UnmovableIn(m, Math.Max(pb, a.BasePfn), Math.Min(pb + Pageblock.NrPages, end), held);
                unmovable += here;
                polluted += here > 0 ? 1 : 0;
            }
        }

        return new AreaCensus(blocks, byMt, polluted, unmovable, m.StickyFallbackSteals);
    }

    private static long UnmovableIn(Machine m, ulong start, ulong end, IReadOnlyList<(ulong Pfn, ulong Count)> held)
    {
        long n = 0;
        for (ulong p = start; p < end;)
        {
            if (m.IsFreeHead(p, out int o))
            {
                p += 1UL << o;
            }
            else if (m.IsAllocatedHead(p, out o))
            {
                if (m.UseOf(p) is not (PageUse.Anon or PageUse.File or PageUse.FileDirty) && !Held(p, held))
                {
                    n += (long)(Math.Min(end, p + (1UL << o)) - p);
                }

                p += 1UL << o;
            }
            else
            {
                p++;
            }
        }

        return n;
    }

    private static bool Held(ulong pfn, IReadOnlyList<(ulong Pfn, ulong Count)> held)
    {
        foreach ((ulong s, ulong c) in held)
        {
            if (pfn >= s && pfn < s + c)
            {
                return true;
            }
        }

        return false;
    }
}
