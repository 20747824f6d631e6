using ZoneLab.Layout;

namespace ZoneLab.Allocator;

// Page-level operations for memory hotplug (mm/memory_hotplug.c 6.1), used by ZoneLab.Hotplug: taking an isolated,
// fully free range out of its zone (__offline_isolated_pages + the offline_pages() accounting) and putting an offline
// range into a zone (move_pfn_range_to_zone + online_pages_range). Offline pfns are holes of the map: no zone, no state.
public sealed unsafe partial class Machine
{
    /// <summary>True when [start, end) lies in the map and none of its pfns is a hole (walk_system_ram_range's count).</summary>
    internal partial bool RangeIsMemory(ulong start, ulong end)
    {
        if (start < _base || end > _base + (ulong)_length || start >= end)
        {
            return false;
        }
        for (int i = (int)(start - _base), e = (int)(end - _base); i < e; i++)
        {
            if (PageState.KindOf(_flags[i]) == KindHole)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when every pfn of [start, end) is in the map and offline (a hole without a zone).</summary>
    internal partial bool RangeIsOffline(ulong start, ulong end)
    {
        if (start < _base || end > _base + (ulong)_length || start >= end)
        {
            return false;
        }
        for (int i = (int)(start - _base), e = (int)(end - _base); i < e; i++)
        {
            if (PageState.KindOf(_flags[i]) != KindHole || _zoneOf[i] != NoZone)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The zone of the first pfn of [start, end) that has one (the page_zone() of an online section whose first
    /// pages may be holes initialised into the zone), or -1 when the range has no zone page.
    /// </summary>
    internal partial int FirstZoneIn(ulong start, ulong end)
    {
        long s = Math.Max((long)start - (long)_base, 0), e = Math.Min((long)end - (long)_base, _length);
        for (long i = s; i < e; i++)
        {
            if (_zoneOf[i] != NoZone)
            {
                return _zoneOf[i];
            }
        }
        return -1;
    }

    /// <summary>The zone of the last pfn of [start, end) that has one, or -1.</summary>
    internal partial int LastZoneIn(ulong start, ulong end)
    {
        long s = Math.Max((long)start - (long)_base, 0), e = Math.Min((long)end - (long)_base, _length);
        for (long i = e - 1; i >= s; i--)
        {
            if (_zoneOf[i] != NoZone)
            {
                return _zoneOf[i];
            }
        }
        return -1;
    }

    /// <summary>Sets a zone's span (shrink_zone_span / resize_zone_range results, computed by the caller).</summary>
    internal partial void SetZoneSpan(Zone zone, ulong startPfn, ulong spanned)
    {
        zone.StartPfn = spanned == 0 ? 0 : startPfn;
        zone.SpannedPages = spanned;
    }

    /// <summary>
    /// mirrors the tail of offline_pages() once test_pages_isolated() passed: __offline_isolated_pages() takes every
    /// free block of [start, end) off the ISOLATE lists; <c>zone-&gt;nr_isolate_pageblock</c> drops by the range's
    /// pageblocks; adjust_managed_page_count() and adjust_present_page_count() subtract the pages; the pfns become
    /// holes. Returns false (nothing changed) unless every page of the range is free on an ISOLATE list.
    /// </summary>
    internal partial bool OfflineIsolatedRange(ulong startPfn, ulong endPfn)
    {
        int start = IndexOfPfn(startPfn), end = IndexOfPfn(endPfn);
        int zi = _zoneOf[start];
        if (zi == NoZone)
        {
            return false;
        }
        Zone zone = _zones[zi];
        MaterializeZone(zi);
        var blocks = new List<(int Index, int Order)>();
        for (int p = start; p < end;)
        {
            if (PageState.KindOf(_flags[p]) != KindFree || PageState.MigrateTypeOf(_info[p]) != MigrateType.Isolate || _zoneOf[p] != zi)
            {
                return false;
            }
            int o = PageState.OrderOf(_flags[p]);
            if (p + (1 << o) > end)
            {
                return false; // a free block reaching out of the range (a memory block is MAX_ORDER aligned)
            }
            blocks.Add((p, o));
            p += 1 << o;
        }
        foreach ((int b, int o) in blocks)
        {
            DelFromFreeList(b, zone, o);
        }
        for (int pb = start; pb < end; pb += (int)Pageblock.NrPages)
        {
            // the memmap of an offline section is gone; the model leaves its pageblocks MOVABLE
            SetPageblockMt(pb, MigrateType.Movable);
            zone.NrIsolatePageblock--;
        }
        ulong n = endPfn - startPfn;
        new Span<byte>(_flags + start, end - start).Fill(PageState.Flags(KindHole, 0));
        new Span<byte>(_zoneOf + start, end - start).Fill(NoZone);
        zone.PresentPages -= n;
        zone.Watermarks.PresentPages = zone.PresentPages;
        zone.Watermarks.ManagedPages -= n;
        return true;
    }

    /// <summary>
    /// mirrors online_pages() between move_pfn_range_to_zone() and undo_isolate_page_range(): the offline range
    /// [start, end) joins <paramref name="zone"/> (the caller has grown the span), its pageblocks become
    /// MIGRATE_MOVABLE, generic_online_page() frees it in MAX_ORDER blocks to the tail of the free lists, and the
    /// present and managed counts grow. Returns false (nothing changed) unless the whole range is offline.
    /// </summary>
    internal partial bool OnlineRange(ulong startPfn, ulong endPfn, Zone zone)
    {
        if (!RangeIsOffline(startPfn, endPfn) || !zone.SpansPfn(startPfn) || !zone.SpansPfn(endPfn - 1))
        {
            return false;
        }
        int start = IndexOfPfn(startPfn), end = IndexOfPfn(endPfn);
        MaterializeZone(zone.Index);
        new Span<byte>(_flags + start, end - start).Fill(KindTail);
        new Span<byte>(_zoneOf + start, end - start).Fill((byte)zone.Index);
        for (int pb = start; pb < end; pb += (int)Pageblock.NrPages)
        {
            SetPageblockMt(pb, MigrateType.Movable);
        }
        ulong n = endPfn - startPfn;
        zone.PresentPages += n;
        zone.Watermarks.PresentPages = zone.PresentPages;
        zone.Watermarks.ManagedPages += n;
        for (int q = start; q < end;)
        {
            int o = LargestAlignedOrder(q, end);
            FreeOnePage(q, zone, o, MigrateType.Movable, toTail: true);
            q += 1 << o;
        }
        return true;
    }

    /// <summary>
    /// mirrors build_all_zonelists() after a zone became populated or empty, and the gfp-derived tables that hang
    /// off the zonelists.
    /// </summary>
    internal partial void RebuildZonelists()
    {
        _zonelists = BuildZonelists();
        _zonelistsNoFallback = _zonelists.Select((zl, n) => zl.Where(z => _zones[z].Node == n).ToArray()).ToArray();
        BuildPreferred(out _preferredPos, out _nofragment);
    }
}
