using CsCheck;
using ZoneLab.Allocator;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// <see cref="AllocResult"/> keeps its zone index and failure packed in one 8-byte field (so the JIT returns it in two
/// registers without a split store): every value of the three parts must come back as given, and equality must be
/// that of the three parts, as for the positional record it replaced.
/// </summary>
public class AllocResultTests
{
    [Fact]
    public void EveryPartComesBackAsGiven()
    {
        Gen.Select(Gen.ULong, Gen.Int, Gen.Enum<AllocFailure>()).Sample((pfn, zone, why) =>
        {
            var r = new AllocResult(pfn, zone, why);
            (ulong p, int z, AllocFailure f) = r;
            return r.Pfn == pfn && r.ZoneIndex == zone && r.Failure == why && r.Success == (why == AllocFailure.None)
                && p == pfn && z == zone && f == why;
        });
    }

    [Fact]
    public void EqualityIsThatOfTheThreeParts()
    {
        Gen.Select(Gen.ULong[0, 3], Gen.Int[-2, 1], Gen.Enum<AllocFailure>(), Gen.ULong[0, 3], Gen.Int[-2, 1], Gen.Enum<AllocFailure>())
            .Sample((p1, z1, f1, p2, z2, f2) =>
            {
                var a = new AllocResult(p1, z1, f1);
                var b = new AllocResult(p2, z2, f2);
                bool same = p1 == p2 && z1 == z2 && f1 == f2;
                return (a == b) == same && a.Equals(b) == same && (!same || a.GetHashCode() == b.GetHashCode());
            });
    }

    [Fact]
    public void AFailedResultHasNoPfnAndZoneMinusOne()
    {
        // a negative zone index must not leak into the failure byte (it is stored as its low 32 bits)
        AllocResult r = AllocResult.Fail(AllocFailure.Fragmented);
        Assert.Equal(0UL, r.Pfn);
        Assert.Equal(-1, r.ZoneIndex);
        Assert.Equal(AllocFailure.Fragmented, r.Failure);
        Assert.False(r.Success);
        Assert.Equal("failed: Fragmented", r.ToString());
        Assert.Equal("pfn 1,024 (zone 2)", new AllocResult(1024, 2, AllocFailure.None).ToString());
    }
}
