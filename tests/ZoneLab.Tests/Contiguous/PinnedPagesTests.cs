using CsCheck;
using ZoneLab.Contiguous;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// <see cref="PinnedPages"/> (one bit per pfn of the map, a hash set beyond it) against <see cref="HashSet{T}"/>,
/// the set it replaced: after any sequence of adds, removes, clears and filtered removals, both agree on every
/// answer, on the count and on the members (PinnedPages lists them in pfn order).
/// </summary>
public class PinnedPagesTests
{
    private const ulong Base = 0x40000;
    private const int Length = 3000; // not a multiple of 64: the last bitmap word is partial

    // pfns in and around the map: below it, its first and last pages, word edges, past its end
    private static readonly Gen<ulong> s_pfn = Gen.OneOf(
        Gen.ULong[Base, Base + Length - 1],
        Gen.Const(Base - 1),
        Gen.Const(Base),
        Gen.Const(Base + 63),
        Gen.Const(Base + 64),
        Gen.Const(Base + Length - 1),
        Gen.Const(Base + Length),
        Gen.ULong[0, Base - 1],
        Gen.ULong[Base + Length, ulong.MaxValue]);

    private static readonly Gen<(int Op, ulong Pfn)[]> s_ops = Gen.Select(Gen.Int[0, 19], s_pfn).Array[0, 400];

    [Fact]
    public void AgreesWithAHashSet()
    {
        s_ops.Sample(ops =>
        {
            var pinned = new PinnedPages(Base, Length);
            var expected = new HashSet<ulong>();
            foreach ((int op, ulong pfn) in ops)
            {
                switch (op)
                {
                    case < 9:
                        Assert.Equal(expected.Add(pfn), pinned.Add(pfn));
                        break;
                    case < 17:
                        Assert.Equal(expected.Remove(pfn), pinned.Remove(pfn));
                        break;
                    case 17:
                        Assert.Equal(expected.RemoveWhere(p => p % 3 == pfn % 3), pinned.RemoveWhere(p => p % 3 == pfn % 3));
                        break;
                    case 18:
                        pinned.UnionWith([pfn, pfn + 1]);
                        expected.UnionWith([pfn, pfn + 1]);
                        break;
                    default:
                        expected.Clear();
                        pinned.Clear();
                        break;
                }
                Assert.Equal(expected.Contains(pfn), pinned.Contains(pfn));
                Assert.Equal(expected.Count, pinned.Count);
            }
            var inMap = expected.Where(p => p >= Base && p < Base + Length).Order().ToList();
            Assert.Equal(inMap, pinned.Take(inMap.Count).ToList());
            Assert.True(pinned.SetEquals(expected));
        });
    }

    [Fact]
    public void MembersOfTheMapAreListedInPfnOrderThenTheOthers()
    {
        // by hand: 0x40005 and 0x40040 are map pfns (indices 5 and 64: words 0 and 1), 7 and Base + Length are not
        var pinned = new PinnedPages(Base, Length);
        pinned.UnionWith([Base + Length, Base + 64, 7, Base + 5]);
        Assert.Equal([Base + 5, Base + 64, Base + Length, 7], pinned.ToList());
        Assert.Equal(4, pinned.Count);
    }
}
