using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Oracle;

// Page-cache steps (write, read) of the oracle workload language, with ext4's buffer heads and xarray nodes.
public sealed partial class OracleEngineRunner
{
    // one xa_node (radix_tree_node, SLAB_RECLAIM_ACCOUNT) per XA_CHUNK_SIZE = 64 slots of a file's page cache
    private static long XaNodes(long pages) => (pages + 63) / 64;

    /// <summary>
    /// The slab a page-cache page brings along: every 64th page of a file a new xa_node of its mapping's xarray
    /// (radix_tree_node), and for ext4 one buffer_head per page (4 KiB blocks: ext4_da_write_begin →
    /// __block_write_begin → create_empty_buffers); both caches are SLAB_RECLAIM_ACCOUNT, so their slabs are
    /// MIGRATE_RECLAIMABLE and steal movable pageblocks as the file grows (the guest's SReclaimable grows by 8.6 MiB
    /// while 300 MiB are written to ext4: 76800 buffer heads in 39-object slabs and 1200 nodes in 14-object slabs).
    /// </summary>
    private void AddPageCacheMetadata(Holding h, long index)
    {
        if (index % 64 == 0)
        {
            AddObjects(null, "radix_tree_node", true, 1);
        }
        if (h.OnDisk)
        {
            AddObjects(null, "buffer_head", true, 1);
        }
    }

    // reclaim drops a clean page-cache page: try_to_free_buffers frees its buffer head (the xa_node stays, holding
    // the shadow entry)
    private void OnFileDropped(ulong pfn)
    {
        int id = _tag[Ix(pfn)];
        if (id > 0 && _byId[id - 1].OnDisk && _byId[id - 1].FileBytes > 0)
        {
            RemoveObjects("buffer_head", 1);
        }
    }

    private void RemoveObjects(string cache, long n)
    {
        if (!_caches.TryGetValue(cache, out SlabCache? c))
        {
            return;
        }
        foreach (ulong slab in c.Remove(n))
        {
            FreeBlockIfOwned(_kernel, slab, c.Order, PageUse.SlabReclaimable);
        }
    }

    /// <summary>
    /// A file written through the page cache: ext4 pages are GFP_HIGHUSER_MOVABLE page cache (clean after fsync,
    /// else dirty until writeback: balance_dirty_pages keeps dirty pages under vm.dirty_ratio of the dirtyable
    /// memory, so older ones are written back as new ones are dirtied); tmpfs pages are shmem, swap-backed, on
    /// the anonymous LRU.
    /// </summary>
    private int WriteFile(FileStep f)
    {
        Holding h = Hold(f.Name);
        h.OnDisk = f.OnDisk;
        h.FileBytes = f.Bytes;
        h.Use = f.OnDisk ? (f.Dirty ? PageUse.FileDirty : PageUse.File) : PageUse.Anon;
        long pages = (long)(f.Bytes >> PageShift);
        for (long i = 0; i < pages; i++)
        {
            AllocResult r = _m.Allocate(0, Gfp.HighUserMovable, 0, h.Use);
            if (!r.Success)
            {
                return Enomem;
            }
            TagPage(h, r.Pfn);
            AddPageCacheMetadata(h, i);
            _cpu.TaskRan(TaskPageNs);
            if (h.Use == PageUse.FileDirty)
            {
                _dirty.Enqueue(r.Pfn);
                Throttle(DirtyRatio);
            }
        }
        return 0;
    }

    // write back the oldest dirty pages until at most `ratio` of the dirtyable memory (free + file) is dirty
    private void Throttle(double ratio)
    {
        long file = 0;
        for (int n = 0; n < _m.NodeCount; n++)
        {
            file += _m.UsePages(n, PageUse.File) + _m.UsePages(n, PageUse.FileDirty);
        }
        long limit = (long)((_m.TotalFreePages() + file) * ratio);
        while (_dirty.Count > limit)
        {
            ulong pfn = _dirty.Dequeue();
            if (_m.IsAllocatedHead(pfn, out int o) && o == 0 && _m.UseOf(pfn) == PageUse.FileDirty)
            {
                _m.SetDirty(pfn, false);
            }
        }
    }

    private const int ReadaheadPages = 32;   // VM_READAHEAD_PAGES: SZ_128K / PAGE_SIZE

    /// <summary>A second read: resident pages are marked accessed (mark_page_accessed activates them), dropped ones read in again.</summary>
    private int ReadFile(ReadStep r)
    {
        Holding h = Held(r.Name);
        int n = h.Pages.Count;
        int window = 0;
        for (int k = 0; k < n; k++)
        {
            if (OwnsPage(h, k))
            {
                _m.MarkAccessed(h.Pages[k]);
                continue;
            }
            AllocResult a = _m.Allocate(0, Gfp.HighUserMovable, 0, h.OnDisk ? PageUse.File : PageUse.Anon);
            if (!a.Success)
            {
                return Enomem;
            }
            _tag[Ix(a.Pfn)] = h.Id;
            _tagIndex[Ix(a.Pfn)] = k;
            h.Pages[k] = a.Pfn;
            _cpu.TaskRan(TaskPageNs);
            if (h.OnDisk)
            {
                AddObjects(null, "buffer_head", true, 1);
                // filemap_read -> page_cache_sync_readahead reads a window of VM_READAHEAD_PAGES (128 KiB, 32 pages)
                // and the task sleeps in folio_wait_locked until the disk returns it: the CPU is kswapd's meanwhile
                if (++window == ReadaheadPages)
                {
                    _cpu.TaskSleeps(window * _reclaim.CostModel.RefaultReadNs);
                    window = 0;
                }
            }
        }
        if (window > 0)
        {
            _cpu.TaskSleeps(window * _reclaim.CostModel.RefaultReadNs);
        }
        return 0;
    }
}
