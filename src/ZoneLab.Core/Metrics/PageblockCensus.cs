using ZoneLab.Allocator;

namespace ZoneLab.Metrics;

/// <summary>One zone's pageblocks by migratetype, and how many hold an unmovable allocation.</summary>
/// <param name="Zone">Zone name (<c>Normal</c>).</param>
/// <param name="Node">NUMA node.</param>
/// <param name="Pageblocks">Pageblocks with at least one page of the zone.</param>
/// <param name="ByMigratetype">Pageblocks per migratetype (<c>/proc/pagetypeinfo</c>'s "Number of blocks type").</param>
/// <param name="Polluted">Pageblocks holding at least one page of an unmovable allocation.</param>
/// <param name="UnmovablePages">Pages of unmovable allocations in the zone.</param>
public sealed record ZoneCensus(string Zone, int Node, long Pageblocks, IReadOnlyDictionary<string, long> ByMigratetype, long Polluted, long UnmovablePages);

/// <summary>
/// The pageblock census of a machine at one moment (Contiguitas, ISCA'23: unmovable memory under 7 % of RAM
/// "pollutes" about a third of the pageblocks). An allocation is unmovable when it is neither anonymous nor page
/// cache, i.e. not on an LRU list that compaction could migrate from (<c>PageLRU</c>/<c>__PageMovable</c>): kernel
/// pages, slab (reclaimable slab too: it is freed by shrinkers, never moved), page tables, device buffers. Boot
/// reservations (memblock, PageReserved) are not allocations and are not counted.
/// </summary>
/// <param name="Phase">The phase at whose end the census was taken.</param>
/// <param name="Zones">Per populated zone.</param>
public sealed record PageblockCensus(string Phase, IReadOnlyList<ZoneCensus> Zones)
{
    /// <summary>Pageblocks of all zones.</summary>
    public long Pageblocks => Zones.Sum(z => z.Pageblocks);

    /// <summary>Pageblocks holding an unmovable allocation.</summary>
    public long Polluted => Zones.Sum(z => z.Polluted);

    /// <summary><see cref="Polluted"/> / <see cref="Pageblocks"/>.</summary>
    public double PollutedFraction => Pageblocks == 0 ? 0 : (double)Polluted / Pageblocks;

    /// <summary>Pages of unmovable allocations.</summary>
    public long UnmovablePages => Zones.Sum(z => z.UnmovablePages);

    /// <summary>Managed pages of all zones (the RAM the census is relative to).</summary>
    public long ManagedPages { get; init; }

    /// <summary><see cref="UnmovablePages"/> / <see cref="ManagedPages"/>.</summary>
    public double UnmovableFraction => ManagedPages == 0 ? 0 : (double)UnmovablePages / ManagedPages;

    /// <summary>Takes the census: every pageblock of every populated zone, walked block by block.</summary>
    public static PageblockCensus Take(Machine m, string phase)
    {
        var zones = new List<ZoneCensus>();
        long managed = 0;
        ulong end = m.BasePfn + (ulong)m.PfnCount;
        // blocks per migratetype of the zone being walked, named once per zone (not per block)
        Span<long> perMt = stackalloc long[MigrateTypes.Count];
        for (int zi = 0; zi < m.Zones.Count; zi++)
        {
            Zone z = m.Zones[zi];
            if (!z.IsPopulated)
            {
                continue;
            }
            managed += (long)z.ManagedPages;
            var byMt = new SortedDictionary<string, long>(StringComparer.Ordinal);
            perMt.Clear();
            long blocks = 0, polluted = 0, unmovable = 0;
            ulong first = z.StartPfn & ~(Pageblock.NrPages - 1);
            for (ulong pb = first; pb < z.EndPfn && pb < end; pb += Pageblock.NrPages)
            {
                ulong stop = Math.Min(pb + Pageblock.NrPages, end);
                ulong from = Math.Max(pb, m.BasePfn);
                bool inZone = m.CensusPageblock(zi, from, stop, out bool dirty, out long pages);
                unmovable += pages;
                if (!inZone)
                {
                    continue;
                }
                blocks++;
                perMt[(int)m.PageblockType(Math.Max(pb, m.BasePfn))]++;
                if (dirty)
                {
                    polluted++;
                }
            }
            for (int mt = 0; mt < perMt.Length; mt++)
            {
                if (perMt[mt] > 0)
                {
                    string name = MigrateTypes.Name((MigrateType)mt);
                    byMt[name] = byMt.GetValueOrDefault(name) + perMt[mt];
                }
            }
            zones.Add(new ZoneCensus(z.Name, z.Node, blocks, byMt, polluted, unmovable));
        }
        return new PageblockCensus(phase, zones) { ManagedPages = managed };
    }
}
