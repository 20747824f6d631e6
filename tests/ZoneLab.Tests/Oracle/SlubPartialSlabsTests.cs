using ZoneLab.Allocator;
using ZoneLab.Oracle;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// SLUB's partial slabs in the oracle's engine (SlabCache): what 6.1's mm/slub.c keeps of a cache after its objects
/// are freed, derived by hand from set_min_partial, set_cpu_partial, __slab_free, put_cpu_partial and
/// __unfreeze_partials.
/// </summary>
public class SlubPartialSlabsTests
{
    [Theory]
    // s->size, objects per slab (the guests' slabinfo), min_partial = clamp(ilog2(size) / 2, 5, 10),
    // cpu_partial_slabs = DIV_ROUND_UP(2 * nr_objects, objects per slab) with nr_objects 120/52/24/6 by size
    [InlineData(192, 21, 5, 12)]     // dentry: ilog2 7 → 3 → 5; 240 / 21 → 12
    [InlineData(104, 39, 5, 7)]      // buffer_head: ilog2 6 → 3 → 5; 240 / 39 → 7
    [InlineData(584, 14, 5, 8)]      // radix_tree_node: ilog2 9 → 4 → 5; 104 / 14 → 8
    [InlineData(1192, 13, 5, 4)]     // ext4_inode_cache: ilog2 10 → 5; 48 / 13 → 4
    [InlineData(4096, 8, 6, 2)]      // kmalloc-4k: ilog2 12 → 6; 12 / 8 → 2
    [InlineData(8192, 4, 6, 3)]      // kmalloc-8k: ilog2 13 → 6; 12 / 4 → 3
    [InlineData(1 << 22, 1, 10, 12)] // ilog2 22 → 11, capped at MAX_PARTIAL 10; 12 / 1 → 12
    public void MinPartialAndCpuPartialSlabsFollowTheKernelFormulas(int size, int perSlab, int minPartial, int cpuPartialSlabs)
    {
        Assert.Equal(minPartial, SlabCache.MinPartialFor(size));
        Assert.Equal(cpuPartialSlabs, SlabCache.CpuPartialSlabsFor(size, perSlab));
    }

    [Fact]
    public void AMassFreeInAllocationOrderKeepsTheFirstMinPartialTheLastCpuPartialsAndTheCpuSlab()
    {
        var m = new Machine(new MachineSpec(TestMachines.Small(KernelVersion.V6_1)));
        var c = new SlabCache("dentry", 21, 0, 192, reclaimable: true);
        var runs = new List<(int Slab, int Count)>();
        int pages = 0;
        Assert.True(c.Add(m, 100 * 21, (_, _, _) => ++pages > 0, runs));
        Assert.Equal(100, pages);
        long free = m.TotalFreePages();

        // Slabs 1-99 are full (on no list), slab 100 is the CPU slab. Freeing in allocation order: the first free in
        // a full slab freezes it onto c->partial; slab 13's first free finds 12 slabs there (cpu_partial_slabs),
        // all empty by then, and unfreezes them newest first: 12, 11, 10, 9, 8 go to n->partial (nr_partial < 5),
        // 7..1 are discarded. From then on every group of 12 is discarded whole (nr_partial = 5): groups 13-24 ..
        // 85-96. Slabs 97, 98, 99 are left on c->partial, slab 100 stays the CPU slab: 5 + 3 + 1 = 9 slabs kept.
        var discarded = new List<ulong>();
        c.RemoveAll(runs, discarded);
        Assert.Equal(0, c.Objects);
        Assert.Equal(91, discarded.Count);
        Assert.Equal(9, c.LiveSlabs);
        Assert.Equal(free, m.TotalFreePages()); // the cache gives pages back through its caller

        // The kept slabs take new objects before any new page: the CPU slab, c->partial (99, 98, 97), n->partial.
        var again = new List<(int Slab, int Count)>();
        Assert.True(c.Add(m, 9 * 21, (_, _, _) => ++pages > 0, again));
        Assert.Equal(100, pages);
        Assert.True(c.Add(m, 1, (_, _, _) => ++pages > 0, again));
        Assert.Equal(101, pages);
    }

