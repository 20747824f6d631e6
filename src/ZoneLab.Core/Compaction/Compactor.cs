using ZoneLab.Allocator;

namespace ZoneLab.Compaction;

/// <summary>Outcome of one <see cref="Compactor.CompactZone"/> run (<c>enum compact_result</c>, the cases the model has).</summary>
public enum CompactResult
{
    /// <summary>COMPACT_CONTINUE: compaction_suitable says go ahead (not a final result).</summary>
    Continue,

    /// <summary>COMPACT_SKIPPED: not enough free memory for migration targets (compaction_suitable).</summary>
    Skipped,

    /// <summary>COMPACT_NOT_SUITABLE_ZONE: fragmentation index says the failure is lack of memory.</summary>
    NotSuitableZone,

    /// <summary>COMPACT_DEFERRED: recent failures at this order.</summary>
    Deferred,

    /// <summary>COMPACT_SUCCESS: a suitable free block exists.</summary>
    Success,

    /// <summary>COMPACT_COMPLETE: the scanners met.</summary>
    Complete,
}

/// <summary>
/// Memory compaction at model level (mm/compaction.c): per zone, a migrate scanner walks pageblocks up from the zone
/// start isolating movable order-0 LRU pages, a free scanner walks down from the zone end isolating free pages in
/// MOVABLE/CMA pageblocks as targets, pages move from low to high addresses until a free block of the order exists
/// (<c>__compact_finished</c>) or the scanners meet. Deferral (<c>defer_compaction</c>) and cached scanner positions
/// are kept per zone. Higher-order movable blocks (THPs) are not migrated (6.1's compaction_alloc hands out order-0
/// targets). Work is charged to <see cref="CompactNs"/>.
/// </summary>
public sealed class Compactor
{
    private const int CompactMaxDeferShift = 6;
    private readonly Machine _m;
    private readonly CompactionCostModel _costs;
    private readonly int[] _cachedMigrate;
    private readonly int[] _cachedFree;
    private readonly int[] _considered;
    private readonly int[] _deferShift;
    private readonly int[] _orderFailed;
    private readonly List<(int Index, int Order)> _freeTargets = [];

    /// <summary>Creates a compactor for a machine.</summary>
    public Compactor(Machine machine, CompactionCostModel? costs = null)
    {
        _m = machine;
        _costs = costs ?? new CompactionCostModel();
        int n = machine.Zones.Count;
        _cachedMigrate = new int[n];
        _cachedFree = new int[n];
        _considered = new int[n];
        _deferShift = new int[n];
        _orderFailed = new int[n];
        for (int z = 0; z < n; z++)
        {
            ResetCachedPositions(z);
        }
    }

    /// <summary>Simulated nanoseconds spent compacting.</summary>
    public double CompactNs { get; private set; }

    /// <summary>
    /// mirrors <c>compaction_suitable</c>: order-0 watermark (low for costly orders, else min) plus
    /// <c>compact_gap(order) = 2 &lt;&lt; order</c> with ALLOC_CMA; then for costly orders the fragmentation index must
    /// exceed <c>vm.extfrag_threshold</c> (or be -1000/0).
    /// </summary>
    public CompactResult Suitable(Zone z, int order, int highestZoneIdx, AllocFlags af = AllocFlags.WmarkMin)
    {
        ulong mark = z.Watermarks.Mark((WatermarkIndex)(int)(af & AllocFlags.WmarkMask));
        if (_m.ZoneWatermarkOk(z, order, mark, highestZoneIdx, af))
        {
            return CompactResult.Success;
        }

        ulong watermark = order > Pageblock.CostlyOrder ? z.Watermarks.Low : z.Watermarks.Min;
        watermark += 2UL << order;
        if (!_m.ZoneWatermarkOk(z, 0, watermark, highestZoneIdx, AllocFlags.Cma))
        {
            return CompactResult.Skipped;
        }

        if (order > Pageblock.CostlyOrder)
        {
            int fragindex = FragmentationIndex.Fragmentation(_m, z.Index, order);
            if (fragindex >= 0 && fragindex <= _m.Sysctls.ExtfragThreshold)
            {
                return CompactResult.NotSuitableZone;
            }
        }

        return CompactResult.Continue;
    }

