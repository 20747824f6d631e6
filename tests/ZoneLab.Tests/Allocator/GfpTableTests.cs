using ZoneLab.Allocator;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Allocator;

/// <summary>The one GFP table against the kernel headers' values, typed in from the sources named on each case.</summary>
public class GfpTableTests
{
    [Theory]
    // include/linux/gfp_types.h of v6.1 (CONFIG_LOCKDEP, KASAN off): the ___GFP_* values.
    [InlineData("__GFP_HIGHMEM", 0x02u)]
    [InlineData("__GFP_MOVABLE", 0x08u)]
    [InlineData("__GFP_RECLAIMABLE", 0x10u)]
    [InlineData("__GFP_ZERO", 0x100u)]
    [InlineData("__GFP_ATOMIC", 0x200u)]
    [InlineData("__GFP_DIRECT_RECLAIM", 0x400u)]
    [InlineData("__GFP_KSWAPD_RECLAIM", 0x800u)]
    [InlineData("__GFP_WRITE", 0x1000u)]
    [InlineData("__GFP_NOWARN", 0x2000u)]
    [InlineData("__GFP_COMP", 0x40000u)]
    [InlineData("__GFP_HARDWALL", 0x100000u)]
    [InlineData("__GFP_ACCOUNT", 0x400000u)]
    [InlineData("__GFP_SKIP_KASAN_POISON", 0x4000000u)]
    // The masks of the same header: GFP_KERNEL = __GFP_RECLAIM(0xc00)|__GFP_IO|__GFP_FS; GFP_ATOMIC =
    // __GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM; GFP_HIGHUSER_MOVABLE = GFP_USER(0xcc0|0x100000)|HIGHMEM|MOVABLE.
    [InlineData("GFP_KERNEL", 0xcc0u)]
    [InlineData("GFP_ATOMIC", 0xa20u)]
    [InlineData("GFP_HIGHUSER_MOVABLE", 0x100ccau)]
    public void NamesOf61HaveTheBitsOfItsHeader(string name, uint bits)
    {
        Assert.True(GfpTable.TryLookup(name, 601, out GfpFlags f));
        Assert.Equal(bits, (uint)f);
    }

    [Fact]
    public void GfpAtomicLosesTheAtomicBitInV63()
    {
        // "mm: discard __GFP_ATOMIC" (v6.3): GFP_ATOMIC = __GFP_HIGH|__GFP_KSWAPD_RECLAIM = 0x20|0x800.
        Assert.True(GfpTable.TryLookup("GFP_ATOMIC", 602, out GfpFlags v62));
        Assert.True(GfpTable.TryLookup("GFP_ATOMIC", 603, out GfpFlags v63));
        Assert.Equal(0xa20u, (uint)v62);
        Assert.Equal(0x820u, (uint)v63);
    }

    [Fact]
    public void OtherKernelsNamesKeepTheirMeaning()
    {
        // __GFP_REPEAT became __GFP_RETRY_MAYFAIL (v4.13, 6.1 bit 0x4000); __GFP_COLD has no allocator meaning.
        Assert.True(GfpTable.TryLookup("__GFP_REPEAT", 601, out GfpFlags repeat));
        Assert.Equal(0x4000u, (uint)repeat);
        Assert.True(GfpTable.TryLookup("__GFP_COLD", 409, out GfpFlags cold));
        Assert.Equal(0u, (uint)cold);
        Assert.False(GfpTable.TryLookup("__GFP_BOGUS", 601, out _));
    }

    [Fact]
    public void V44MaskDecodesToItsMeaning()
    {
        // v4.4 include/linux/gfp.h: GFP_KERNEL = __GFP_RECLAIM(DIRECT 0x400000|KSWAPD 0x2000000)|IO 0x40|FS 0x80 = 0x24000c0;
        // __GFP_COLD 0x100 and __GFP_NOTRACK 0x200000 mean nothing to the allocator.
        Assert.Equal(Gfp.Kernel, GfpTable.FromBitsV4_4(0x24000c0));
        Assert.Equal(Gfp.Kernel, GfpTable.FromBitsV4_4(0x24000c0 | 0x100 | 0x200000));
        // __GFP_ZERO was 0x8000, __GFP_WRITE 0x1000000 (6.1: 0x100, 0x1000).
        Assert.Equal(0x1100u, (uint)GfpTable.FromBitsV4_4(0x1008000));
    }

    [Fact]
    public void TheTraceClassesAreThe61MasksInTheKernelsOrder()
    {
        // include/trace/events/mmflags.h (6.1) __def_gfpflag_names opens with these eleven masks.
        string[] expected = ["GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER",
            "GFP_KERNEL_ACCOUNT", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT"];
        Assert.Equal(expected, TraceGfpFlags.Composites.ToArray().Select(c => c.Name));
    }

    [Fact]
    public void MigratetypeShiftIsTheMovableBit()
    {
        // gfp_migratetype(): (gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT, GFP_MOVABLE_SHIFT 3 (__GFP_MOVABLE 0x08).
        Assert.Equal(MigrateType.Movable, Gfp.MigrateTypeOf((GfpFlags)0x08));
        Assert.Equal(MigrateType.Reclaimable, Gfp.MigrateTypeOf((GfpFlags)0x10));
    }
}
