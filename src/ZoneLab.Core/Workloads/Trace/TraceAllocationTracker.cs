using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// Gives the allocations of a trace an identity and pairs frees with them by pfn: the buddy allocator hands out
/// naturally aligned blocks of 2^order pages, so a free of order N at pfn P is the allocation whose head is P, or
/// part of the live allocation whose aligned block contains P (for <c>split_page()</c> and the tail frees of
/// <c>__free_pages()</c>). Frees inside a range returned by <c>cma_alloc</c> are CMA frees; any other free is of a page
/// allocated before tracing started ("pre-existing"). Counts requests per (order, migratetype, GFP class),
/// fallbacks and CMA activity; <see cref="Summary"/> reports them.
/// </summary>
public sealed class TraceAllocationTracker
{
    private const int MaxOrder = 30;

    private readonly Dictionary<long, Live> _live = new(1 << 16);
    private const int RequestSlotBits = 6;

    private readonly Dictionary<(int Order, MigrateType Mt, GfpFlags Gfp), long[]> _requests = [];
    private readonly (int Order, MigrateType Mt, GfpFlags Gfp)[] _requestSlotKeys = new (int, MigrateType, GfpFlags)[1 << RequestSlotBits];
    private readonly long[]?[] _requestSlots = new long[]?[1 << RequestSlotBits];
    private readonly Dictionary<(MigrateType Alloc, MigrateType Fallback), long[]> _fallbacks = [];
    private readonly Dictionary<string, CmaCounts> _cma = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _cmaStartByPid = [];
    private readonly List<(long Start, long End)> _cmaRanges = [];
    private readonly long[] _events = new long[TraceEventKinds.Count];
    private int _maxLiveOrder;
    private long _nextId;
    private long _allocations, _failed, _pagesAllocated, _frees, _pagesFreed;
    private long _freesWhole, _freesPart, _freesCma, _freesPre, _freesLarger, _overLive, _livePages;
    private long _zoneLocked, _refills, _drains, _batched;

    /// <summary>Counts <paramref name="e"/> and, for an allocation or free, reports its identity.</summary>
    public TraceObservation Observe(in TraceEvent e)
    {
        _events[(int)e.Kind]++;
        switch (e.Kind)
        {
            case TraceEventKind.PageAlloc:
                return Allocate(in e);
            case TraceEventKind.PageFree:
                return Free(e.Pfn, e.Order);
            case TraceEventKind.PageFreeBatched:
                _batched++;
                break;
            case TraceEventKind.PageAllocZoneLocked:
                _zoneLocked++;
                if (e.PercpuRefill)
                {
                    _refills++;
                }

                break;
            case TraceEventKind.PagePcpuDrain:
                _drains++;
                break;
            case TraceEventKind.PageAllocExtfrag:
                long[] f = Counter(_fallbacks, (e.MigrateType, e.FallbackMigrateType), 3);
                f[0]++;
                f[1] += e.ChangeOwnership ? 1 : 0;
                f[2] += e.Fragmenting ? 1 : 0;
                break;
            default:
                ObserveCma(in e);
                break;
        }

        return TraceObservation.Nothing;
    }

    /// <summary>Adds every remaining event of <paramref name="reader"/> and summarises with its counts.</summary>
    public TraceSummary ObserveAll(FtraceReader reader)
    {
        while (reader.Read())
        {
            Observe(in reader.Current);
        }

        return Summary(reader.Stats);
    }