    [Fact]
    public void AnEmptiedSlabOfTheNodeListIsKeptWhileTheNodeHasFewerThanMinPartial()
    {
        var m = new Machine(new MachineSpec(TestMachines.Small(KernelVersion.V6_1)));
        // kmalloc-8k geometry: 4 objects per slab, min_partial 6, cpu_partial_slabs 3
        var c = new SlabCache("kmalloc-8k", 4, 3, 8192, reclaimable: false);
        var slabs = new List<List<(int Slab, int Count)>>();
        for (int i = 0; i < 5; i++)
        {
            var r = new List<(int Slab, int Count)>();
            Assert.True(c.Add(m, 4, (_, _, _) => true, r));
            slabs.Add(r);
        }
        var discarded = new List<ulong>();
        // one object out of slabs 0, 1, 2 (each goes to c->partial), then of slab 3: c->partial holds 3 =
        // cpu_partial_slabs, so 2, 1, 0 (3 objects each, not empty) move to n->partial; slab 3 is frozen
        for (int i = 0; i < 4; i++)
        {
            c.Remove(slabs[i], 1, discarded);
        }
        // empty slab 0, now on n->partial: nr_partial is 3 < min_partial 6, so __slab_free keeps it
        c.Remove(slabs[0], 3, discarded);
        Assert.Empty(discarded);
        Assert.Equal(5, c.LiveSlabs);
    }

    [Fact]
    public void Ext4DirectoryBlocksFollowMakeIndexedDirAndDoSplit()
    {
        var d = new OracleEngineRunner.Ext4Dir();
        // "0".."337": names of 1-3 characters, EXT4_DIR_REC_LEN = 8 + 4 = 12 bytes. Block 0 holds "." and ".."
        // (24 bytes) and 4096 - 12 (the metadata_csum tail) = 4084 bytes of entries: 24 + 338 * 12 = 4080 fit.
        for (int i = 0; i < 338; i++)
        {
            Assert.Equal(0, d.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        // the 339th makes the directory an htree: block 1 gets the entries and do_split moves half to block 2
        Assert.Equal(2, d.Add("338"));
        // from then on a split adds one block, and do_split leaves each half at least half of the full leaf less one
        // entry (a leaf splits when 4084 - 16 < its bytes: at least 4068 / 2 - 16 = 2018 bytes each). 20000 entries
        // of 12 (the 10000 names under 10000) and 16 bytes (10000 five-digit names), 280000 bytes, need at least
        // 280000 / 4084 → 69 leaves and at most 280000 / 2018 → 138
        int leaves = 2;
        for (int i = 339; i < 20000; i++)
        {
            int n = d.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.InRange(n, 0, 1);
            leaves += n;
        }
        Assert.InRange(leaves, 69, 138);
    }

    [Fact]
    public void DropCachesFreesTheFilesBufferHeadsAndXaNodesIntoSlubsPartialSlabs()
    {
        // the drop-caches-hugepages x86_64 guest (512 MiB, ext4 disk); its slabinfo: buffer_head 104 bytes, 39 per
        // order-0 slab; radix_tree_node 584 bytes, 14 per order-1 slab
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", "drop-caches-hugepages", "x86_64", "run1");
        OracleWorkload w = OracleWorkloadLoader.Load("machine: {mem: 512M, disk: 512M}\nsteps:\n  - file: {name: f, size: 64M, on: disk}\n  - drop_caches: 1\n", "test", "test");
        using OracleEngineRunner e = OracleEngineRunner.Run(w, OracleRecording.Read(dir));
        long Free(int k) => e.Snapshots[k].Vmstat["nr_free_pages"];

        // 64 MiB = 16384 clean ext4 pages: 16384 buffer heads in 421 slabs (420 full + 4 objects) and 256 xa_nodes in
        // 19 slabs of 2 pages (18 full + 4 objects)
        Assert.Equal(-(16384 + 421 + (19 * 2)), Free(1) - Free(0));
        // drop_caches 1 frees them in file order (invalidate_mapping_pages; xa_nodes once their 64 slots are empty).
        // buffer_head (min_partial 5, cpu_partial_slabs 7): slabs 7..3 stay on n->partial, the last group of 7
        // (414..420) on c->partial, 421 is the CPU slab: 13 pages. radix_tree_node (5, 8): 8..4 on n->partial,
        // 17 and 18 on c->partial, 19 the CPU slab: 8 slabs, 16 pages. Before SLUB's lists were modelled the
        // engine kept no page of either, and before xa_nodes were freed on invalidation it kept all 38.
        Assert.Equal(-(13 + 16), Free(2) - Free(0));
    }
}
