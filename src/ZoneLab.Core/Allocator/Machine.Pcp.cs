using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

// Per-cpu page lists (mm/page_alloc.c, 6.1): optional (MachineSpec.PerCpuLists), off by default. Pages on a pcp list
// are neither free in the buddy sense (not counted in NR_FREE_PAGES, cannot coalesce) nor allocated.
public sealed unsafe partial class Machine
{
    // NR_PCP_LISTS of 6.1 with THP: MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1) + 1 (one list for pageblock order)
    internal const int NrPcpLists = MigrateTypes.PcpTypes * (Pageblock.CostlyOrder + 1) + 1;
    private const int PcpBatchScaleMax = 5; // CONFIG_PCP_BATCH_SCALE_MAX default

    private int[] _pcpHead = [];
    private int[] _pcpTail = [];
    private int[] _pcpCount = [];
    private int[] _pcpFreeFactor = [];

    // the pages one compact_zone run's migrations freed when PerCpuLists is off (BeginMigrationHold), oldest first
    private readonly Queue<int> _migrationHeld = new();
    private Zone? _holdZone;
    private int _holdFreeFactor;

    // MigrateType of the list a __rmqueue_smallest call took its page from (set_pcppage_migratetype)
    private MigrateType _lastRmqueueMt;

    /// <summary>True when the per-cpu page lists are modelled.</summary>
    public bool PerCpuLists { get; }

    /// <summary>The CPU whose per-cpu lists allocations and frees use (0 .. Cpus-1).</summary>
    public int CurrentCpu { get; set; }

    /// <summary>Pages held on one CPU's lists of a zone (<c>pcp-&gt;count</c>).</summary>
    public int PcpCount(int zone, int cpu) => PerCpuLists ? _pcpCount[zone * Spec.Cpus + cpu] : 0;

    private void InitPcp()
    {
        int n = _zones.Length * Spec.Cpus;
        _pcpHead = new int[n * NrPcpLists];
        _pcpTail = new int[n * NrPcpLists];
        _pcpCount = new int[n];
        _pcpFreeFactor = new int[n];
        Array.Fill(_pcpHead, Nil);
        Array.Fill(_pcpTail, Nil);
    }

    // mirrors pcp_allowed_order
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PcpAllowedOrder(int order) => order <= Pageblock.CostlyOrder || order == Pageblock.Order;

    // mirrors order_to_pindex
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int OrderToPindex(MigrateType mt, int order)
        => order > Pageblock.CostlyOrder ? MigrateTypes.PcpTypes * (Pageblock.CostlyOrder + 1) : MigrateTypes.PcpTypes * order + (int)mt;

    private static int PindexToOrder(int pindex)
        => pindex >= MigrateTypes.PcpTypes * (Pageblock.CostlyOrder + 1) ? Pageblock.Order : pindex / MigrateTypes.PcpTypes;