    /// <summary>
    /// mirrors <c>try_to_compact_pages</c>: compact each eligible zone of the zonelist (skipping deferred ones);
    /// true when a zone ended with a suitable free block.
    /// </summary>
    public bool TryToCompactPages(int node, int order, GfpFlags gfp, int highestZoneIdx, MigrateType mt)
    {
        _m.Count(VmEvent.CompactStall);
        foreach (int zi in _m.Zonelist(node))
        {
            Zone z = _m.Zones[zi];
            if ((int)z.Type > highestZoneIdx)
            {
                continue;
            }

            if (Deferred(zi, order))
            {
                continue;
            }

            CompactResult r = CompactZone(z, order, highestZoneIdx, mt, sync: (gfp & GfpFlags.DirectReclaim) != 0);
            if (r == CompactResult.Success)
            {
                _m.Count(VmEvent.CompactSuccess);
                CompactionDeferReset(zi, order);
                return true;
            }

            if (r == CompactResult.Complete)
            {
                DeferCompaction(zi, order);
            }
        }

        _m.Count(VmEvent.CompactFail);
        return false;
    }

    /// <summary>kcompactd for a node (woken by kswapd): compacts each zone for <paramref name="order"/>.</summary>
    public void Kcompactd(int node, int order, int highestZoneIdx)
    {
        _m.Count(VmEvent.CompactDaemonWake);
        foreach (Zone z in _m.Zones)
        {
            if (z.Node == node && (int)z.Type <= highestZoneIdx && z.IsPopulated && !Deferred(z.Index, order))
            {
                CompactZone(z, order, highestZoneIdx, MigrateType.Movable, sync: true, daemon: true);
            }
        }
    }

    /// <summary>
    /// mirrors <c>compact_zone</c>. <paramref name="sync"/> off (async) migrates only from pageblocks of the request's
    /// type (<c>suitable_migration_source</c>); on, from every pageblock.
    /// </summary>
    public CompactResult CompactZone(Zone z, int order, int highestZoneIdx, MigrateType mt, bool sync, bool daemon = false, bool proactive = false)
        => CompactZoneCore(z, order, highestZoneIdx, mt, sync, daemon, proactive, wholeZone: false);

    /// <summary>
    /// mirrors <c>compact_node</c> (a write to /proc/sys/vm/compact_memory): every populated zone of the node from
    /// its first pfn (<c>whole_zone</c>), order -1, MIGRATE_SYNC; <c>__compact_finished</c> lets an order -1 run go on
    /// until the scanners meet (<c>is_via_compact_memory</c>).
    /// </summary>
    public void CompactNode(int node)
    {
        foreach (Zone z in _m.Zones)
        {
            if (z.Node == node && z.PresentPages != 0)
            {
                ResetCachedPositions(z.Index);
                CompactZoneCore(z, -1, (int)z.Type, MigrateType.Movable, sync: true, daemon: false, proactive: false, wholeZone: true);
            }
        }
    }

