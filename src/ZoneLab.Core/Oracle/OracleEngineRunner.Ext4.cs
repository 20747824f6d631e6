using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

// ext4's metadata in the block device's page cache (the buffer cache) when the workload creates files on the disk.
public sealed partial class OracleEngineRunner
{
    // mkfs.ext4's defaults for the recorded disks (oracle-run.sh: mkfs.ext4 -q -F on 512 MiB - 1 GiB): 4 KiB blocks,
    // 256-byte inodes (mke2fs.conf [defaults] inode_size = 256), dir_index and metadata_csum (a 12-byte
    // ext4_dir_entry_tail at the end of every directory leaf block)
    internal const int Ext4BlockSize = 4096, Ext4InodeSize = 256, Ext4DirTail = 12;

    private Holding? _ext4Meta;

    private bool Ext4MetadataBlocks(int n)
    {
        bool ok = true;
        for (int i = 0; i < n && ok; i++)
        {
            ok = Ext4MetadataBlock();
        }
        return ok;
    }

    /// <summary>
    /// One metadata block of the disk read or created through sb_getblk → __getblk_gfp(bdev, block, 4096,
    /// __GFP_MOVABLE) → grow_dev_page: a page of the block device's mapping (GFP_USER, bdev_alloc's mask, with
    /// __GFP_MOVABLE: movable pageblocks) and its buffer_head (alloc_page_buffers; SLAB_RECLAIM_ACCOUNT). The journal
    /// holds every metadata buffer it logged (a journal_head and a b_count reference until the transaction is
    /// checkpointed), so try_to_free_buffers fails on them and drop_caches leaves the page and its buffer head:
    /// the guest's file pages grow by 1378 with 20000 files (1250 inode-table blocks, directory blocks, bitmaps) and
    /// stay after drop_caches 3.
    /// </summary>
    private bool Ext4MetadataBlock()
    {
        _ext4Meta ??= NewHolding("(ext4 metadata)");
        AllocResult r = _m.Allocate(0, Gfp.User | GfpFlags.Movable, 0, PageUse.Kernel);
        if (!r.Success)
        {
            return false;
        }
        TagPage(_ext4Meta, r.Pfn);
        SetBufferHead(_ext4Meta, _ext4Meta.Pages.Count - 1);
        return true;
    }

    /// <summary>
    /// An inode taken in the inode table: __ext4_new_inode → ext4_mark_inode_dirty → ext4_get_inode_loc reads (or, for
    /// a block with no other inode in use, creates) the inode table block holding it; 4096 / 256 = 16 inodes per block.
    /// A new directory's inode goes to a fresh block group (find_group_orlov for a directory under the root), its
    /// files follow it in the same group (find_group_other), one inode after the other: a new inode-table block for
    /// the directory and every 16th inode after it.
    /// </summary>
    private bool Ext4InodeSlot(long slot) => slot % (Ext4BlockSize / Ext4InodeSize) != 0 || Ext4MetadataBlock();

    /// <summary>
    /// A directory of ext4 with dir_index: entries (EXT4_DIR_REC_LEN: 8 bytes + the name rounded up to 4) fill block 0
    /// after "." and ".."; the entry that no longer fits makes it an htree (make_indexed_dir: block 0 becomes the dx
    /// root, its entries move to a new leaf that do_split halves into a second new leaf), and from then on every entry
    /// goes to the leaf of its name's hash, a full leaf being split in two by size (do_split, one new block). The
    /// names' hashes are uniform (half_md4 with the file system's random s_hash_seed), so a fixed-seed hash of the
    /// name stands for it: the block count and when each block is created follow the kernel's rules, not which
    /// names share a leaf. Every new block is a metadata block (ext4_append → ext4_bread → sb_getblk).
    /// </summary>
    internal sealed class Ext4Dir
    {
        private const int Capacity = Ext4BlockSize - Ext4DirTail;

        // "." (12) and ".." (the rest of the block once indexed; 12 while linear)
        private int _linearBytes = 24;
        private List<(uint Lo, List<(uint Hash, int Len)> Entries, int Bytes)>? _leaves;
        private readonly List<(uint Hash, int Len)> _linear = [];

        /// <summary>Adds an entry; returns the number of new directory blocks.</summary>
        public int Add(string name)
        {
            int len = (name.Length + 8 + 3) & ~3;
            uint hash = Hash(name);
            if (_leaves == null)
            {
                if (_linearBytes + len <= Capacity)
                {
                    _linearBytes += len;
                    _linear.Add((hash, len));
                    return 0;
                }
                // make_indexed_dir: block 1 gets the entries, do_split moves half of them to block 2
                _leaves = [(0, _linear, _linearBytes - 24)];
                Split(0);
                return 2 + Insert(hash, len);
            }
            return Insert(hash, len);
        }

        private int Insert(uint hash, int len)
        {
            int i = _leaves!.Count - 1;
            while (_leaves[i].Lo > hash)
            {
                i--;
            }
            int created = 0;
            if (_leaves[i].Bytes + len > Capacity)
            {
                Split(i);
                created = 1;
                if (_leaves[i + 1].Lo <= hash)
                {
                    i++;
                }
            }
            (uint lo, List<(uint Hash, int Len)> e, int bytes) = _leaves[i];
            e.Add((hash, len));
            _leaves[i] = (lo, e, bytes + len);
            return created;
        }

        // do_split: sort the leaf's entries by hash and move the upper half (by size) to a new leaf
        private void Split(int i)
        {
            (uint lo, List<(uint Hash, int Len)> e, int bytes) = _leaves![i];
            e.Sort((a, b) => a.Hash.CompareTo(b.Hash));
            int moved = 0, k = e.Count;
            while (k > 1 && moved + e[k - 1].Len <= bytes / 2)
            {
                moved += e[--k].Len;
            }
            List<(uint Hash, int Len)> upper = e.GetRange(k, e.Count - k);
            e.RemoveRange(k, e.Count - k);
            _leaves[i] = (lo, e, bytes - moved);
            _leaves.Insert(i + 1, (upper.Count > 0 ? upper[0].Hash : uint.MaxValue, upper, moved));
        }

        // FNV-1a with murmur3's fmix32 finaliser, a fixed stand-in for ext4's seeded half_md4 (any well-mixed hash gives
        // the same split statistics)
        private static uint Hash(string s)
        {
            uint h = 2166136261;
            foreach (char c in s)
            {
                h = (h ^ c) * 16777619;
            }
            h ^= h >> 16;
            h *= 0x85ebca6b;
            h ^= h >> 13;
            h *= 0xc2b2ae35;
            return h ^ (h >> 16);
        }
    }
}
