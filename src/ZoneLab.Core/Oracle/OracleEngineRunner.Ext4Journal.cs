using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

// The ext4 metadata blocks a `file` step on the disk journals, as pages of the block device's page cache that the
// journal holds (jbd2), and where alloc_contig_range meets them.
public sealed partial class OracleEngineRunner
{
    // mke2fs defaults for the recorded disks (4 KiB blocks): 32768 blocks per group (8 × the block size),
    // inode_ratio 16384, 64-byte group descriptors (64bit), flex_bg: every group's bitmaps and inode table packed at
    // the start of group 0
    internal const long Ext4BlocksPerGroup = 8 * Ext4BlockSize, Ext4InodeRatio = 16384, Ext4DescSize = 64;

    // the first inode ext4 gives out (EXT4_GOOD_OLD_FIRST_INO: 1-10 reserved, 11 is lost+found)
    private const int Ext4FirstFileIno = 12;

    private readonly ulong _diskBytes;

    // the journal's holds are modelled only on request (Run's ext4Journal): with them the suite's table has 2 rows in
    // and 4 out, the guest-state table 3 in and 6 out (docs/fidelity.md, Round 13, fidwb2), because the checkpoint that
    // releases a block on the guest's clock is not modelled (cma-under-pagecache's long first step)
    private bool _ext4JournalHeld;
    private Holding? _ext4Journal;
    private readonly Dictionary<string, int> _ext4JournalBlock = new(StringComparer.Ordinal);
    private readonly List<string?> _ext4RootInode = [];
    private readonly List<(long Start, long Count, string Owner)> _ext4Extents = [];

    /// <summary>
    /// A metadata block the running transaction modifies: its buffer comes from sb_getblk → __getblk_gfp(bdev, block,
    /// 4096, __GFP_MOVABLE) → grow_dev_page (a page of the block device's mapping, GFP_USER | __GFP_MOVABLE, on the file
    /// LRU, and its buffer_head) unless the page is cached; ext4_journal_get_write_access → do_get_write_access →
    /// jbd2_journal_add_journal_head takes a b_count reference (get_bh) that stays until the checkpoint removes the
    /// buffer (__jbd2_journal_remove_checkpoint → jbd2_journal_put_journal_head), which needs the block written to its
    /// home location first: after the commit the buffer is dirty and the flusher writes it once dirty_expire_centisecs
    /// (30 s) have passed. The recorded runs' steps last 0.04-0.6 s, so a journaled block stays held for the rest of
    /// the run; alloc_contig_range then fails on its page (<see cref="Contiguous.ContigRangeAllocator.BufferHeld"/>).
    /// </summary>
    private bool Ext4JournaledBlock(string block)
    {
        if (_ext4Journal == null)
        {
            // OnDisk: a page reclaim drops (none while held) gives its buffer head back (OnFileDropped)
            _ext4Journal = NewHolding("(ext4 journal)");
            _ext4Journal.OnDisk = true;
        }

        if (_ext4JournalBlock.TryGetValue(block, out int k) && OwnsPage(_ext4Journal, k))
        {
            return true;
        }
        AllocResult r = _m.Allocate(0, Gfp.User | GfpFlags.Movable, 0, PageUse.File);
        if (!r.Success)
        {
            return false;
        }
        TagPage(_ext4Journal, r.Pfn);
        _ext4JournalBlock[block] = _ext4Journal.Pages.Count - 1;
        SetBufferHead(_ext4Journal, _ext4Journal.Pages.Count - 1);
        _dm.Contig.BufferHeld.Add(r.Pfn);
        return true;
    }

    /// <summary>
    /// open(O_CREAT) of a new file in the disk's root directory: ext4_lookup → ext4_find_entry reads the directory's
    /// block (ext4_bread); ext4_create → __ext4_new_inode takes the lowest free inode of the root's group
    /// (find_group_other → group 0; find_inode_bit) through ext4_read_inode_bitmap, journals the bitmap, and
    /// ext4_mark_inode_dirty journals the inode table block holding the inode (16 inodes of 256 bytes a block);
    /// ext4_add_entry journals the directory block. Three blocks, in that order.
    /// </summary>
    private bool Ext4Create(string name)
    {
        if (!_ext4JournalHeld)
        {
            return true;
        }
        int slot = _ext4RootInode.IndexOf(null);
        if (slot < 0)
        {
            slot = _ext4RootInode.Count;
            _ext4RootInode.Add(null);
        }
        _ext4RootInode[slot] = name;
        return Ext4JournaledBlock("dir /") && Ext4JournaledBlock("inode bitmap 0") && Ext4JournaledBlock(InodeTableBlock(slot));
    }

