using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// Runtime gigantic pages against the real arm64 boot Fixtures/arm64-6.1/g-4G-movablecore2G-gigantic-runtime
/// (Debian 6.1, QEMU virt 4 GiB, movablecore=2G): right after boot, <c>echo 4 &gt; nr_hugepages</c> of 1 GiB pages
/// gets exactly one, at pfn 0x80000; freed and asked again, the same page.
/// </summary>
public class GiganticRuntimeTests
{
    private const ulong Gigantic = 1UL << (30 - Page.Shift); // 262144 pages

    [Fact]
    public void FreshBootGivesOneGigantic1GiBPageAt0x80000()
    {
        BootLayout layout = new LayoutBuilder().ForArm64(4UL << 30).WithCommandLine("console=ttyAMA0 panic=-1 nokaslr movablecore=2G").Build();
        using DesignMachine dm = DesignFactory.For(DesignKind.MigrateCma).Build(layout, KernelVersion.V6_1);
        // alloc_gigantic_folio() → alloc_contig_pages(262144, GFP_HIGHUSER, nid 0): gigantic pages are not movable,
        // so ZONE_MOVABLE is not in the zonelist; windows of ZONE_DMA [0x40000, 0x100000) aligned to 262144 pages:
        // [0x40000,0x80000) holds the kernel image (reserved), [0x80000,0xC0000) is free, [0xC0000,0x100000) holds the
        // CMA area, swiotlb and top-down boot allocations.
        var got = new List<ulong>();
        for (int k = 0; k < 4; k++)
        {
            ulong? pfn = dm.Contig.AllocContigPages(Gigantic, 0, ZoneType.Normal, out _);
            if (pfn is ulong p)
            {
                got.Add(p);
            }
        }
        Assert.Equal(new ulong[] { 0x80000 }, got);
        dm.Contig.FreeContigRange(0x80000, Gigantic);
        Assert.Equal(0x80000UL, dm.Contig.AllocContigPages(Gigantic, 0, ZoneType.Normal, out _));
    }
}

/// <summary>
/// Fixtures/arm64-6.1/f-3G-hugetlb_cma1G-alloc (QEMU virt 3 GiB, hugetlb_cma=1G): the hugetlb area is reserved at
/// 0xbf800000, not 1 GiB aligned, so <c>cma_alloc(hugetlb0, 262144, order 18)</c> finds no aligned window, and the
/// fallback alloc_contig_pages() finds every 1 GiB window blocked (kernel image; CMA pageblocks of both areas):
/// <c>echo 1 &gt; nr_hugepages</c> and <c>echo 2</c> both read back 0.
/// </summary>
public class HugetlbCmaRuntimeTests
{
    [Fact]
    public void NoGigantic1GiBPageCanBeHadOnTheRealLayout()
    {
        BootLayout layout = new LayoutBuilder().ForArm64(3UL << 30).WithCommandLine("console=ttyAMA0 panic=-1 nokaslr hugetlb_cma=1G").Build();
        using DesignMachine dm = DesignFactory.For(DesignKind.MigrateCma).Build(layout, KernelVersion.V6_1);
        CmaAllocator hugetlb = dm.Area("hugetlb0")!;
        Assert.Equal(0xbf800UL, hugetlb.BasePfn);
        CmaAllocResult r = hugetlb.Allocate(1UL << 18, align: 18, noWarn: true);
        Assert.False(r.Success);
        Assert.Equal(ContigFailure.NoWindow, r.Failure);
        Assert.Null(dm.Contig.AllocContigPages(1UL << 18, 0, ZoneType.Normal, out _));
    }
}
