using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

// Slab steps (files, pipes) and drop_caches of the oracle workload language.
public sealed partial class OracleEngineRunner
{
    private SlabCache Cache(string name, bool reclaimable)
    {
        if (!_caches.TryGetValue(name, out SlabCache? c))
        {
            (int per, int order, int size) = _slabinfo.TryGetValue(name, out var g) ? g
                : throw new ZoneLabInputException(_rec.PathOf("step0.slabinfo.txt"), $"no kmem cache '{name}' in the guest's slabinfo");
            c = new SlabCache(name, per, order, size, reclaimable);
            _caches[name] = c;
        }
        return c;
    }

    // sizeof(struct pipe_inode_info) on 64-bit 6.1 (~150 bytes) and PIPE_DEF_BUFFERS (16) × sizeof(struct pipe_buffer) (40)
    private const int PipeInodeInfoBytes = 152, PipeBuffersBytes = 16 * 40;

    /// <summary>The kmalloc cache kmalloc(size) uses: the smallest kmalloc-* cache of the guest whose objects hold it.</summary>
    private string Kmalloc(int size) =>
        _slabinfo.Where(c => c.Key.StartsWith("kmalloc-", StringComparison.Ordinal) && c.Key[8..].TrimEnd('k').All(char.IsAsciiDigit) && c.Value.ObjSize >= size)
            .OrderBy(c => c.Value.ObjSize).Select(c => c.Key).FirstOrDefault()
            ?? throw new ZoneLabInputException(_rec.PathOf("step0.slabinfo.txt"), $"no kmalloc cache for {size} bytes");

    private bool TrackSlab(ulong pfn, int order, PageUse use) => TrackBlock(_kernel, pfn, order, use);

    // the holding's objects of one cache, in allocation order (SLUB frees them back into the slabs they came from)
    private List<(int Slab, int Count)> Objects(Holding h, string cache, bool reclaimable)
    {
        SlabCache c = Cache(cache, reclaimable);
        foreach ((SlabCache hc, List<(int Slab, int Count)> runs) in h.SlabObjects)
        {
            if (hc == c)
            {
                return runs;
            }
        }
        List<(int Slab, int Count)> r = [];
        h.SlabObjects.Add((c, r));
        return r;
    }

    private bool AddObject(Holding h, string cache, bool reclaimable, int n = 1) =>
        Cache(cache, reclaimable).Add(_m, n, TrackSlab, Objects(h, cache, reclaimable));

    // SLUB's discard_slab → __free_slab: the pages of slabs it gave back
    private void FreeSlabs(SlabCache c, List<ulong> discarded)
    {
        foreach (ulong slab in discarded)
        {
            FreeBlockIfOwned(_kernel, slab, c.Order, _m.UseOf(slab));
        }
        discarded.Clear();
    }

    // The objects of the holding's files or pipes, freed one file (pipe) at a time as the guest's unlink, close or
    // the shrinker's eviction frees them, each file's objects in the reverse order of their allocation (the inode's
    // jbd2_inode in evict → ext4_clear_inode, then the RCU frees of its LSM blob and of the inode itself): the last
    // pages given back are the last files' inode slabs, as in the kernel (free_unref_page_commit's free_high then
    // empties the per-cpu lists).
    private void FreeObjects(Holding h, Func<SlabCache, bool> which)
    {
        var discarded = new List<ulong>();
        List<(SlabCache Cache, List<(int Slab, int Count)> Runs)> sel = [.. h.SlabObjects.Where(o => which(o.Cache))];
        sel.Reverse();
        long[] left = [.. sel.Select(o => Count(o.Runs))];
        long items = left.Length == 0 ? 0 : left.Min();
        for (; items > 0; items--)
        {
            for (int i = 0; i < sel.Count; i++)
            {
                long n = (left[i] + items - 1) / items;
                sel[i].Cache.Remove(sel[i].Runs, n, discarded);
                left[i] -= n;
                FreeSlabs(sel[i].Cache, discarded);
            }
        }
        foreach ((SlabCache c, List<(int Slab, int Count)> runs) in sel)
        {
            c.RemoveAll(runs, discarded);
            FreeSlabs(c, discarded);
        }
    }

    private static long Count(List<(int Slab, int Count)> runs)
    {
        long n = 0;
        foreach ((int _, int k) in runs)
        {
            n += k;
        }
        return n;
    }

    // sizeof(struct jbd2_inode) on 64-bit 6.1: KMEM_CACHE(jbd2_inode, 0) has no flags that keep SLUB from merging
    // it with the kmalloc cache of its size (find_mergeable), so the guest's slabinfo has no cache of its own
    private const int Jbd2InodeBytes = 64;

    /// <summary>
    /// The LSM blob of every new inode (inode_init_always → security_inode_alloc → lsm_inode_alloc: one object of
    /// lsm_inode_cache, created without flags: unmovable) when the guest's LSMs use inode blobs (the cache is in its
    /// slabinfo: Debian's 6.1 kernels, 11392 objects for ~11340 dentries at boot).
    /// </summary>
    private bool InodeSecurity(Holding h) => !_slabinfo.ContainsKey("lsm_inode_cache") || AddObject(h, "lsm_inode_cache", false);

