namespace ZoneLab.Tests.Robustness;

/// <summary>
/// Issue 15: the fuzzing campaign's mutated QEMU virt device tree (Fixtures/fuzz-corpus/slow-layout-dtb-128TiB-1717)
/// laid out a 128 TiB arm64 machine in 49 s at load 55. Its root lost <c>#address-cells</c> (mutated to
/// <c>#addreSs-cells</c>), so the default of one address cell and the root's two size cells read
/// <c>reg = &lt;0x0 0x40000000 0x1 0x80000000&gt;</c> as RAM at 0 of 0x4000000000000001 bytes; arm64_memblock_init()
/// keeps what fits the linear map, 2^(VA_BITS-1) = 2^47 bytes with 48-bit VAs. The layout is asserted, not timed.
/// </summary>
[Collection(InProcessCollection.Name)]
public class LargeLayoutTests
{
    [Fact]
    public void TheMutatedDeviceTreeIsLaidOutAsTheLinearMapAllows()
    {
        string dtb = FixturePath.Get("fuzz-corpus", "slow-layout-dtb-128TiB-1717", "board.dtb");
        InProcessResult r = InProcessZonelab.Run(["layout", "--dtb", dtb], TimeSpan.FromSeconds(120));
        Assert.Null(r.Crash);
        Assert.True(r.Exit == 0, $"exit {r.Exit}: {r.Err}");
        // 2^47 bytes / 4 KiB = 2^35 = 34,359,738,368 pages; ZONE_DMA is [0, 4 GiB) = 1,048,576 pages
        Assert.Contains("total 34,359,738,368 pages", r.Out);
        // memory blocks of one 128 MiB section (SECTION_SIZE_BITS 27): 2^47 / 2^27 = 2^20
        Assert.Contains("memory block 128 MiB", r.Out);
        Assert.Contains("memory blocks (1048576):", r.Out);
        Assert.Contains("memory32-1048575 node 0  valid_zones=Normal", r.Out);
    }
}