    /// <summary>The counts so far; <paramref name="stats"/> (of the reader) adds the line-level counts.</summary>
    public TraceSummary Summary(TraceReadStats? stats = null)
    {
        var events = new List<KeyValuePair<string, long>>();
        for (int k = 0; k < TraceEventKinds.Count; k++)
        {
            events.Add(new(TraceEventKinds.Name((TraceEventKind)k), _events[k]));
        }

        return new TraceSummary
        {
            EventsRead = stats?.EventLines ?? _events.Sum(),
            Skipped = stats?.Skipped ?? 0,
            SkippedByEvent = stats?.SkippedByName ?? [],
            Events = events,
            LostEvents = stats?.LostEvents ?? 0,
            Allocations = _allocations,
            TraceFailedAllocations = _failed,
            PagesAllocated = _pagesAllocated,
            Frees = _frees,
            PagesFreed = _pagesFreed,
            FreesWhole = _freesWhole,
            FreesPart = _freesPart,
            FreesCma = _freesCma,
            FreesPreExisting = _freesPre,
            FreesLargerThanAllocation = _freesLarger,
            AllocationsOverLive = _overLive,
            LiveAllocations = _live.Count,
            LivePages = _livePages,
            ZoneLocked = _zoneLocked,
            PercpuRefills = _refills,
            PcpuDrains = _drains,
            FreesBatched = _batched,
            Requests = _requests
                .GroupBy(p => (p.Key.Order, p.Key.Mt, Class: GfpClass.Of(p.Key.Gfp)))
                .Select(g => new TraceRequestCount(g.Key.Order, g.Key.Mt, g.Key.Class, g.Sum(p => p.Value[0]), g.Sum(p => p.Value[1])))
                .OrderBy(r => r.Order).ThenBy(r => r.MigrateType).ThenBy(r => r.GfpClass, StringComparer.Ordinal)
                .ToList(),
            Fallbacks = _fallbacks
                .Select(p => new TraceFallbackCount(p.Key.Alloc, p.Key.Fallback, p.Value[0], p.Value[1], p.Value[2]))
                .OrderBy(r => r.AllocMigrateType).ThenBy(r => r.FallbackMigrateType)
                .ToList(),
            Cma = _cma
                .Select(p => new TraceCmaArea(p.Key, p.Value.Requests, p.Value.Succeeded, p.Value.Failed, p.Value.BusyRetries,
                    p.Value.PagesAllocated, p.Value.Releases, p.Value.PagesReleased, p.Value.MaxLatency))
                .OrderBy(a => a.Name, StringComparer.Ordinal)
                .ToList(),
        };
    }

    private TraceObservation Allocate(in TraceEvent e)
    {
        long[] c = RequestCounter(e.Order, e.MigrateType, e.GfpFlags);
        if (e.Failed)
        {
            c[1]++;
            _failed++;
            return TraceObservation.Nothing;
        }

        c[0]++;
        _allocations++;
        _pagesAllocated += 1L << e.Order;
        ref Live live = ref CollectionsMarshal.GetValueRefOrAddDefault(_live, e.Pfn, out bool exists);
        long superseded = -1;
        if (exists)
        {
            _overLive++;
            _livePages -= (1L << live.Order) - live.FreedPages;
            superseded = live.Id;
        }

        live = new Live(_nextId, (byte)e.Order, 0);
        _livePages += 1L << e.Order;
        _maxLiveOrder = Math.Max(_maxLiveOrder, e.Order);
        return new TraceObservation(TraceFreeMatch.None, _nextId++, false) { SupersededId = superseded };
    }

    private TraceObservation Free(long pfn, int order)
    {
        _frees++;
        long pages = 1L << order;
        _pagesFreed += pages;

        ref Live head = ref CollectionsMarshal.GetValueRefOrNullRef(_live, pfn);
        if (!Unsafe.IsNullRef(ref head))
        {
            if (head.Order <= order && head.FreedPages == 0)
            {
                long id = head.Id;
                _freesLarger += head.Order < order ? 1 : 0;
                _livePages -= 1L << head.Order;
                _live.Remove(pfn);
                _freesWhole++;
                return new TraceObservation(TraceFreeMatch.Whole, id, true);
            }

            return FreePart(ref head, pfn, pages);
        }

        // A part of a larger live block: its head is pfn aligned down to 2^j for some j > order.
        for (int j = order + 1; j <= _maxLiveOrder; j++)
        {
            long start = pfn & ~((1L << j) - 1);
            ref Live block = ref CollectionsMarshal.GetValueRefOrNullRef(_live, start);
            if (!Unsafe.IsNullRef(ref block) && block.Order >= j)
            {
                return FreePart(ref block, start, pages);
            }
        }

        foreach ((long s, long end) in _cmaRanges)
        {
            if (pfn >= s && pfn < end)
            {
                _freesCma++;
                return new TraceObservation(TraceFreeMatch.Cma, -1, false);
            }
        }

        _freesPre++;
        return new TraceObservation(TraceFreeMatch.PreExisting, -1, false);
    }

