using ZoneLab.Allocator;

namespace ZoneLab.Contiguous;

// cma_alloc() (mm/cma.c, 6.1) retries alloc_contig_range() on the next window past a busy one, one alignment step
// further: a 32 MiB request aligned to 1 MiB slides half a pageblock at a time, so each attempt isolates 16-17
// pageblocks of which the previous attempt had isolated all but one, and undo_isolate_page_range() had just given
// them back their type and free pages (move_freepages_block to the tail of the type's lists) for
// start_isolate_page_range() to take them again. Between two attempts nothing else touches the machine, so the
// pageblocks both attempts isolate can stay isolated: the result is the machine the two calls leave.
// - The previous attempt's undo is owed (_pending). The next attempt first asks, block by block, what
//   set_migratetype_isolate() would answer after that undo (the block's type then being the saved one), up to the
//   first refusal: the blocks it would isolate are C.
// - Owed blocks outside C are restored now, in order: their free pages join their type's list tails exactly where
//   the undo puts them (C's own undo puts its pages after them, and C's isolation takes those pages back, leaving
//   the rest of each list as it was). Blocks of C not owed are isolated now, after those restores, as the kernel does.
// - Owed blocks inside C stay isolated with their saved types. Only the order within the MIGRATE_ISOLATE lists can
//   differ from the kernel's sequence, and nothing reads it: no allocation takes from those lists, and merging,
//   test_pages_isolated() and the final undo all go by pfn.
// - The last attempt's blocks are restored when cma_alloc() ends (EndAttempts), before anything else runs.
// Boot blocks of a zone not linked yet are linked by an isolation or a restore, at a point the deferral would move,
// so a zone that still has them is never deferred.
public sealed partial class ContigRangeAllocator
{
    // the owed undo_isolate_page_range(): pageblocks still isolated, ascending and consecutive, with their saved types
    private List<(int Block, MigrateType Type)>? _pending;
    private int _attemptsDepth;

    // two reusable lists: the owed one and the next attempt's
    private List<(int Block, MigrateType Type)>? _spareA = new(), _spareB = new();

    private enum Slide : byte
    {
        NotTried,
        Isolated,
        Failed,
    }

    /// <inheritdoc/>
    public void BeginAttempts() => _attemptsDepth++;

    /// <inheritdoc/>
    public void EndAttempts()
    {
        if (--_attemptsDepth == 0)
        {
            Settle();
        }
    }

    // pays the owed undo: the pageblocks get their saved types and free pages back, in order
    private void Settle()
    {
        List<(int Block, MigrateType Type)>? p = _pending;
        _pending = null;
        if (p != null)
        {
            Undo(p);
        }
    }

    // an attempt that failed: inside cma_alloc's attempts its undo is owed to the next one, else done now
    private void UndoOrDefer(List<(int Block, MigrateType Type)> saved)
    {
        if (_attemptsDepth > 0 && _pending == null && saved.Count > 0 && AllLinked(saved))
        {
            _pending = saved;
            return;
        }
        Undo(saved);
    }

    private bool AllLinked(List<(int Block, MigrateType Type)> blocks)
    {
        foreach ((int b, _) in blocks)
        {
            if (!_m.ZoneLinked(_m.ZoneAt(b)))
            {
                return false;
            }
        }
        return true;
    }

    // start_isolate_page_range() over [pbStart, pbEnd) while the previous attempt's undo is owed (see above). NotTried
    // after paying the owed undo when a block lies in a zone with unlinked boot blocks; else the blocks isolated are in
    // saved, and Failed (their undo owed in turn) when set_migratetype_isolate() refused one.
    private Slide SlideIsolation(int pbStart, int pbEnd, Machine.IsolationMode mode, List<(int Block, MigrateType Type)> saved, ref ContigWork work)
    {
        List<(int Block, MigrateType Type)> owed = _pending!;
        int nr = (int)Pageblock.NrPages;
        int first = owed[0].Block, last = owed[^1].Block;
        int cEnd = pbStart;
        bool refused = false;
        for (int b = pbStart; b < pbEnd; b += nr)
        {
            int z = _m.ZoneAt(b);
            if (z != Machine.NoZone && !_m.ZoneLinked(z))
            {
                Settle();
                return Slide.NotTried;
            }
            MigrateType type = b >= first && b <= last ? owed[(b - first) / nr].Type : _m.PageblockMtAt(b);
            if (_m.TestIsolatePageblock(b, mode, type) != Machine.IsolateBlock.Ok)
            {
                refused = true;
                break;
            }
            cEnd = b + nr;
        }

        // the owed blocks outside C = [pbStart, cEnd) are restored, in order
        foreach ((int b, MigrateType t) in owed)
        {
            if (b < pbStart || b >= cEnd)
            {
                _m.UndoIsolatePageblock(b, t);
            }
        }
        // C: owed blocks stay isolated, the others are isolated now
        for (int b = pbStart; b < cEnd; b += nr)
        {
            if (b >= first && b <= last)
            {
                saved.Add(owed[(b - first) / nr]);
            }
            else
            {
                if (_m.IsolatePageblock(b, mode, out MigrateType old) != Machine.IsolateBlock.Ok)
                {
                    throw new InvalidOperationException($"pageblock at map index {b} refused the isolation its test allowed");
                }
                saved.Add((b, old));
            }
            work.PageblocksIsolated++;
        }
        _pending = null;
        ReturnList(owed);
        if (refused)
        {
            UndoOrDefer(saved);
            return Slide.Failed;
        }
        return Slide.Isolated;
    }

    private List<(int Block, MigrateType Type)> TakeList()
    {
        List<(int Block, MigrateType Type)> l = _spareA ?? _spareB ?? new();
        if (ReferenceEquals(l, _spareA))
        {
            _spareA = null;
        }
        else if (ReferenceEquals(l, _spareB))
        {
            _spareB = null;
        }
        l.Clear();
        return l;
    }

    private void ReturnList(List<(int Block, MigrateType Type)> l)
    {
        if (_spareA == null)
        {
            _spareA = l;
        }
        else
        {
            _spareB ??= l;
        }
    }
}
