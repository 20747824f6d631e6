namespace ZoneLab.Allocator;

// The primitives that bring a freshly booted machine to a recorded device state (Workloads/DeviceState): take every
// free block of a zone off the buddy lists, retype pageblocks, give pages back with __free_one_page under a chosen
// free-list migratetype, and hand out pages as allocations of a given use. Only valid right after boot.
public sealed unsafe partial class Machine
{
    private const int KernelPageStats = 4;

    // pages per node and KernelPageStat (index node * KernelPageStats + stat); allocated on first use
    private long[]? _kernelStat;

    /// <summary>Pages of a node counted under a <see cref="KernelPageStat"/> (all of them are <see cref="PageUse.Kernel"/> pages).</summary>
    public long KernelStatPages(int node, KernelPageStat stat) => _kernelStat?[node * KernelPageStats + (int)stat] ?? 0;

    /// <summary>Unreclaimable slab of a node: kernel pages not counted under a <see cref="KernelPageStat"/>.</summary>
    public long SlabUnreclaimablePages(int node)
    {
        long n = UsePages(node, PageUse.Kernel);
        for (int s = 0; s < KernelPageStats; s++)
        {
            n -= KernelStatPages(node, (KernelPageStat)s);
        }

        return Math.Max(0, n);
    }

    internal partial void AddKernelStat(int node, KernelPageStat stat, long pages)
    {
        _kernelStat ??= new long[NodeCount * KernelPageStats];
        _kernelStat[node * KernelPageStats + (int)stat] += pages;
    }

    /// <summary>
    /// Takes every free block of a zone off the free lists (del_page_from_free_list): afterwards each managed page of
    /// the zone is a plain page owned by the caller, which must give every one back with <see cref="SeedFree"/> or
    /// <see cref="SeedAllocate"/>. Refuses a zone that already has allocations or per-cpu lists.
    /// </summary>
    internal partial long SeedTakeAll(int zone)
    {
        if (PerCpuLists)
        {
            throw new InvalidOperationException("device state seeding runs without per-cpu lists");
        }

        MaterializeZone(zone);
        Zone z = _zones[zone];
        (int start, int end) = ZoneIndexRange(z);
        long pages = 0;
        for (int i = start; i < end; i++)
        {
            if (_zoneOf[i] != zone)
            {
                continue;
            }

            int kind = _flags[i] >> 4;
            if (kind == KindAlloc)
            {
                throw new InvalidOperationException($"zone {z.Name} already has allocations: device state is applied right after boot");
            }

            if (kind == KindFree)
            {
                int order = _flags[i] & 0xF;
                DelFromFreeList(i, z, order);
                pages += 1L << order;
            }
        }

        return pages;
    }

    /// <summary>True when map index <paramref name="i"/> is a plain managed page of <paramref name="zone"/> (after <see cref="SeedTakeAll"/>).</summary>
    internal partial bool SeedIsPlain(int i, int zone) => _flags[i] == KindTail && _zoneOf[i] == zone;

    /// <summary>
    /// mirrors set_pageblock_migratetype on the pageblock of map index <paramref name="i"/>, with the zone counters the
    /// kernel keeps beside the types: <c>nr_reserved_highatomic</c> (reserve_highatomic_pageblock) and
    /// <c>nr_isolate_pageblock</c> (set_migratetype_isolate).
    /// </summary>
    internal partial void SeedSetPageblock(int i, MigrateType mt)
    {
        Zone z = _zones[_zoneOf[i]];
        MigrateType old = GetPageblockMt(i);
        if (old == mt)
        {
            return;
        }

        z.NrReservedHighAtomic += (old == MigrateType.HighAtomic ? -1 : mt == MigrateType.HighAtomic ? 1 : 0) * (long)Pageblock.NrPages;
        z.NrIsolatePageblock += old == MigrateType.Isolate ? -1 : mt == MigrateType.Isolate ? 1 : 0;
        SetPageblockMt(i, mt);
    }

    /// <summary>Gives a plain block back to the buddy lists of <paramref name="mt"/> (__free_one_page, FPI_NONE).</summary>
    internal partial void SeedFree(int i, int order, MigrateType mt) => FreeOnePage(i, _zones[_zoneOf[i]], order, mt, toTail: false);

    /// <summary>Makes a plain page an order-0 allocation of a use (prep_new_page), on the active LRU list when asked.</summary>
    internal partial void SeedAllocate(int i, MigrateType mt, PageUse use, bool active)
    {
        PrepNewPage(i, _zones[_zoneOf[i]], 0, mt, use);
        if (active && (_info[i] & PageState.OnLru) != 0 && use != PageUse.SlabReclaimable)
        {
            LruMove(i, LruFor(use, active: true));
        }
    }

    /// <summary>
    /// Puts PG_reserved where the guest has it (reserve_bootmem_region marks the memblock reservations, wherever boot
    /// put them; the model's boot puts a zone's reserved pages at its start): only plain and reserved pages of a zone
    /// change, so the caller keeps the zone's count of reserved pages (present - managed) by moving as many each way.
    /// </summary>
    internal partial void SeedSetReserved(int i, bool reserved)
    {
        int kind = _flags[i] >> 4;
        if (_zoneOf[i] == NoZone || (kind != KindTail && kind != KindReserved))
        {
            throw new InvalidOperationException($"pfn {PfnAt(i)} is neither a plain nor a reserved page of a zone");
        }

        _flags[i] = PageState.Flags(reserved ? KindReserved : KindTail, 0);
    }

    /// <summary>Map index of a pfn (no range check: callers iterate the machine's own zones).</summary>
    internal partial int SeedIndex(ulong pfn) => (int)(pfn - _base);
}
