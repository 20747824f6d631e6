using ZoneLab.Allocator;

namespace ZoneLab.Reclaim;

/// <summary>
/// Dirty page cache, its writeback and the throttling of the tasks that dirty it, in engine time (6.1
/// mm/page-writeback.c and fs/fs-writeback.c). One backing device writes the dirty pages oldest first, one page per
/// <see cref="WritebackNs"/> of elapsed time while it has work: background writeback, started when the dirty pages
/// exceed the background threshold (<c>balance_dirty_pages</c> → <c>wb_start_background_writeback</c>) and ended
/// when they are back at it (<c>wb_writeback</c>'s <c>for_background</c> check of <c>wb_over_bg_thresh</c>), and
/// the integrity writeback of an fsync (<c>file_write_and_wait_range</c>). A writer is free to dirty pages while the
/// dirty and writeback pages stay at or under the freerun ceiling, halfway between the background threshold and the
/// dirty threshold (<c>dirty_freerun_ceiling</c>); above it <c>balance_dirty_pages</c> pauses it so that it dirties
/// no faster than the device cleans (its <c>dirty_ratelimit</c> follows the write bandwidth,
/// <c>wb_update_dirty_ratelimit</c>): here the writer waits for one page's writeback per page it dirties above the
/// ceiling. While it waits the CPU is kswapd's. The per-task ratelimit's jitter (pos_ratio around the setpoint, the
/// pause's 10-200 ms bounds) is not modelled: the steady state is the same, dirty pages near the ceiling and the
/// writer at the device's rate.
/// <para>
/// The pages written are cleaned (<c>folio_end_writeback</c>), so reclaim finds them clean; pages reclaim or the
/// owner freed or cleaned meanwhile are passed over without device time (they are no longer dirty).
/// </para>
/// </summary>
public sealed class DirtyThrottle
{
    // vm_dirty_ratio and dirty_background_ratio defaults (mm/page-writeback.c)
    private const int DirtyRatio = 20, DirtyBackgroundRatio = 10;
    private const int PageSize = 4096;

    private readonly Machine _m;
    private readonly Queue<ulong> _queue = new();   // dirtied pages, oldest first (the flusher's b_io order)
    private bool _background;                       // a background writeback work is running
    private long _syncPages;                        // pages an fsync still waits for (integrity writeback)
    private double _next;                           // when the device completes the page it is writing

