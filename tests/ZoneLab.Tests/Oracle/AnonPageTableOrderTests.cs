using ZoneLab.Allocator;
using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// Where an anon step's page tables come in its allocation sequence (OracleEngineRunner.Steps.Anon.cs): 6.1's
/// do_anonymous_page calls pte_alloc() before it allocates the data page, so each 512-page range's PTE page comes just
/// before the range's first page, not after all of the mapping's pages.
/// </summary>
public class AnonPageTableOrderTests
{
    [Fact]
    public void APageTableComesBeforeEachRangeOf512Pages()
    {
        // The kernel's own sequence (oracle/page-state/frag-then-hugepages/x86_64/run1/step1.allocs.txt, the
        // kmem:mm_page_alloc runs of the 320 MiB anon step): the order-0 unmovable GFP_KERNEL_ACCOUNT|__GFP_ZERO
        // allocations come after 1, 165, 677, 1189, ... movable pages, 512 apart from the second one on: one PTE page per
        // PMD range, allocated at the range's first fault (the mapping starts 164 pages before a 2 MiB boundary). The
        // engine's mapping is taken PMD-aligned (the guest's mmap base is not recorded), so its tables come after 0,
        // 512, 1024, ... movable pages: 160 of them for 81920 pages. Before this change all 160 came after the
        // 81920 movable pages.
        string dir = Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", "frag-then-hugepages", "x86_64");
        OracleRecording rec = OracleCompare.Runs(dir).Select(OracleRecording.Read).First();
        OracleWorkload w = OracleWorkloadLoader.LoadFile(Path.Combine(OracleWorkloadTests.Root, "oracle", "workloads", "frag-then-hugepages.yaml"));
        using OracleEngineRunner e = OracleEngineRunner.Run(w, rec);
        long movable = 0;
        var before = new List<long>();
        foreach (LandedAlloc a in e.Allocations[0])
        {
            if (a.Order == 0 && a.Migratetype == MigrateType.Movable)
            {
                movable++;
            }
            else if (a.Order == 0 && a.Migratetype == MigrateType.Unmovable)
            {
                before.Add(movable);
            }
        }

        Assert.Equal(81920, movable);
        Assert.Equal(160, before.Count);
        Assert.All(before.Select((m, i) => (m, i)), x => Assert.Equal(512L * x.i, x.m));
    }
}
