using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// The per-pageblock zone byte (Machine.ZoneMap.cs) that answers page_zonenum for every pfn of a pageblock whose pfns
/// share one zone, and sends a pageblock straddling a zone boundary (or a hole's edge) to the per-pfn byte.
/// </summary>
public class PageblockZoneTests
{
    [Fact]
    public void ABlockStraddlingAZoneBoundaryOrAHoleIsMixedAndEachPfnKeepsItsZone()
    {
        // DMA [1, 4100), DMA32 [4100, 16384); the map starts at pfn 0 (base aligned down to 1024) and ends at 16384.
        // Pageblocks are 512 pfns: block 0 = [0, 512) holds the hole pfn 0 (no zone) and DMA pfns 1-511 -> mixed;
        // blocks 1-7 = [512, 4096) are DMA (zone index 0); block 8 = [4096, 4608) holds DMA 4096-4099 and DMA32
        // 4100-4607 -> mixed; blocks 9-31 are DMA32 (zone index 1). 16384 / 512 = 32 blocks.
        var spec = new MachineSpec(
        [
            MachineSpec.Zone(0, ZoneType.Dma, 1, 4100),
            MachineSpec.Zone(0, ZoneType.Dma32, 4100, 16384),
        ])
        { DebugChecks = true };
        using var m = new Machine(spec);
        m.MaterializeAll();
        ReadOnlySpan<byte> blocks = m.BlockZoneArray;
        Assert.Equal(32, blocks.Length);
        Assert.Equal(Machine.MixedBlockZone, blocks[0]);
        for (int b = 1; b <= 7; b++)
        {
            Assert.Equal(0, blocks[b]);
        }

        Assert.Equal(Machine.MixedBlockZone, blocks[8]);
        for (int b = 9; b < 32; b++)
        {
            Assert.Equal(1, blocks[b]);
        }

        Assert.Equal(Machine.NoZone, m.ZoneAt(0));
        Assert.Equal(0, m.ZoneAt(1));
        Assert.Equal(0, m.ZoneAt(4099));
        Assert.Equal(1, m.ZoneAt(4100));
        Assert.Equal(-1, m.ZoneIndexOf(0));
        Assert.Equal(0, m.ZoneIndexOf(4099));
        Assert.Equal(1, m.ZoneIndexOf(4100));
    }

    [Fact]
    public void EveryPfnsZoneFromItsPageblockIsItsOwnZoneByte()
    {
        // Random zone boundaries (most not pageblock aligned), then random allocations and frees, which link pristine
        // boot blocks (their zone bytes are written late) and merge buddies across the boundary's block: at every
        // step each pfn's zone through the pageblock byte is its per-pfn zone byte, and each pageblock byte is the
        // shared zone byte of its pfns or mixed.
        Gen.Select(Gen.Int[1, 8000], Gen.Int[1024, 8192], Gen.Int[0, int.MaxValue]).Sample((dmaEnd, dma32Pages, seed) =>
        {
            var spec = new MachineSpec(
            [
                MachineSpec.Zone(0, ZoneType.Dma, 1, (ulong)dmaEnd + 1),
                MachineSpec.Zone(0, ZoneType.Dma32, (ulong)dmaEnd + 1, (ulong)(dmaEnd + 1 + dma32Pages)),
            ]);
            using var m = new Machine(spec);
            AssertAgree(m);
            var rng = new Random(seed);
            var held = new List<(ulong Pfn, int Order)>();
            for (int k = 0; k < 300; k++)
            {
                if (held.Count > 0 && rng.Next(3) == 0)
                {
                    int j = rng.Next(held.Count);
                    m.Free(held[j].Pfn, held[j].Order);
                    held[j] = held[^1];
                    held.RemoveAt(held.Count - 1);
                }
                else
                {
                    int order = rng.Next(4);
                    AllocResult r = m.Allocate(order, rng.Next(2) == 0 ? Gfp.Kernel | GfpFlags.Dma : Gfp.HighUserMovable);
                    if (r.Success)
                    {
                        held.Add((r.Pfn, order));
                    }
                }

                if (k % 50 == 0)
                {
                    AssertAgree(m);
                }
            }

            AssertAgree(m);
            m.MaterializeAll();
            AssertAgree(m);
            InvariantChecker.Check(m);
        }, iter: 40);
    }

    private static void AssertAgree(Machine m)
    {
        ReadOnlySpan<byte> zoneOf = m.ZoneOfArray;
        ReadOnlySpan<byte> blocks = m.BlockZoneArray;
        for (int i = 0; i < zoneOf.Length; i++)
        {
            Assert.Equal(zoneOf[i], m.ZoneAt(i));
        }

        for (int b = 0; b < blocks.Length; b++)
        {
            ReadOnlySpan<byte> pfns = zoneOf.Slice(b * (int)Pageblock.NrPages, (int)Pageblock.NrPages);
            byte want = pfns.IndexOfAnyExcept(pfns[0]) < 0 ? pfns[0] : Machine.MixedBlockZone;
            Assert.Equal(want, blocks[b]);
        }
    }
}