    /// <summary>
    /// Empty files, one at a time as the guest creates them: path_openat → lookup_open allocates the dentry
    /// (d_alloc_parallel; dentry is SLAB_RECLAIM_ACCOUNT), then vfs_create the inode (new_inode → alloc_inode:
    /// shmem_inode_cache for tmpfs, unmovable; ext4_inode_cache, SLAB_RECLAIM_ACCOUNT) with its LSM blob, and on ext4
    /// the jbd2_inode that ext4_file_open attaches to an inode opened for writing (ext4_inode_attach_jinode →
    /// jbd2_alloc_inode, GFP_KERNEL), in slabs of the guest's own geometry.
    /// </summary>
    private int Files(FilesStep f)
    {
        Holding h = Hold(f.Name);
        h.OnDisk = f.OnDisk;
        string inode = f.OnDisk ? "ext4_inode_cache" : "shmem_inode_cache";
        // on ext4: the directory first (ext4_mkdir: its inode, inode-table block and first block), then per file its
        // inode's slot in the inode table and its entry in the directory (OracleEngineRunner.Ext4.cs)
        Ext4Dir? dir = f.OnDisk ? new Ext4Dir() : null;
        string? jbd2 = f.OnDisk ? Kmalloc(Jbd2InodeBytes) : null;
        bool ok = dir == null || (AddObject(h, "dentry", true) && AddObject(h, inode, true) && Ext4InodeSlot(0) && Ext4MetadataBlocks(1));
        for (long i = 0; i < f.Count && ok; i++)
        {
            ok = AddObject(h, "dentry", true) && AddObject(h, inode, f.OnDisk) && InodeSecurity(h)
                && (jbd2 == null || AddObject(h, jbd2, false))
                && (dir == null || (Ext4InodeSlot(i + 1) && Ext4MetadataBlocks(dir.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        }
        return ok ? 0 : Enomem;
    }

    /// <summary>
    /// Pipes (fs/pipe.c), one at a time as the guest creates and fills them: create_pipe_files → get_pipe_inode
    /// (new_inode_pseudo: an inode of pipefs, inode_cache, reclaim-accounted; alloc_pipe_info: pipe_inode_info in
    /// kmalloc-192 and PIPE_DEF_BUFFERS (16) pipe_buffers in kmalloc-1k), then the dentry (d_alloc_pseudo) and two
    /// struct file (alloc_file_pseudo, alloc_file_clone: filp); the one page written is alloc_page(GFP_HIGHUSER |
    /// __GFP_ACCOUNT) in pipe_write: unmovable.
    /// </summary>
    private int Pipes(PipesStep p)
    {
        Holding h = Hold(p.Name);
        string info = Kmalloc(PipeInodeInfoBytes), bufs = Kmalloc(PipeBuffersBytes);
        bool ok = true;
        for (long i = 0; i < p.Count && ok; i++)
        {
            ok = AddObject(h, "inode_cache", true) && InodeSecurity(h) && AddObject(h, info, false) && AddObject(h, bufs, false)
                && AddObject(h, "dentry", true) && AddObject(h, "filp", false, 2);
            AllocResult r = ok ? Landed(_m.Allocate(0, Gfp.HighUser | GfpFlags.Account, 0, PageUse.Kernel), 0, Gfp.HighUser) : default;
            ok = ok && r.Success && TrackBlock(h, r.Pfn, 0, PageUse.Kernel);
        }
        return ok ? 0 : Enomem;
    }

    /// <summary>
    /// drop_caches (fs/drop_caches.c): 1 invalidates clean, unmapped page cache of every file (ext4 here; tmpfs pages
    /// are not page cache that can be dropped); 2 shrinks the dentry and inode caches, which frees the unused ones:
    /// the ext4 files' (closed), not tmpfs' (a tmpfs dentry is pinned while its file exists) nor open pipes'.
    /// </summary>
    private int DropCaches(int mode)
    {
        if ((mode & 2) != 0)
        {
            DropSlabDeferredSplit();
        }
        // drop_caches_sysctl_handler: every superblock's page cache first (drop_pagecache_sb), then drop_slab();
        // super_cache_scan prunes the dentries (prune_dcache_sb) before the inodes they held (prune_icache_sb), and
        // RCU frees the objects in that order, so the inode slabs are the last pages freed
        foreach (Holding h in _held.Values)
        {
            if ((mode & 1) != 0 && h.OnDisk)
            {
                for (int k = 0; k < h.Pages.Count; k++)
                {
                    if (OwnsPage(h, k) && _m.UseOf(h.Pages[k]) == PageUse.File)
                    {
                        ReleasePage(h, k);
                    }
                }
                FreeEmptyXaNodes(h);
            }
        }
        if ((mode & 2) != 0)
        {
            // each file's dentry and inode go in the order the LRU walks met them (creation order), per cache
            foreach (bool dentries in new[] { true, false })
            {
                foreach (Holding h in _held.Values)
                {
                    if (h.OnDisk)
                    {
                        FreeObjects(h, c => (c.Name == "dentry") == dentries);
                    }
                }
            }
            foreach (Holding h in _held.Values)
            {
                if (h.OnDisk)
                {
                    h.SlabObjects.Clear();
                }
            }
        }
        return 0;
    }
}
