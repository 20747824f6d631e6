using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Oracle;

/// <summary>One zone of the guest at step 0: node, name and pfn span (zoneinfo's start_pfn and spanned).</summary>
/// <param name="Node">NUMA node.</param>
/// <param name="Name">Zone name as /proc prints it.</param>
/// <param name="StartPfn">zone_start_pfn.</param>
/// <param name="EndPfn">zone_end_pfn (start + spanned).</param>
public readonly record struct GuestZone(int Node, string Name, ulong StartPfn, ulong EndPfn);

/// <summary>One free buddy block of the guest at step 0.</summary>
/// <param name="Pfn">First pfn.</param>
/// <param name="Order">Buddy order.</param>
/// <param name="Migratetype">Its pageblock's migratetype (the free list __free_one_page put it on).</param>
/// <param name="Zone">Index into <see cref="GuestStartState.Zones"/>.</param>
public readonly record struct GuestFreeBlock(ulong Pfn, int Order, MigrateType Migratetype, int Zone);

/// <summary>
/// The guest's free lists and pageblock types at step 0, worked out from <see cref="GuestPageState"/>: kpageflags marks
/// every free page (KPF_BUDDY) but not the block orders, and those follow from the buddy allocator's invariant: a
/// freed block merges with its buddy while the buddy is a free block of the same order (__free_one_page), so no two
/// buddies of one order are ever both free, and a naturally aligned 2^k range that is all free is always inside one
/// free block. The free blocks are therefore the largest naturally aligned all-free ranges, up to MAX_ORDER - 1,
/// inside one zone, and (6.1, __free_one_page above pageblock_order) an order-10 block only where its two pageblocks
/// may merge (same type, or both of the three mergeable ones: migratetype_is_mergeable). The tests check the result
/// against the same moment's buddyinfo (every zone and order) and pagetypeinfo (free lists and pageblock census).
/// </summary>
public sealed class GuestStartState
{
    private GuestStartState(GuestPageState pages, IReadOnlyList<MigrateType> types, IReadOnlyList<GuestZone> zones, List<GuestFreeBlock> free, string pageblocksSource)
    {
        Pages = pages;
        Types = types;
        Zones = zones;
        FreeBlocks = free;
        PageblocksSource = pageblocksSource;
    }

    /// <summary>The kpageflags words and pageblock bits.</summary>
    public GuestPageState Pages { get; }

    /// <summary>The kernel's migratetype numbers in order (pagetypeinfo's columns: no MIGRATE_CMA without CONFIG_CMA).</summary>
    public IReadOnlyList<MigrateType> Types { get; }

    /// <summary>The populated zones, from step 0's zoneinfo.</summary>
    public IReadOnlyList<GuestZone> Zones { get; }

    /// <summary>Every free block, in pfn order.</summary>
    public IReadOnlyList<GuestFreeBlock> FreeBlocks { get; }

    private string PageblocksSource { get; }

    /// <summary>Reads a <c>--page-state</c> recording's step 0 (kpageflags, pageblocks, zoneinfo, pagetypeinfo).</summary>
    public static GuestStartState Read(OracleRecording rec)
    {
        foreach (string f in new[] { "step0.kpageflags.txt", "step0.pageblocks.txt" })
        {
            if (!File.Exists(rec.PathOf(f)))
            {
                throw new ZoneLabInputException(rec.PathOf(f), "missing: the recording was made without --page-state (zonelab oracle run --page-state)");
            }
        }

        GuestPageState pages = GuestPageState.Read(rec.PathOf("step0.kpageflags.txt"), rec.PathOf("step0.pageblocks.txt"));
        PagetypeinfoFile pti = PagetypeinfoReader.Read(rec.PathOf("step0.pagetypeinfo.txt"), rec.PathOf("step0.pagetypeinfo.txt"));
        IReadOnlyList<ZoneinfoHeader> zi = ZoneinfoReader.ReadFile(rec.PathOf("step0.zoneinfo.txt"), rec.PathOf("step0.zoneinfo.txt"));
        GuestStartState s = Build(pages, pti.Types, [.. zi.Where(z => z.Present > 0 && z.StartPfn != null).Select(z => new GuestZone(z.Node, z.Zone, z.StartPfn!.Value, z.StartPfn!.Value + z.Spanned))], rec.PathOf("step0.pageblocks.txt"));
        s.CheckSameMoment(BuddyinfoReader.Read(rec.PathOf("step0.buddyinfo.txt"), rec.PathOf("step0.buddyinfo.txt")), rec.PathOf("step0.kpageflags.txt"));
        return s;
    }