    private TraceObservation FreePart(ref Live block, long head, long pages)
    {
        _freesPart++;
        long id = block.Id;
        long size = 1L << block.Order;
        long freed = Math.Min(size, block.FreedPages + pages);
        _livePages -= freed - block.FreedPages;
        block.FreedPages = (int)freed;
        bool ended = freed >= size;
        if (ended)
        {
            _live.Remove(head);
        }

        return new TraceObservation(TraceFreeMatch.Part, id, ended);
    }

    private void ObserveCma(in TraceEvent e)
    {
        string name = e.CmaName ?? "?";
        if (!_cma.TryGetValue(name, out CmaCounts? c))
        {
            c = new CmaCounts();
            _cma.Add(name, c);
        }

        switch (e.Kind)
        {
            case TraceEventKind.CmaAllocStart:
                c.Requests++;
                _cmaStartByPid[e.Pid] = e.Timestamp;
                break;
            case TraceEventKind.CmaAllocBusyRetry:
                c.BusyRetries++;
                break;
            case TraceEventKind.CmaAllocFinish:
                if (_cmaStartByPid.Remove(e.Pid, out long start))
                {
                    c.MaxLatency = Math.Max(c.MaxLatency, e.Timestamp - start);
                }

                if (e.Failed)
                {
                    c.Failed++;
                }
                else
                {
                    c.Succeeded++;
                    c.PagesAllocated += e.Count;
                    _cmaRanges.Add((e.Pfn, e.Pfn + e.Count));
                }

                break;
            case TraceEventKind.CmaRelease:
                c.Releases++;
                c.PagesReleased += e.Count;
                ReleaseCmaRange(e.Pfn, e.Pfn + e.Count);
                break;
        }
    }

    private void ReleaseCmaRange(long start, long end)
    {
        for (int i = _cmaRanges.Count - 1; i >= 0; i--)
        {
            (long s, long en) = _cmaRanges[i];
            if (en <= start || s >= end)
            {
                continue;
            }

            _cmaRanges.RemoveAt(i);
            if (s < start)
            {
                _cmaRanges.Add((s, start));
            }

            if (en > end)
            {
                _cmaRanges.Add((end, en));
            }
        }
    }

    /// <summary>
    /// The counters of one (order, migratetype, gfp_flags) through a small direct-mapped table in front of the
    /// dictionary: a trace interleaves a few dozen keys, and hashing the tuple on every allocation costs more than
    /// the rest of the counting.
    /// </summary>
    private long[] RequestCounter(int order, MigrateType mt, GfpFlags gfp)
    {
        int slot = (int)((((uint)gfp * 0x9E3779B1u) ^ ((uint)((order << 4) | (int)mt) * 0x85EBCA6Bu)) >> (32 - RequestSlotBits));
        long[]? c = _requestSlots[slot];
        if (c is not null && _requestSlotKeys[slot] == (order, mt, gfp))
        {
            return c;
        }

        c = Counter(_requests, (order, mt, gfp), 2);
        _requestSlotKeys[slot] = (order, mt, gfp);
        _requestSlots[slot] = c;
        return c;
    }

    private static long[] Counter<TKey>(Dictionary<TKey, long[]> map, TKey key, int width)
        where TKey : notnull
    {
        ref long[]? c = ref CollectionsMarshal.GetValueRefOrAddDefault(map, key, out _);
        return c ??= new long[width];
    }

    private record struct Live(long Id, byte Order, int FreedPages);

    private sealed class CmaCounts
    {
        public long Requests, Succeeded, Failed, BusyRetries, PagesAllocated, Releases, PagesReleased, MaxLatency;
    }
}
