using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Reclaim;

namespace ZoneLab.Oracle;

// Page-cache steps (write, read) of the oracle workload language, with ext4's buffer heads and xarray nodes.
public sealed partial class OracleEngineRunner
{
    /// <summary>
    /// The slab a page-cache page brings along: every 64th page of a file a new xa_node of its mapping's xarray
    /// (radix_tree_node), and for ext4 one buffer_head per page (4 KiB blocks: ext4_da_write_begin →
    /// __block_write_begin → create_empty_buffers); both caches are SLAB_RECLAIM_ACCOUNT, so their slabs are
    /// MIGRATE_RECLAIMABLE and steal movable pageblocks as the file grows (the guest's SReclaimable grows by 8.6 MiB
    /// while 300 MiB are written to ext4: 76800 buffer heads in 39-object slabs and 1200 nodes in 14-object slabs).
    /// </summary>
    private void AddPageCacheMetadata(Holding h, long index)
    {
        // one xa_node (radix_tree_node, SLAB_RECLAIM_ACCOUNT) per XA_CHUNK_SIZE = 64 slots of a file's page cache
        if (index % 64 == 0)
        {
            h.XaNodeSlab.Add(Cache("radix_tree_node", true).AddOne(_m, TrackSlab));
        }
        if (h.OnDisk)
        {
            SetBufferHead(h, (int)index);
        }
    }

    private void SetBufferHead(Holding h, int k)
    {
        while (h.BufferHeadSlab.Count <= k)
        {
            h.BufferHeadSlab.Add(-1);
        }
        h.BufferHeadSlab[k] = Cache("buffer_head", true).AddOne(_m, TrackSlab);
    }

    // try_to_free_buffers → free_buffer_head: the page's buffer head goes back to its slab
    private void FreeBufferHead(Holding h, int k)
    {
        if (k < h.BufferHeadSlab.Count && h.BufferHeadSlab[k] >= 0)
        {
            FreeObject("buffer_head", h.BufferHeadSlab[k]);
            h.BufferHeadSlab[k] = -1;
        }
    }

    private void FreeObject(string cache, int slab)
    {
        SlabCache c = _caches[cache];
        var discarded = new List<ulong>();
        c.RemoveOne(slab, discarded);
        FreeSlabs(c, discarded);
    }

    // reclaim drops a clean page-cache page: try_to_free_buffers frees its buffer head (the xa_node stays, holding
    // the shadow entry: __remove_mapping stores workingset_eviction's shadow)
    private void OnFileDropped(ulong pfn)
    {
        _dm.Contig.BufferHeld.Remove(pfn);
        int id = _tag[Ix(pfn)], k = _tagIndex[Ix(pfn)];
        if (id > 0 && _byId[id - 1] is Holding h && h.OnDisk && k < h.Pages.Count && h.Pages[k] == pfn)
        {
            FreeBufferHead(h, k);
        }
    }

    /// <summary>
    /// xa_nodes left without entries: invalidation (drop_caches, truncate) removes folios without a shadow
    /// (__remove_mapping(..., reclaimed = false) → page_cache_delete stores NULL) and clears the shadows reclaim left
    /// (invalidate_exceptional_entry), and xas_store deletes a node once its last slot is empty (xas_delete_node →
    /// radix_tree_node_rcu_free). A chunk of 64 pages keeps its node while one of its pages is still cached.
    /// </summary>
    private void FreeEmptyXaNodes(Holding h)
    {
        for (int j = 0; j < h.XaNodeSlab.Count; j++)
        {
            if (h.XaNodeSlab[j] < 0)
            {
                continue;
            }
            bool cached = false;
            for (int k = j * 64; k < Math.Min(h.Pages.Count, (j + 1) * 64) && !cached; k++)
            {
                cached = h.Pages[k] != 0 && OwnsPage(h, k); // 0: released (ReleasePage)
            }
            if (!cached)
            {
                FreeObject("radix_tree_node", h.XaNodeSlab[j]);
                h.XaNodeSlab[j] = -1;
            }
        }
    }

    /// <summary>
    /// A file written through the page cache: ext4 pages are GFP_HIGHUSER_MOVABLE page cache (clean after fsync,
    /// else dirty until writeback: balance_dirty_pages keeps dirty pages under vm.dirty_ratio of the dirtyable
    /// memory, so older ones are written back as new ones are dirtied); tmpfs pages are shmem, swap-backed, on
    /// the anonymous LRU.
    /// With --dirty-throttle an ext4 file is written as the kernel writes it: every page dirty when written
    /// (generic_perform_write → folio_mark_dirty) whether or not the file is synced, each followed by
    /// balance_dirty_pages_ratelimited, which pauses the writer above the freerun ceiling until writeback catches up
    /// (<see cref="DirtyThrottle"/>; the CPU is kswapd's meanwhile); a synced file's fsync then waits for the rest of
    /// its writeback (vfs_fsync → ext4_sync_file → file_write_and_wait_range).
    /// </summary>
    private int WriteFile(FileStep f)
    {
        DirtyThrottle? wb = f.OnDisk ? _wb : null;
        Holding h = Hold(f.Name);
        h.OnDisk = f.OnDisk;
        h.FileBytes = f.Bytes;
        h.Use = wb != null ? PageUse.FileDirty : f.OnDisk ? (f.Dirty ? PageUse.FileDirty : PageUse.File) : PageUse.Anon;
        long pages = (long)(f.Bytes >> PageShift);
        if (f.OnDisk && !Ext4Create(f.Name))
        {
            return Enomem;
        }
        for (long i = 0; i < pages; i++)
        {
            AllocResult r = Landed(_m.Allocate(0, Gfp.HighUserMovable, 0, h.Use), 0, Gfp.HighUserMovable);
            if (!r.Success)
            {
                return Enomem;
            }
            TagPage(h, r.Pfn);
            AddPageCacheMetadata(h, i);
            _cpu.TaskRan(TaskPageNs);
            if (wb != null)
            {
                wb.Dirtied(r.Pfn);
                double pause = wb.Balance(_cpu.Now);
                if (pause > 0)
                {
                    _cpu.TaskSleeps(pause);
                }
            }
            else if (h.Use == PageUse.FileDirty)
            {
                _dirty.Enqueue(r.Pfn);
                Throttle(DirtyRatio);
            }
        }
        if (wb != null && !f.Dirty)
        {
            double wait = wb.Sync(_cpu.Now);
            if (wait > 0)
            {
                _cpu.TaskSleeps(wait);
            }
            wb.Complete(_cpu.Now);
        }
        if (f.OnDisk && !f.Dirty && !Ext4AllocateBlocks(f.Name, (long)((f.Bytes + Ext4BlockSize - 1) / Ext4BlockSize)))
        {
            return Enomem;
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
            AllocResult a = Landed(_m.Allocate(0, Gfp.HighUserMovable, 0, h.OnDisk ? PageUse.File : PageUse.Anon), 0, Gfp.HighUserMovable);
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
                SetBufferHead(h, k);
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