    private static string InodeTableBlock(int slot) => $"inode table {(Ext4FirstFileIno + slot - 1) / (Ext4BlockSize / Ext4InodeSize)}";

    /// <summary>
    /// A synced file's blocks: fsync → ext4_writepages maps the delayed blocks (mpage_map_and_submit_extent →
    /// ext4_map_blocks → ext4_mb_new_blocks), mballoc taking them first fit from the inode's goal, the start of its
    /// group's data (ext4_inode_to_goal_block; with flex_bg group 0's data starts after every group's bitmaps and
    /// inode tables), and ext4_mb_mark_diskspace_used journals the block bitmap of each group the blocks fall in.
    /// A dirty file's blocks are allocated at its writeback, which the engine does not place in time; not modelled.
    /// </summary>
    private bool Ext4AllocateBlocks(string name, long blocks)
    {
        if (!_ext4JournalHeld)
        {
            return true;
        }
        long groups = Math.Max(1, (long)(_diskBytes / Ext4BlockSize) / Ext4BlocksPerGroup);
        long inodesPerGroup = (long)(_diskBytes / Ext4InodeRatio) / groups;
        // superblock, the group descriptors, mke2fs's reserved GDT blocks for 1024× growth
        // (calc_reserved_gdt_blocks), two bitmaps and the inode table of every group
        long descPerBlock = Ext4BlockSize / Ext4DescSize;
        long gdt = (groups + descPerBlock - 1) / descPerBlock;
        long growth = Math.Min(0xffffffffL, groups * Ext4BlocksPerGroup * 1024);
        long reservedGdt = Math.Min(Ext4BlockSize / 4, ((growth + Ext4BlocksPerGroup - 1) / Ext4BlocksPerGroup + descPerBlock - 1) / descPerBlock - gdt);
        long start = 1 + gdt + reservedGdt + groups * (2 + inodesPerGroup * Ext4InodeSize / Ext4BlockSize);
        // first fit over the extents in use, in block order
        long remaining = blocks;
        int at = 0;
        while (remaining > 0)
        {
            while (at < _ext4Extents.Count && _ext4Extents[at].Start <= start)
            {
                start = Math.Max(start, _ext4Extents[at].Start + _ext4Extents[at].Count);
                at++;
            }
            long end = at < _ext4Extents.Count ? _ext4Extents[at].Start : long.MaxValue;
            long n = Math.Min(remaining, end - start);
            _ext4Extents.Insert(at, (start, n, name));
            for (long g = start / Ext4BlocksPerGroup; g <= (start + n - 1) / Ext4BlocksPerGroup; g++)
            {
                if (!Ext4JournaledBlock($"block bitmap {g}"))
                {
                    return false;
                }
            }
            remaining -= n;
            start += n;
            at++;
        }
        return true;
    }

    /// <summary>
    /// unlink of a disk file and its final iput: ext4_unlink journals the directory block and the inode table block
    /// (ext4_orphan_add), ext4_evict_inode → ext4_truncate frees the blocks (ext4_free_blocks journals each group's
    /// block bitmap) and ext4_free_inode the inode bit. The blocks are the file's own, already held: a page reclaim
    /// dropped meanwhile is read again. The inode and the blocks become free.
    /// </summary>
    private void Ext4Unlink(string name)
    {
        if (!_ext4JournalHeld)
        {
            return;
        }
        int slot = _ext4RootInode.IndexOf(name);
        if (slot < 0)
        {
            return;
        }
        Ext4JournaledBlock("dir /");
        Ext4JournaledBlock(InodeTableBlock(slot));
        foreach ((long s, long n, string owner) in _ext4Extents)
        {
            for (long g = s / Ext4BlocksPerGroup; owner == name && g <= (s + n - 1) / Ext4BlocksPerGroup; g++)
            {
                Ext4JournaledBlock($"block bitmap {g}");
            }
        }
        Ext4JournaledBlock("inode bitmap 0");
        _ext4Extents.RemoveAll(e => e.Owner == name);
        _ext4RootInode[slot] = null;
    }
}