    /// <summary>Writeback over <paramref name="m"/>'s page cache at <paramref name="writebackNs"/> per page.</summary>
    public DirtyThrottle(Machine m, double writebackNs)
    {
        if (writebackNs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(writebackNs), "writeback time per page must be positive");
        }
        _m = m;
        WritebackNs = writebackNs;
    }

    /// <summary>Device time to write one dirty page back.</summary>
    public double WritebackNs { get; }

    /// <summary>Pages written back by the device (the <c>nr_written</c> of vmstat).</summary>
    public long Written { get; private set; }

    /// <summary>Times a writer was paused above the freerun ceiling (each pause one page's writeback).</summary>
    public long Pauses { get; private set; }

    /// <summary>True while the device has writeback work (background or an fsync's).</summary>
    public bool Writing => _background || _syncPages > 0;

    /// <summary>Dirty and writeback page-cache pages, NR_FILE_DIRTY + NR_WRITEBACK (the model's one count).</summary>
    public long DirtyPages()
    {
        long n = 0;
        for (int node = 0; node < _m.NodeCount; node++)
        {
            n += _m.UsePages(node, PageUse.FileDirty);
        }
        return n;
    }

    /// <summary>
    /// mirrors <c>global_dirtyable_memory</c> + <c>domain_dirty_limits</c> (6.1, no highmem, ratios not bytes):
    /// available = free − min(free, totalreserve_pages) + the file LRU pages + 1; each ratio taken per PAGE_SIZE
    /// first (vm_dirty_ratio × PAGE_SIZE / 100), so the thresholds round as the kernel's.
    /// </summary>
    public (long Thresh, long BgThresh) Limits()
    {
        long free = _m.TotalFreePages();
        long x = free - Math.Min(free, (long)_m.WatermarkCalculator.TotalReservePages);
        for (int node = 0; node < _m.NodeCount; node++)
        {
            x += _m.LruPages(node, LruList.InactiveFile) + _m.LruPages(node, LruList.ActiveFile);
        }
        x += 1;
        long ratio = DirtyRatio * PageSize / 100, bgRatio = DirtyBackgroundRatio * PageSize / 100;
        long thresh = ratio * x / PageSize, bg = bgRatio * x / PageSize;
        if (bg >= thresh)
        {
            bg = thresh / 2;
        }
        return (thresh, bg);
    }

    /// <summary>mirrors <c>dirty_freerun_ceiling</c>: (thresh + bg_thresh) / 2.</summary>
    public static long FreerunCeiling(long thresh, long bgThresh) => (thresh + bgThresh) / 2;

    /// <summary>A page was dirtied (<c>folio_account_dirtied</c>): it joins the end of the writeback order.</summary>
    public void Dirtied(ulong pfn) => _queue.Enqueue(pfn);

    /// <summary>
    /// The device's progress up to <paramref name="now"/>: pages whose writeback completed are cleaned; background
    /// writeback ends once the dirty pages are at or under the background threshold (wb_over_bg_thresh).
    /// </summary>
    public void Complete(double now)
    {
        while (Writing && _next <= now)
        {
            if (!WriteOldest())
            {
                _background = false;
                _syncPages = 0;
                return;
            }
            _next += WritebackNs;
            if (_syncPages > 0)
            {
                _syncPages--;
            }
            if (_background && DirtyPages() <= Limits().BgThresh)
            {
                _background = false;
            }
        }
    }

    /// <summary>
    /// mirrors <c>balance_dirty_pages</c> after a page was dirtied at <paramref name="now"/>: starts background
    /// writeback when the dirty pages exceed bg_thresh; returns how long the writer pauses (0 at or under the
    /// freerun ceiling; else until the device has written the pages above it).
    /// </summary>
    public double Balance(double now)
    {
        Complete(now);
        long dirty = DirtyPages();
        (long thresh, long bg) = Limits();
        if (dirty > bg)
        {
            StartBackground(now);
        }
        long over = dirty - FreerunCeiling(thresh, bg);
        if (over <= 0)
        {
            return 0;
        }
        // "Start writeback even when in laptop mode"
        StartBackground(now);
        Pauses++;
        return Math.Max(0, _next + ((over - 1) * WritebackNs) - now);
    }

    /// <summary>
    /// An fsync at <paramref name="now"/> (<c>file_write_and_wait_range</c>): every page dirtied so far is written
    /// (the oldest first, so this file's after the older ones); returns how long the caller waits.
    /// </summary>
    public double Sync(double now)
    {
        Complete(now);
        long dirty = DirtyPages();
        if (dirty == 0)
        {
            return 0;
        }
        if (!Writing)
        {
            _next = now + WritebackNs;
        }
        _syncPages = dirty;
        return Math.Max(0, _next + ((dirty - 1) * WritebackNs) - now);
    }

    private void StartBackground(double now)
    {
        if (!Writing)
        {
            _next = now + WritebackNs;
        }
        _background = true;
    }

    // folio_end_writeback of the oldest page still dirty; false when none is left
    private bool WriteOldest()
    {
        while (_queue.Count > 0)
        {
            ulong pfn = _queue.Dequeue();
            if (_m.IsAllocatedHead(pfn, out int o) && o == 0 && _m.UseOf(pfn) == PageUse.FileDirty)
            {
                _m.SetDirty(pfn, false);
                Written++;
                return true;
            }
        }
        return false;
    }
}
