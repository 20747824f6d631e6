using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

// Slab steps (files, pipes) and drop_caches of the oracle workload language.
public sealed partial class OracleEngineRunner
{
    private SlabCache Cache(string name, bool reclaimable)
    {
        if (!_caches.TryGetValue(name, out SlabCache? c))
        {
            (int per, int order, _) = _slabinfo.TryGetValue(name, out var g) ? g
                : throw new ZoneLabInputException(_rec.PathOf("step0.slabinfo.txt"), $"no kmem cache '{name}' in the guest's slabinfo");
            c = new SlabCache(name, per, order, reclaimable);
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

    private bool AddObjects(Holding? h, string cache, bool reclaimable, long n)
    {
        SlabCache c = Cache(cache, reclaimable);
        h?.SlabObjects.Add((c, n));
        return c.Add(_m, n, (pfn, order, use) => TrackBlock(_kernel, pfn, order, use));
    }

    /// <summary>
    /// Empty files: one inode (shmem_inode_cache for tmpfs, unmovable; ext4_inode_cache, SLAB_RECLAIM_ACCOUNT) and one
    /// dentry (SLAB_RECLAIM_ACCOUNT) each, in slabs of the guest's own geometry.
    /// </summary>
    private int Files(FilesStep f)
    {
        Holding h = Hold(f.Name);
        h.OnDisk = f.OnDisk;
        bool ok = AddObjects(h, f.OnDisk ? "ext4_inode_cache" : "shmem_inode_cache", f.OnDisk, f.Count)
            && AddObjects(h, "dentry", true, f.Count);
        return ok ? 0 : Enomem;
    }

    /// <summary>
    /// Pipes (fs/pipe.c): per pipe an inode of pipefs (inode_cache, reclaim-accounted), a dentry, two struct file
    /// (filp), pipe_inode_info (kmalloc-192) and its 16 pipe_buffers (kmalloc-1k); the one page written is
    /// alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT) in pipe_write: unmovable.
    /// </summary>
    private int Pipes(PipesStep p)
    {
        Holding h = Hold(p.Name);
        bool ok = AddObjects(h, "inode_cache", true, p.Count) && AddObjects(h, "dentry", true, p.Count)
            && AddObjects(h, "filp", false, 2 * p.Count) && AddObjects(h, Kmalloc(PipeInodeInfoBytes), false, p.Count)
            && AddObjects(h, Kmalloc(PipeBuffersBytes), false, p.Count);
        for (long i = 0; i < p.Count && ok; i++)
        {
            AllocResult r = _m.Allocate(0, Gfp.HighUser | GfpFlags.Account, 0, PageUse.Kernel);
            ok = r.Success && TrackBlock(h, r.Pfn, 0, PageUse.Kernel);
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
            }
        }
        if ((mode & 2) != 0)
        {
            foreach (bool dentries in new[] { true, false })
            {
                foreach (Holding h in _held.Values)
                {
                    if (!h.OnDisk)
                    {
                        continue;
                    }
                    foreach ((SlabCache c, long n) in h.SlabObjects)
                    {
                        if ((c.Name == "dentry") == dentries)
                        {
                            foreach (ulong slab in c.Remove(n))
                            {
                                FreeBlockIfOwned(_kernel, slab, c.Order, PageUse.SlabReclaimable);
                            }
                        }
                    }
                    if (!dentries)
                    {
                        h.SlabObjects.Clear();
                    }
                }
            }
        }
        return 0;
    }
}
