using System.Runtime.CompilerServices;

namespace ZoneLab.Allocator;

// page_zonenum from a per-pageblock byte. The kernel keeps the zone in page->flags, the page's own cache line; the
// model's per-pfn zone byte (_zoneOf) is a separate array, so every alloc, free, buddy test and LRU update of a page not
// touched lately paid one more cache miss for it. A zone almost always spans whole pageblocks (zone boundaries are
// pageblock aligned on every layout but a few firmware maps), so _blockZone (one byte per pageblock: 2 KiB for a
// 4 GiB machine, cache resident) answers for every pfn of its block, and a block whose pfns do not all share one
// zone byte says MixedBlockZone, sending its lookups to _zoneOf. _zoneOf stays the truth: it is written only through
// FillZoneOf, which keeps _blockZone in step (InvariantChecker tests that they agree).
public sealed unsafe partial class Machine
{
    /// <summary>A pageblock whose pfns do not all carry the same zone byte (never a zone index: at most 254 zones, 0-253).</summary>
    internal const byte MixedBlockZone = 0xFE;

    // The zone byte of map index i (_zoneOf[i]): its pageblock's, unless the block is mixed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte ZoneIdAt(int i)
    {
        byte z = _blockZone[i >> Pageblock.Order];
        return z != MixedBlockZone ? z : _zoneOf[i];
    }

    // Sets the zone byte of map indices [start, start + count) and recomputes the pageblock bytes they touch.
    private void FillZoneOf(int start, int count, byte zone)
    {
        if (count <= 0)
        {
            return;
        }

        new Span<byte>(_zoneOf + start, count).Fill(zone);
        int end = start + count;
        for (int b = start >> Pageblock.Order; b <= (end - 1) >> Pageblock.Order; b++)
        {
            int bs = b << Pageblock.Order;
            int be = bs + (int)Pageblock.NrPages;
            _blockZone[b] = start <= bs && end >= be ? zone : BlockZoneOf(bs);
        }
    }

    // The pageblock byte of the block starting at map index bs, from _zoneOf.
    private byte BlockZoneOf(int bs)
    {
        var pfns = new ReadOnlySpan<byte>(_zoneOf + bs, (int)Pageblock.NrPages);
        return pfns.IndexOfAnyExcept(pfns[0]) < 0 ? pfns[0] : MixedBlockZone;
    }

    /// <summary>One byte per pageblock: the zone byte all its pfns share, or <see cref="MixedBlockZone"/>.</summary>
    internal ReadOnlySpan<byte> BlockZoneArray => new(_blockZone, _length >> Pageblock.Order);

    /// <summary>What <see cref="BlockZoneArray"/> must hold for the pageblock starting at map index <paramref name="bs"/>.</summary>
    internal byte ExpectedBlockZone(int bs) => BlockZoneOf(bs);
}