    /// <summary>
    /// Rejects a step 0 whose kpageflags and buddyinfo are not of one moment: the free blocks derived from kpageflags
    /// must be buddyinfo's, zone by zone and order by order. A guest that allocated or freed pages between the two
    /// reads (a zlguest before the still-moment reads of docs/oracle.md, "The page state") gives another moment's
    /// free blocks, and the engine would start from a state the guest never had.
    /// </summary>
    /// <param name="buddyinfo">The same recording's step-0 buddyinfo.</param>
    /// <param name="source">The kpageflags file, named in the error.</param>
    public void CheckSameMoment(IReadOnlyList<BuddyinfoZone> buddyinfo, string source)
    {
        foreach (BuddyinfoZone row in buddyinfo)
        {
            int z = -1;
            for (int i = 0; i < Zones.Count && z < 0; i++)
            {
                z = Zones[i].Node == row.Node && Zones[i].Name == row.Zone ? i : -1;
            }

            long[] mine = z >= 0 ? NrFree(z) : new long[Pageblock.NrOrders];
            for (int o = 0; o < Pageblock.NrOrders; o++)
            {
                long kernel = o < row.NrFree.Length ? row.NrFree[o] : 0;
                if (kernel != mine[o])
                {
                    throw new ZoneLabInputException(source,
                        $"node {row.Node} zone {row.Zone} order {o}: {mine[o]} free blocks in kpageflags, {kernel} in step0.buddyinfo.txt; "
                        + "the guest's state moved between the two reads (record again: zonelab oracle run --page-state reads them at one still moment)");
                }
            }
        }
    }

    /// <summary>Derives the free blocks of <paramref name="pages"/> in <paramref name="zones"/>.</summary>
    public static GuestStartState Build(GuestPageState pages, IReadOnlyList<MigrateType> types, IReadOnlyList<GuestZone> zones, string pageblocksSource)
    {
        var free = new List<GuestFreeBlock>();
        var s = new GuestStartState(pages, types, zones, free, pageblocksSource);
        for (int z = 0; z < zones.Count; z++)
        {
            ulong end = Math.Min(zones[z].EndPfn, pages.PfnCount);
            ulong p = zones[z].StartPfn;
            while (p < end)
            {
                if (!pages.Has(p, GuestPageState.KpfBuddy))
                {
                    p++;
                    continue;
                }

                int k = s.LargestFreeBlock(p, end);
                free.Add(new GuestFreeBlock(p, k, s.PageblockType(p), z));
                p += 1UL << k;
            }
        }

        return s;
    }

    /// <summary>The migratetype of the pageblock holding <paramref name="pfn"/> (MIGRATE_UNMOVABLE where unknown).</summary>
    public MigrateType PageblockType(ulong pfn)
    {
        byte bits = Pages.PageblockBits(pfn);
        if (bits == GuestPageState.NoSection)
        {
            return MigrateType.Unmovable;
        }

        int mt = bits & 7;
        return mt < Types.Count ? Types[mt]
            : throw new ZoneLabInputException(PageblocksSource, $"pageblock of pfn 0x{pfn:x} has migratetype {mt}, but the kernel's pagetypeinfo lists only {Types.Count} types");
    }

    /// <summary>Free blocks per order of zone <paramref name="zone"/> (buddyinfo's row).</summary>
    public long[] NrFree(int zone)
    {
        var n = new long[Pageblock.NrOrders];
        foreach (GuestFreeBlock b in FreeBlocks)
        {
            n[b.Order] += b.Zone == zone ? 1 : 0;
        }

        return n;
    }

    /// <summary>Free blocks per [migratetype, order] of zone <paramref name="zone"/> (pagetypeinfo's free lists).</summary>
    public long[,] FreeByType(int zone)
    {
        var n = new long[MigrateTypes.Count, Pageblock.NrOrders];
        foreach (GuestFreeBlock b in FreeBlocks)
        {
            n[(int)b.Migratetype, b.Order] += b.Zone == zone ? 1 : 0;
        }

        return n;
    }

    /// <summary>
    /// Pageblocks per migratetype of zone <paramref name="zone"/>, counted as pagetypeinfo_showblockcount_print counts:
    /// one step of pageblock_nr_pages from zone_start_pfn, online pfns of the zone only.
    /// </summary>
    public long[] Census(int zone)
    {
        var n = new long[MigrateTypes.Count];
        GuestZone z = Zones[zone];
        for (ulong pfn = z.StartPfn; pfn < z.EndPfn; pfn += Pageblock.NrPages)
        {
            if (Pages.PageblockBits(pfn) != GuestPageState.NoSection && !Pages.Has(pfn, GuestPageState.KpfNoPage))
            {
                n[(int)PageblockType(pfn)]++;
            }
        }

        return n;
    }

    // mirrors __free_one_page's merging, read backwards: the largest order k (at most MAX_ORDER - 1) with p aligned to
    // 2^k and [p, p + 2^k) all free inside the zone; order 10 only where the two pageblocks may merge
    private int LargestFreeBlock(ulong p, ulong end)
    {
        int k = 0;
        while (k < Pageblock.MaxOrder)
        {
            int up = k + 1;
            ulong size = 1UL << up;
            if ((p & (size - 1)) != 0 || p + size > end || !AllFree(p + (1UL << k), 1UL << k))
            {
                break;
            }

            if (up > Pageblock.Order && !Mergeable(PageblockType(p), PageblockType(p + (size >> 1))))
            {
                break;
            }

            k = up;
        }

        return k;
    }

    private bool AllFree(ulong from, ulong n)
    {
        for (ulong q = from; q < from + n; q++)
        {
            if (!Pages.Has(q, GuestPageState.KpfBuddy))
            {
                return false;
            }
        }

        return true;
    }

    // 6.1 __free_one_page: above pageblock_order, blocks of different types merge only when both are
    // migratetype_is_mergeable (mt < MIGRATE_PCPTYPES)
    private static bool Mergeable(MigrateType a, MigrateType b)
        => a == b || (a <= MigrateType.Reclaimable && b <= MigrateType.Reclaimable);
}
