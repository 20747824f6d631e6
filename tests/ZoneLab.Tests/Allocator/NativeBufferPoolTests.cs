using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// A disposed machine's per-pfn mappings are reused by the next machine of the same size: it must boot as on fresh
/// memory. (Test classes run in parallel, so another test may take the mappings first; then this one boots on fresh
/// memory and proves less, never fails wrongly.)
/// </summary>
public class NativeBufferPoolTests
{
    [Fact]
    public void AMachineBootedOnAReusedMappingIsTheBootOfAFreshOne()
    {
        // Tiny: DMA32 [4096, 8192), four free order-10 blocks and nothing allocated at boot
        var dirty = new Machine(TestMachines.Tiny());
        for (int k = 0; k < 200; k++)
        {
            dirty.Allocate(k % 3, k % 2 == 0 ? Gfp.Kernel : Gfp.HighUserMovable);
        }
        dirty.Dispose();

        var m = new Machine(TestMachines.Tiny());
        InvariantChecker.Check(m);
        Assert.Equal(0, m.AllocatedPages(4096, 8192));
        Assert.Equal(4096, m.TotalFreePages());
        Assert.Equal(4, m.AreaNrFree(m.ZoneIndexOf(4096), Pageblock.MaxOrder));
        m.Dispose();
    }
}