    private CompactResult CompactZoneCore(Zone z, int order, int highestZoneIdx, MigrateType mt, bool sync, bool daemon, bool proactive, bool wholeZone)
    {
        if (!proactive && !wholeZone)
        {
            CompactResult suitable = Suitable(z, order, highestZoneIdx);
            if (suitable != CompactResult.Continue)
            {
                return suitable;
            }
        }

        int zi = z.Index;
        _m.MaterializeZone(zi); // the scanners walk pfns: link the zone's deferred boot blocks first
        (int zoneStart, int zoneEnd) = _m.ZoneIndexRange(z);
        int migrate = Math.Max(_cachedMigrate[zi], zoneStart);
        int free = Math.Min(_cachedFree[zi], (zoneEnd - 1) & ~((int)Pageblock.NrPages - 1));
        long migrateScanned = 0, freeScanned = 0, moved = 0;
        CompactResult result = CompactResult.Complete;
        while (true)
        {
            int blockEnd = Math.Min((migrate | ((int)Pageblock.NrPages - 1)) + 1, zoneEnd);
            if (migrate >= free)
            {
                break;
            }

            bool sourceOk = sync || MigrateTypes.IsMovable(_m.PageblockTypeAt(migrate)) == MigrateTypes.IsMovable(mt);
            for (int i = migrate; i < blockEnd && sourceOk;)
            {
                int kind = _m.KindAt(i);
                if (kind == Machine.KindAlloc)
                {
                    int o = _m.OrderAt(i);
                    migrateScanned += 1L << o;
                    if (o == 0 && _m.OnRealLru(i) && _m.ZoneAt(i) == zi)
                    {
                        int target = TakeTarget(z, ref free, blockEnd, ref freeScanned);
                        if (target == Machine.Nil)
                        {
                            break;
                        }

                        if (_m.MigratePage(i, target))
                        {
                            moved++;
                        }
                    }

                    i += 1 << o;
                }
                else if (kind is Machine.KindFree or Machine.KindPcp)
                {
                    i += 1 << _m.OrderAt(i);
                }
                else
                {
                    migrateScanned++;
                    i++;
                }
            }

            migrate = blockEnd;
            // proactive compaction stops at the low fragmentation-score mark, others when the order is free
            if (!wholeZone && (proactive ? FragmentationScoreZone(z) <= FragmentationScoreWmark(low: true) : FreeBlockAvailable(z, order, mt)))
            {
                result = CompactResult.Success;
                break;
            }
        }

        // release_freepages: unused targets go back to the buddy allocator
        foreach ((int i, int o) in _freeTargets)
        {
            _m.ReleaseIsolated(i, o);
        }

        _freeTargets.Clear();
        if (result == CompactResult.Complete)
        {
            ResetCachedPositions(zi);
        }
        else
        {
            _cachedMigrate[zi] = migrate;
            _cachedFree[zi] = free;
        }

        // compact_zone counts COMPACTMIGRATE_SCANNED / COMPACTFREE_SCANNED for every caller; kcompactd_do_work and
        // proactive_compact_node add the same totals to the KCOMPACTD_* counters
        _m.Count(VmEvent.CompactMigrateScanned, migrateScanned);
        _m.Count(VmEvent.CompactFreeScanned, freeScanned);
        if (daemon)
        {
            _m.Count(VmEvent.CompactDaemonMigrateScanned, migrateScanned);
            _m.Count(VmEvent.CompactDaemonFreeScanned, freeScanned);
        }

        _m.Count(VmEvent.CompactIsolated, moved * 2);
        _m.Count(VmEvent.PgmigrateSuccess, moved);
        CompactNs += (migrateScanned + freeScanned) * _costs.CompactScanNs + moved * _costs.MigrateNs;
        if (!proactive && !wholeZone && FreeBlockAvailable(z, order, mt))
        {
            result = CompactResult.Success;
        }

        _m.DebugCheck();
        return result;
    }

    /// <summary>mirrors <c>fragmentation_score_zone</c>: <c>extfrag_for_order(zone, HPAGE_PMD_ORDER)</c>.</summary>
    public int FragmentationScoreZone(Zone z) => FragmentationIndex.ExtfragForOrder(_m, z.Index, Pageblock.Order);

    /// <summary>mirrors <c>fragmentation_score_node</c>: zone scores weighted by present pages.</summary>
    public int FragmentationScoreNode(int node)
    {
        ulong nodePresent = 0;
        foreach (Zone z in _m.Zones)
        {
            if (z.Node == node)
            {
                nodePresent += z.PresentPages;
            }
        }

        ulong score = 0;
        foreach (Zone z in _m.Zones)
        {
            if (z.Node == node && z.PresentPages != 0)
            {
                score += z.PresentPages * (ulong)FragmentationScoreZone(z) / (nodePresent + 1);
            }
        }

        return (int)score;
    }

    /// <summary>mirrors <c>fragmentation_score_wmark</c>: low = max(100 - proactiveness, 5), high = min(low + 10, 100).</summary>
    public int FragmentationScoreWmark(bool low)
    {
        int wmarkLow = Math.Max(100 - _m.Sysctls.CompactionProactiveness, 5);
        return low ? wmarkLow : Math.Min(wmarkLow + 10, 100);
    }

    /// <summary>mirrors <c>should_proactive_compact_node</c> (kswapd is never "running" between model steps).</summary>
    public bool ShouldProactiveCompact(int node)
        => _m.Sysctls.CompactionProactiveness != 0 && FragmentationScoreNode(node) > FragmentationScoreWmark(low: false);

    /// <summary>
    /// One kcompactd period (<c>kcompactd</c>'s timeout path, v5.9+): if the node's fragmentation score is above
    /// the high mark, <c>proactive_compact_node</c> compacts every populated zone (sync light) until its score is
    /// at or below the low mark. Returns true when it ran.
    /// </summary>
    public bool ProactiveCompact(int node)
    {
        if (!ShouldProactiveCompact(node))
        {
            return false;
        }

        _m.Count(VmEvent.CompactDaemonWake);
        foreach (Zone z in _m.Zones)
        {
            if (z.Node == node && z.PresentPages != 0)
            {
                CompactZone(z, -1, (int)z.Type, MigrateType.Movable, sync: true, daemon: true, proactive: true);
            }
        }

        return true;
    }

