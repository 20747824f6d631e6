using ZoneLab.Allocator;

namespace ZoneLab.Compaction;

// The migrate scanner of compact_zone (6.1 isolate_migratepages and isolate_migratepages_block); the run's state
// and its loop are in Compactor.Scanners.cs.
public sealed partial class Compactor
{
    // mirrors isolate_migratepages: from fast_find_migrateblock's pfn (Compactor.FastSearch.cs), the first pageblock
    // not marked skip whose type suits the request (suitable_migration_source) is handed to
    // isolate_migratepages_block; never crosses the free scanner. A block the fast search found is not checked for
    // the skip bit here (the search set it), but isolate_migratepages_block still sees it (6.1.y).
    private bool IsolateMigratepages()
    {
        int low = FastFindMigrateblock();
        bool fastFindBlock = low != _migratePfn && _fastSearchFail == 0;
        int blockEnd = PbEnd(low);
        for (; blockEnd <= _freePfn; fastFindBlock = false, _migratePfn = low = blockEnd, blockEnd += NrPb)
        {
            int blockStart = Math.Max(PbStart(low), _zoneStart);
            if (!PageblockInZone(blockStart, Math.Min(blockEnd, _zoneEnd)))
            {
                continue;
            }

            if ((low & (NrPb - 1)) == 0 && !fastFindBlock && !_ignoreSkipHint && _skip[blockStart >> Pageblock.Order])
            {
                continue;
            }

            if (!SuitableMigrationSource(blockStart))
            {
                UpdateCachedMigrate(blockEnd);
                continue;
            }

            IsolateMigratepagesBlock(low, Math.Min(blockEnd, _zoneEnd));
            return _migratePages.Count > 0;
        }

        return false;
    }

    // mirrors pageblock_pfn_to_page: a pageblock whose first or last page belongs to another zone (a zone inside
    // this zone's span, an offline hole) is passed over by both scanners
    private bool PageblockInZone(int start, int end)
        => _m.ZoneAt(start) == _zone.Index && _m.ZoneAt(end - 1) == _zone.Index;

    // mirrors suitable_migration_source
    private bool SuitableMigrationSource(int blockStart)
    {
        // pageblock_skip_persistent: a compound page of at least pageblock order
        if (_m.KindAt(blockStart) == Machine.KindAlloc && _m.OrderAt(blockStart) >= Pageblock.Order)
        {
            return false;
        }

        if (_sync || !_direct)
        {
            return true;
        }

        MigrateType blockMt = _m.PageblockTypeAt(blockStart);
        return _migratetype == MigrateType.Movable ? MigrateTypes.IsMovable(blockMt) : blockMt == _migratetype;
    }

    // mirrors isolate_migratepages_block (6.1): nr_scanned counts each pfn the loop stops at, a free buddy or a
    // compound page once (low_pfn jumps over it); order-0 LRU pages of the zone are isolated from their lists (folio_isolate_lru), COMPACT_CLUSTER_MAX at a time unless the block is
    // being rescanned; async direct compaction gives up an order-aligned block at its first unmovable page
    // (skip_on_failure).
    private void IsolateMigratepagesBlock(int low, int end)
    {
        long nrScanned = 0;
        int nrIsolated = 0;
        bool validPage = false, skipUpdated = false;
        bool skipOnFailure = _direct && !_sync;
        int orderSize = _order > 0 ? 1 << _order : 1;
        int nextSkip = skipOnFailure ? (low | (orderSize - 1)) + 1 : 0;
        int blockIdx = PbStart(low) >> Pageblock.Order;
        bool aborted = false;
        for (; low < end; low++)
        {
            if (skipOnFailure && low >= nextSkip)
            {
                if (nrIsolated != 0)
                {
                    break;
                }

                nextSkip = (low | (orderSize - 1)) + 1;
            }

            nrScanned++;
            if (!validPage && (low & (NrPb - 1)) == 0)
            {
                if (!_ignoreSkipHint && _skip[blockIdx])
                {
                    low = end;
                    aborted = true;
                    break;
                }

                validPage = true;
            }

            int kind = _m.KindAt(low);
            if (kind == Machine.KindFree)
            {
                int fo = _m.OrderAt(low);
                low += (1 << fo) - 1;
                continue;
            }

            if (kind == Machine.KindAlloc && _m.OrderAt(low) == 0 && _m.OnRealLru(low) && _m.ZoneAt(low) == _zone.Index)
            {
                // the first isolation of an aligned block takes the skip bit (test_and_set_skip, 6.1)
                if (!skipUpdated && validPage)
                {
                    skipUpdated = true;
                    if ((low & (NrPb - 1)) == 0 && !_ignoreSkipHint)
                    {
                        _skip[blockIdx] = true;
                    }
                }

                // folio_isolate_lru + NR_ISOLATED_ANON/FILE: off its list until migrated or put back
                _m.IsolateLru(low);
                _migratePages.Add(low);
                nrIsolated++;
                if (_migratePages.Count >= CompactClusterMax && !_rescan)
                {
                    ++low;
                    break;
                }

                continue;
            }

            // isolate_fail: a compound page is stepped over whole; anything else (a page on a pcp list, a reserved
            // page, the tail of a non-LRU block) one pfn at a time
            if (kind == Machine.KindAlloc)
            {
                int co = _m.OrderAt(low);
                low += (1 << co) - 1;
            }

            if (!skipOnFailure)
            {
                continue;
            }

            if (nrIsolated != 0)
            {
                PutbackMigratePages(0);
                nrIsolated = 0;
            }

            if (low < nextSkip)
            {
                low = nextSkip - 1;
                nextSkip += orderSize;
            }
        }

        if (!aborted && low > end)
        {
            low = end;
        }

        if (low == end && (nrIsolated == 0 || _rescan))
        {
            if (validPage && !skipUpdated)
            {
                _skip[blockIdx] = true;
            }

            UpdateCachedMigrate(low);
        }

        _totalMigrateScanned += nrScanned;
        _isolated += nrIsolated;
        _migratePfn = low;
    }

    // mirrors putback_movable_pages (6.1) for cc->migratepages from entry `from` on: each page, in list order, goes to
    // the head of its LRU list (folio_putback_lru), so the last one ends up youngest
    private void PutbackMigratePages(int from)
    {
        for (int k = from; k < _migratePages.Count; k++)
        {
            _m.PutbackLru(_migratePages[k]);
        }

        _migratePages.Clear();
    }

    // mirrors update_cached_migrate (6.1 passes the block end, which pageblock_end_pfn moves one block further)
    private void UpdateCachedMigrate(int pfn)
    {
        int zi = _zone.Index;
        pfn = PbEnd(pfn);
        if (pfn > _cachedMigrate[zi])
        {
            _cachedMigrate[zi] = pfn;
        }

        if (_sync && pfn > _cachedMigrateSync[zi])
        {
            _cachedMigrateSync[zi] = pfn;
        }
    }
}
