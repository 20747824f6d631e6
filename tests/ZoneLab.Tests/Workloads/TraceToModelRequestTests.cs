using ZoneLab.Allocator;
using ZoneLab.Workloads.Trace;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// A traced allocation maps onto the engine's request <c>Machine.Allocate(order, gfp)</c>: on the real traces the
/// migratetype the kernel printed is <c>gfp_migratetype()</c> of the parsed mask (mm_page_alloc prints
/// <c>ac.migratetype</c>, computed from the same mask in <c>prepare_alloc_pages()</c>), and every mask is a valid
/// <c>gfp_zone()</c> combination. This checks the GFP name table against the kernel's own output.
/// </summary>
public class TraceToModelRequestTests
{
    [Theory]
    [InlineData("x86_64-6.1-kmem", "trace.txt")]
    [InlineData("arm64-6.1-hugetlb-cma", "trace.txt.gz")]
    [InlineData("arm64-6.1-hugepage-cma-tgid", "trace.txt.gz")]
    public void PrintedMigratetypeIsGfpMigratetypeOfTheMask(string fixture, string file)
    {
        using FtraceReader r = FtraceReader.Open(FixturePath.Get("trace", fixture, file));
        int n = 0;
        while (r.Read())
        {
            TraceEvent e = r.Current;
            if (e.Kind != TraceEventKind.PageAlloc)
            {
                continue;
            }

            Assert.True(Gfp.MigrateTypeOf(e.GfpFlags) == e.MigrateType, $"line {e.Line}: {Gfp.Format(e.GfpFlags)} vs migratetype={(int)e.MigrateType}");
            _ = Gfp.Zone(e.GfpFlags); // throws on GFP_ZONE_BAD
            n++;
        }

        Assert.True(n > 2000);
    }
}

/// <summary>The fast path for the kernel's exact layout reads the real traces exactly as the general field parser does.</summary>
public class FtraceReaderFastPathTests
{
    [Theory]
    [InlineData("x86_64-6.1-kmem", "trace.txt")]
    [InlineData("arm64-6.1-hugetlb-cma", "trace.txt.gz")]
    [InlineData("arm64-6.1-hugepage-cma-tgid", "trace.txt.gz")]
    public void SameEventsWithAndWithoutTheFastPath(string fixture, string file)
    {
        string path = FixturePath.Get("trace", fixture, file);
        using FtraceReader fast = FtraceReader.Open(path);
        using FtraceReader slow = FtraceReader.Open(path);
        slow.FastPath = false;
        long n = 0;
        while (fast.Read())
        {
            Assert.True(slow.Read());
            Assert.Equal(slow.Current, fast.Current);
            n++;
        }

        Assert.False(slow.Read());
        Assert.True(n > 20_000);
    }
}
