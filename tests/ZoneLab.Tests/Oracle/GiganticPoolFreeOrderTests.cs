using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// Issue 14, cma-under-dirty-pagecache (arm64, hugetlb_cma=1G at 4 GiB: pfns [0x100000, 0x140000)): the order in which
/// shrinking the gigantic pool frees its pages decides where the next movable allocations land in the CMA area, and
/// so how many pages the next full-area pass migrates twice.
/// </summary>
public class GiganticPoolFreeOrderTests
{
    private const string Yaml = """
        archs: [arm64]
        machine: {mem: 5G, disk: 1G, cmdline: hugetlb_cma=1G, icount: 0}
        steps:
          - gigantic: 32
          - gigantic: 0
          - anon: {name: a, size: 4M, nothp: true}
        """;

    [Fact]
    public void TheLastWindowFreedTopsTheCmaFreeListAndTakesTheNextMovablePages()
    {
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", "cma-under-dirty-pagecache", "arm64", "run1");
        OracleWorkload w = OracleWorkloadLoader.Load(Yaml, "test", "gigantic-free-order");
        using OracleEngineRunner e = OracleEngineRunner.Run(w, OracleRecording.Read(dir));

        // By hand from 6.1: cma_alloc() gives the 32 pages of 32 MiB in windows 0..31 of the area (lowest free bitmap
        // range first); each is enqueue_huge_page()d at the head of the pool's free list, so the head is window 31.
        // set_max_huge_pages(0): remove_pool_huge_page() takes the free list's head (31, 30, ..., 0) and list_add()s
        // each to page_list, whose head is then window 0; update_and_free_pages_bulk() walks page_list from the head,
        // so windows are freed 0 first, 31 last, each by free_contig_range() in ascending pfn. __free_one_page() puts
        // an order-10 (MAX_ORDER - 1) block at the head of its list (buddy_merge_likely() is false for
        // order >= MAX_ORDER - 2), so the CMA order-10 list's head is the last block freed: [0x13fc00, 0x140000).
        // anon 4M is 1024 movable order-0 faults; CMA free (the whole area) is over half the zone's free pages, so
        // __rmqueue() takes each from __rmqueue_cma_fallback() -> __rmqueue_smallest(): the first splits that head
        // block and expand() leaves its upper halves for the next 1023, so the 1024 pages are exactly that block.
        var heads = new List<(int Index, int Order)>();
        var m = e.Machine;
        m.AllocatedHeads(m.IndexOfPfn(0x13fc00), m.IndexOfPfn(0x140000), heads);
        Assert.Equal(1024, heads.Sum(h => 1 << h.Order));
        m.AllocatedHeads(m.IndexOfPfn(0x100000), m.IndexOfPfn(0x13fc00), heads);
        Assert.Empty(heads);
    }
}