    // The next migration target: an isolated order-0 page from the free scanner, which walks pageblocks downward
    // from the zone end isolating the free pages of suitable_migration_target blocks (MOVABLE/CMA, or a free block of
    // at least pageblock order). Never crosses the migrate scanner's current block.
    private int TakeTarget(Zone z, ref int free, int migrateBlockEnd, ref long freeScanned)
    {
        while (true)
        {
            if (_freeTargets.Count > 0)
            {
                int k = _freeTargets.Count - 1;
                (int i, int o) = _freeTargets[k];
                _freeTargets.RemoveAt(k);
                // split_map_pages: hand out order-0 pages, keep the rest
                for (int part = o - 1; part >= 0; part--)
                {
                    _freeTargets.Add((i + (1 << part), part));
                }

                return i;
            }

            if (free < migrateBlockEnd)
            {
                return Machine.Nil;
            }

            (int zoneStart, int zoneEnd) = _m.ZoneIndexRange(z);
            int start = Math.Max(free, zoneStart);
            int end = Math.Min(free + (int)Pageblock.NrPages, zoneEnd);
            MigrateType t = _m.PageblockTypeAt(start);
            bool target = t is MigrateType.Movable or MigrateType.Cma;
            for (int i = start; i < end;)
            {
                int kind = _m.KindAt(i);
                int step = kind is Machine.KindFree or Machine.KindAlloc or Machine.KindPcp ? 1 << _m.OrderAt(i) : 1;
                freeScanned += Math.Min(step, end - i);
                if (kind == Machine.KindFree && _m.ZoneAt(i) == z.Index && (target || _m.OrderAt(i) >= Pageblock.Order)
                    && (int)PageState.MigrateTypeOf(_m.InfoAt(i)) != (int)MigrateType.Isolate)
                {
                    int o = _m.IsolateFree(i);
                    _freeTargets.Add((i, o));
                }

                i += step;
            }

            free -= (int)Pageblock.NrPages;
        }
    }

    // mirrors __compact_finished's free-list test: the order is available in the request's list, CMA for movable
    // requests, or a fallback list it could claim from
    private bool FreeBlockAvailable(Zone z, int order, MigrateType mt)
    {
        for (int o = order; o <= Pageblock.MaxOrder; o++)
        {
            if (_m.FreeCount(z.Index, o, mt) > 0 || (mt == MigrateType.Movable && _m.FreeCount(z.Index, o, MigrateType.Cma) > 0))
            {
                return true;
            }

            if (o >= Pageblock.Order / 2 || mt != MigrateType.Movable)
            {
                for (int t = 0; t < MigrateTypes.PcpTypes; t++)
                {
                    if (t != (int)mt && _m.FreeCount(z.Index, o, (MigrateType)t) > 0)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private void ResetCachedPositions(int zi)
    {
        (int s, int e) = _m.ZoneIndexRange(_m.Zones[zi]);
        _cachedMigrate[zi] = s;
        _cachedFree[zi] = Math.Max(s, (e - 1) & ~((int)Pageblock.NrPages - 1));
    }

    // mirrors compaction_deferred
    private bool Deferred(int zi, int order)
    {
        if (order < _orderFailed[zi])
        {
            return false;
        }

        if (++_considered[zi] >= 1 << _deferShift[zi])
        {
            _considered[zi] = 1 << _deferShift[zi];
            return false;
        }

        return true;
    }

    // mirrors defer_compaction
    private void DeferCompaction(int zi, int order)
    {
        _considered[zi] = 0;
        _deferShift[zi] = Math.Min(_deferShift[zi] + 1, CompactMaxDeferShift);
        if (order < _orderFailed[zi])
        {
            _orderFailed[zi] = order;
        }
    }

    // mirrors compaction_defer_reset
    private void CompactionDeferReset(int zi, int order)
    {
        _considered[zi] = 0;
        _deferShift[zi] = 0;
        if (order >= _orderFailed[zi])
        {
            _orderFailed[zi] = order + 1;
        }
    }
}