    /// <summary>mirrors <c>zone_batchsize</c>.</summary>
    public static int ZoneBatchsize(Zone z)
    {
        long batch = Math.Min((long)(z.ManagedPages >> 10), 1024 * 1024 / 4096);
        batch /= 4;
        if (batch < 1)
        {
            batch = 1;
        }

        batch = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)(batch + batch / 2) + 1) / 2 - 1;
        return (int)Math.Max(1, batch);
    }

    /// <summary>mirrors <c>zone_highsize</c> (percpu_pagelist_high_fraction 0): the low watermark split across CPUs, at least 4 batches.</summary>
    public int ZoneHighsize(Zone z, int batch)
    {
        long high = (long)z.Watermarks.RawMark(WatermarkIndex.Low) / Math.Max(1, Spec.Cpus);
        return (int)Math.Max(high, batch << 2);
    }

    // mirrors rmqueue_pcplist -> __rmqueue_pcplist
    private int RmqueuePcplist(Zone zone, int order, MigrateType mt, AllocFlags af)
    {
        int pcp = zone.Index * Spec.Cpus + CurrentCpu;
        _pcpFreeFactor[pcp] >>= 1;
        int li = pcp * NrPcpLists + OrderToPindex(mt, order);
        if (_pcpHead[li] == Nil)
        {
            int batch = ZoneBatchsize(zone);
            if (batch > 1)
            {
                batch = Math.Max(batch >> order, 2);
            }

            // mirrors rmqueue_bulk: pages in physical order at the list tail
            for (int k = 0; k < batch; k++)
            {
                int p = RmqueueMain(zone, order, mt, af);
                if (p == Nil)
                {
                    break;
                }

                PcpAdd(p, order, _lastRmqueueMt, li, tail: true);
                _pcpCount[pcp] += 1 << order;
            }

            if (_pcpHead[li] == Nil)
            {
                return Nil;
            }
        }

        int i = _pcpHead[li];
        PcpUnlink(i, li);
        _pcpCount[pcp] -= 1 << order;
        _flags[i] = KindTail;
        return i;
    }

    // mirrors free_unref_page + free_unref_page_commit. Returns false when the page must go to the buddy directly.
    private bool FreeToPcp(int i, Zone zone, int order)
    {
        MigrateType cached = GetPageblockMt(i);
        MigrateType listMt = cached;
        if ((int)cached >= MigrateTypes.PcpTypes)
        {
            if (cached == MigrateType.Isolate)
            {
                return false;
            }

            listMt = MigrateType.Movable; // CMA and HIGHATOMIC pages use the MOVABLE list
        }

        int pcp = zone.Index * Spec.Cpus + CurrentCpu;
        int pindex = OrderToPindex(listMt, order);
        PcpAdd(i, order, cached, pcp * NrPcpLists + pindex, tail: false);
        _pcpCount[pcp] += 1 << order;
        bool freeHigh = _pcpFreeFactor[pcp] != 0 && order > 0 && order <= Pageblock.CostlyOrder;
        int batch = ZoneBatchsize(zone);
        int high = NrPcpHigh(zone, batch, freeHigh);
        if (_pcpCount[pcp] >= high)
        {
            FreePcppagesBulk(zone, pcp, NrPcpFree(pcp, high, batch, freeHigh), pindex);
        }

        return true;
    }

    // mirrors nr_pcp_high (v5.14, c49c2c47dab6): while kswapd reclaims for the zone (ZONE_RECLAIM_ACTIVE) the lists keep at most
    // 4 batches, so that the pages reclaim frees reach the buddy lists and the watermarks
    private int NrPcpHigh(Zone zone, int batch, bool freeHigh)
    {
        if (freeHigh)
        {
            return 0;
        }

        int high = ZoneHighsize(zone, batch);
        return zone.ReclaimActive && Version >= KernelVersion.V6_1 ? Math.Min(batch << 2, high) : high;
    }

    // mirrors nr_pcp_free
    private int NrPcpFree(int pcp, int high, int batch, bool freeHigh)
        => freeHigh ? _pcpCount[pcp] : NrPcpFree(ref _pcpFreeFactor[pcp], high, batch);

    // nr_pcp_free without free_high: at least a batch, at most high - batch, doubling with each free_pcppages_bulk
    // that no allocation from the list came between
    private static int NrPcpFree(ref int freeFactor, int high, int batch)
    {
        if (high < batch)
        {
            return 1;
        }

        int minNrFree = batch, maxNrFree = high - batch;
        batch <<= freeFactor;
        if (batch < maxNrFree && freeFactor < PcpBatchScaleMax)
        {
            freeFactor++;
        }

        return Math.Clamp(batch, minNrFree, Math.Max(minNrFree, maxNrFree));
    }

    // Compaction's frees without the per-cpu lists modelled. migrate_folio_done (6.1 mm/migrate.c) puts the source
    // folio it has migrated, and folio_put of an order-0 page is free_unref_page: the page goes to this CPU's pcp list,
    // not to the buddy lists, so NR_FREE_PAGES does not get it back and it cannot merge, until the list passes
    // nr_pcp_high (free_unref_page_commit -> free_pcppages_bulk) or compact_zone drains it. An order -1 run
    // (proactive_compact_node, compact_node) never drains (compact_zone's lru_add_drain_cpu_zone needs cc->order > 0),
    // so every target __isolate_free_page takes lowers NR_FREE_PAGES for good, and under min + 1 it refuses (the run
    // ends COMPACT_CONTENDED), and the migrated-from blocks do not merge for __compact_finished's fragmentation score.
    // The engine keeps one run's migrated sources on this list and gives the rest to the buddy lists when the run
    // ends: the kernel leaves them for the next allocations, which the engine serves from the buddy lists.

    // one compact_zone run; nothing with PerCpuLists, whose lists do it
    internal partial void BeginMigrationHold(Zone zone)
    {
        if (!PerCpuLists)
        {
            EndMigrationHold();
            _holdZone = zone;
            _holdFreeFactor = 0;
        }
    }

    // the end of the compact_zone run
    internal partial void EndMigrationHold()
    {
        ReleaseHeld(_migrationHeld.Count);
        _holdZone = null;
    }

    /// <summary>Pages held on the per-cpu list by the running compact_zone (see <see cref="BeginMigrationHold"/>).</summary>
    internal int MigrationHeldCount => _migrationHeld.Count;

    // mirrors free_unref_page_commit for a migrated source (order 0) of the held zone, after ReleaseHead
    private void HoldMigrated(int i, Zone zone)
    {
        _flags[i] = PageState.Flags(KindPcp, 0);
        _info[i] = (byte)GetPageblockMt(i); // set_pcppage_migratetype
        _migrationHeld.Enqueue(i);
        int batch = ZoneBatchsize(zone);
        int high = NrPcpHigh(zone, batch, freeHigh: false);
        if (_migrationHeld.Count >= high)
        {
            ReleaseHeld(NrPcpFree(ref _holdFreeFactor, high, batch));
        }
    }

    // mirrors free_pcppages_bulk for the held pages: oldest first, by the migratetype cached at free time unless the
    // pageblock was isolated meanwhile
    private void ReleaseHeld(int count)
    {
        for (; count > 0 && _migrationHeld.Count > 0; count--)
        {
            int i = _migrationHeld.Dequeue();
            MigrateType mt = PageState.MigrateTypeOf(_info[i]);
            if (GetPageblockMt(i) == MigrateType.Isolate)
            {
                mt = MigrateType.Isolate;
            }

            _flags[i] = KindTail;
            FreeOnePage(i, _zones[_zoneOf[i]], 0, mt, toTail: false);
        }
    }

    // mirrors free_pcppages_bulk: round robin over the lists from the one just freed to, oldest pages (tail) first
    private void FreePcppagesBulk(Zone zone, int pcp, int count, int pindex)
    {
        count = Math.Min(_pcpCount[pcp], count);
        int minP = 0, maxP = NrPcpLists - 1;
        pindex--;
        while (count > 0)
        {
            int li;
            while (true)
            {
                if (++pindex > maxP)
                {
                    pindex = minP;
                }

                li = pcp * NrPcpLists + pindex;
                if (_pcpHead[li] != Nil)
                {
                    break;
                }

                if (pindex == maxP)
                {
                    maxP--;
                }

                if (pindex == minP)
                {
                    minP++;
                }
            }

            int order = PindexToOrder(pindex);
            do
            {
                int i = _pcpTail[li];
                var mt = PageState.MigrateTypeOf(_info[i]);
                PcpUnlink(i, li);
                count -= 1 << order;
                _pcpCount[pcp] -= 1 << order;
                // 6.10+ frees by the pageblock's current type; so does 6.1 when a pageblock was isolated meanwhile
                MigrateType pb = GetPageblockMt(i);
                if (Version >= KernelVersion.V6_12 || pb == MigrateType.Isolate)
                {
                    mt = pb;
                }

                _flags[i] = KindTail;
                FreeOnePage(i, zone, order, mt, toTail: false);
            }
            while (count > 0 && _pcpHead[li] != Nil);
        }
    }

    /// <summary>mirrors <c>drain_all_pages(NULL)</c>: every CPU's lists of every zone go back to the buddy allocator.</summary>
    public void DrainAllPages()
    {
        if (!PerCpuLists)
        {
            return;
        }

        for (int z = 0; z < _zones.Length; z++)
        {
            for (int cpu = 0; cpu < Spec.Cpus; cpu++)
            {
                int pcp = z * Spec.Cpus + cpu;
                if (_pcpCount[pcp] > 0)
                {
                    FreePcppagesBulk(_zones[z], pcp, _pcpCount[pcp], 0);
                }
            }
        }

        CheckIfDebug();
    }

    /// <summary>
    /// mirrors <c>drain_local_pages(zone)</c> → <c>drain_pages_zone</c>: the current CPU's lists of
    /// <paramref name="zone"/> go back to the buddy allocator.
    /// </summary>
    public void DrainLocalPages(Zone zone)
    {
        if (!PerCpuLists)
        {
            if (ReferenceEquals(zone, _holdZone))
            {
                ReleaseHeld(_migrationHeld.Count);
            }

            return;
        }

        int pcp = zone.Index * Spec.Cpus + CurrentCpu;
        if (_pcpCount[pcp] > 0)
        {
            FreePcppagesBulk(zone, pcp, _pcpCount[pcp], 0);
        }
    }

    private void PcpAdd(int i, int order, MigrateType cached, int li, bool tail)
    {
        _flags[i] = PageState.Flags(KindPcp, order);
        _info[i] = (byte)cached;
        if (tail)
        {
            int t = _pcpTail[li];
            _prev[i] = t;
            _next[i] = Nil;
            if (t != Nil)
            {
                _next[t] = i;
            }
            else
            {
                _pcpHead[li] = i;
            }

            _pcpTail[li] = i;
        }
        else
        {
            int h = _pcpHead[li];
            _next[i] = h;
            _prev[i] = Nil;
            if (h != Nil)
            {
                _prev[h] = i;
            }
            else
            {
                _pcpTail[li] = i;
            }

            _pcpHead[li] = i;
        }
    }

    private void PcpUnlink(int i, int li)
    {
        int n = _next[i], p = _prev[i];
        if (p != Nil)
        {
            _next[p] = n;
        }
        else
        {
            _pcpHead[li] = n;
        }

        if (n != Nil)
        {
            _prev[n] = p;
        }
        else
        {
            _pcpTail[li] = p;
        }
    }

    internal int PcpListHead(int zone, int cpu, int pindex) => _pcpHead[(zone * Spec.Cpus + cpu) * NrPcpLists + pindex];
}
