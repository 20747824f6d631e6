using ZoneLab.Layout;
using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Tests.Contiguous;

/// <summary>cma_declare_contiguous_nid() rules of mm/cma.c (6.1), each case derived by hand from the source.</summary>
public class CmaDeclarationTests
{
    private const ulong M = 1UL << 20;
    private const ulong G = 1UL << 30;

    private static (CmaDeclaration Decl, BootLog Log) Machine(ulong start, ulong size, int areas = 19)
    {
        var mb = new MemblockAllocator(16);
        mb.AddNode(start, size, 0);
        var log = new BootLog();
        return (new CmaDeclaration(mb, new CmaAreaTable(areas), log), log);
    }

    private static int Declare(CmaDeclaration d, ulong b, ulong size, ulong limit, bool fixedBase, out CmaArea? a, ulong align = 0, int opb = 0) =>
        d.DeclareContiguousNid(b, size, limit, align, opb, fixedBase, "reserved", MemblockAllocator.NumaNoNode, CmaAreaKind.DmaDefault, out a);

    [Fact]
    public void SizeIsRoundedUpToTheTwoMebibytePageblock()
    {
        var (d, log) = Machine(0x40000000, 2 * G);
        Assert.Equal(0, Declare(d, 0, 99 * M, 0, false, out CmaArea? a));
        Assert.Equal(100 * M, a!.Size); // ALIGN(99 MiB, CMA_MIN_ALIGNMENT_BYTES = 2 MiB)
        Assert.Equal(0xc0000000 - 100 * M, a.Base);
        Assert.Equal("cma: Reserved 100 MiB at 0x00000000b9c00000", Assert.Single(log.Lines).Text);
    }

    [Fact]
    public void AFixedBaseMustBeAligned()
    {
        var (d, log) = Machine(0x40000000, 2 * G);
        Assert.Equal(-Errno.EINVAL, Declare(d, 0x40100000, 64 * M, 0x40100000 + 64 * M, true, out _));
        Assert.Equal(new[] { "cma: Region at 0x0000000040100000 must be aligned to 0x0000000000200000 bytes", "cma: Failed to reserve 64 MiB" }, log.Lines.Select(l => l.Text));
    }

    [Fact]
    public void AFixedBaseOnReservedMemoryIsBusy()
    {
        var (d, log) = Machine(0x40000000, 2 * G);
        d.Memblock.Reserve(0x48000000, 1 * M); // an initrd
        Assert.Equal(-Errno.EBUSY, Declare(d, 0x48000000, 64 * M, 0x4c000000, true, out _));
        Assert.Equal("cma: Failed to reserve 64 MiB", Assert.Single(log.Lines).Text);
    }

    [Fact]
    public void ARangeWithoutFixedEndIsFilledTopDown()
    {
        // cma=64M@0x50000000-0x70000000: base 0x50000000, limit 0x70000000, not fixed → round_down(0x70000000 - 64M, 2M)
        var (d, _) = Machine(0x40000000, 2 * G);
        Assert.Equal(0, Declare(d, 0x50000000, 64 * M, 0x70000000, false, out CmaArea? a));
        Assert.Equal(0x6c000000UL, a!.Base);
    }

    [Fact]
    public void ASizeBeyondTheLimitIsRejected()
    {
        var (d, log) = Machine(0x40000000, 2 * G);
        Assert.Equal(-Errno.EINVAL, Declare(d, 0xb0000000, 512 * M, 0, false, out _));
        Assert.Equal("cma: Size (0x0000000020000000) of region at 0x00000000b0000000 exceeds limit (0x00000000c0000000)", log.Lines[0].Text);
    }

    [Fact]
    public void WithEnoughMemoryAboveFourGibItGoesBottomUpFromFourGib()
    {
        // memblock_end = 0x240000000 >= 4 GiB + 2 GiB: bottom-up in [4 GiB, limit) first
        var (d, _) = Machine(0x40000000, 8 * G);
        Assert.Equal(0, d.DeclareContiguousNid(0, 2 * G, 0, 2 * M, 9, false, "hugetlb0", 0, CmaAreaKind.Hugetlb, out CmaArea? a));
        Assert.Equal(0x100000000UL, a!.Base);
    }

    [Fact]
    public void BelowFourGibOnlyTheLimitKeepsItTopDown()
    {
        // the default area's limit (arm64_dma_phys_limit = 4 GiB) leaves no room above 4 GiB: top-down below it
        var (d, _) = Machine(0x40000000, 8 * G);
        Assert.Equal(0, Declare(d, 0, 64 * M, 4 * G, false, out CmaArea? a));
        Assert.Equal(0xfc000000UL, a!.Base);
    }

    [Fact]
    public void SlotsRunOut()
    {
        // MAX_CMA_AREAS = CONFIG_CMA_AREAS + 1 in 6.1
        var (d, log) = Machine(0x40000000, 2 * G, areas: 1);
        Assert.Equal(0, Declare(d, 0, 2 * M, 0, false, out _));
        Assert.Equal(0, Declare(d, 0, 2 * M, 0, false, out _));
        Assert.Equal(-Errno.ENOSPC, Declare(d, 0, 2 * M, 0, false, out _));
        Assert.Equal("cma: Not enough slots for CMA reserved regions!", log.Lines[^1].Text);
    }

    [Fact]
    public void OrderPerBitMustDivideTheSize()
    {
        var (d, _) = Machine(0x40000000, 2 * G);
        // 2 MiB = 512 pages is not a multiple of 2^10 pages
        Assert.Equal(-Errno.EINVAL, Declare(d, 0, 2 * M, 0, false, out _, opb: 10));
    }

    [Fact]
    public void AnAlignmentThatIsNotAPowerOfTwoIsRejected()
    {
        var (d, _) = Machine(0x40000000, 2 * G);
        Assert.Equal(-Errno.EINVAL, Declare(d, 0, 64 * M, 0, false, out _, align: 3 * M));
    }
}
