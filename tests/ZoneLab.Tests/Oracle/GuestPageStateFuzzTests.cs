using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The page-state readers on mutated real dumps (oracle/page-state/frag-then-hugepages/x86_64/run1): every mutation
/// parses or fails with one located <see cref="ZoneLabInputException"/>; hand-made bad lines name what was expected.
/// </summary>
public class GuestPageStateFuzzTests
{
    private static readonly string s_run = Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", "frag-then-hugepages", "x86_64", "run1");
    private static readonly string[] s_flags = File.ReadAllLines(Path.Combine(s_run, "step0.kpageflags.txt"));
    private static readonly string[] s_blocks = File.ReadAllLines(Path.Combine(s_run, "step0.pageblocks.txt"));
    private static readonly string[] s_allocs = File.ReadAllLines(Path.Combine(s_run, "step3.allocs.txt"));
    private static readonly MigrateType[] s_types = [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable, MigrateType.HighAtomic, MigrateType.Isolate];

    private const string Chars = " 0123456789abcdefxgz#-\n|_";

    private static string[] Mutate(string[] lines, int line, int at, int op, int c)
    {
        string[] m = (string[])lines.Clone();
        int i = line % m.Length;
        string l = m[i];
        int a = l.Length == 0 ? 0 : at % l.Length;
        m[i] = op switch
        {
            0 => l.Remove(a, Math.Min(3, l.Length - a)),
            1 => l.Length == 0 ? Chars[c].ToString() : l[..a] + Chars[c] + l[(a + 1)..],
            2 => l.Insert(a, Chars[c].ToString()),
            3 => string.Empty,
            _ => l + " " + l,
        };
        return op == 5 ? m[..i] : m;
    }

    private static void ParsesOrIsLocated(Action parse, string source)
    {
        try
        {
            parse();
        }
        catch (ZoneLabInputException e)
        {
            Assert.True(e.Line >= 1, e.Message);
            Assert.StartsWith($"{source}:{e.Line}: ", e.Message);
        }
    }

    [Fact]
    public void MutatedKpageflagsAndPageblocksParseOrFailWithALocation()
    {
        Gen.Select(Gen.Int[0, 100000], Gen.Int[0, 60], Gen.Int[0, 5], Gen.Int[0, Chars.Length - 1], Gen.Bool)
            .Sample((line, at, op, c, flags) => ParsesOrIsLocated(
                () => GuestPageState.Parse(flags ? Mutate(s_flags, line, at, op, c) : s_flags, "kpageflags", flags ? s_blocks : Mutate(s_blocks, line, at, op, c), "pageblocks"),
                flags ? "kpageflags" : "pageblocks"), iter: 600, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void MutatedAllocTraceParsesOrFailsWithALocation()
    {
        Gen.Select(Gen.Int[0, 100000], Gen.Int[0, 120], Gen.Int[0, 5], Gen.Int[0, Chars.Length - 1])
            .Sample((line, at, op, c) => ParsesOrIsLocated(() => GuestAllocTrace.Parse(Mutate(s_allocs, line, at, op, c), "allocs", s_types), "allocs"),
                iter: 600, seed: "0N0XIzNsQ0O2");
    }

    [Theory]
    [InlineData("0 100 100000000\n200 10 0", "kpageflags:2: run starts at pfn 0x200; expected 0x100")]
    [InlineData("0 0 0", "kpageflags:1: count 0x0")]
    [InlineData("0 1000001 0", "kpageflags:1: count 0x1000001")]
    [InlineData("0 10 1", "kpageflags:1: flags 0x1 have bits outside")]
    [InlineData("0 10", "kpageflags:1: expected 'PFN COUNT VALUE'")]
    [InlineData("0 1g 0", "kpageflags:1: COUNT '1g' is not a hex number")]
    [InlineData("", "kpageflags:1: no runs")]
    public void BadKpageflagsLinesNameWhatWasExpected(string text, string message)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => GuestPageState.Parse(text.Split('\n'), "kpageflags", s_blocks, "pageblocks"));
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("0 100 11", "pageblocks:1: pageblock bits 0x11")]
    [InlineData("# unreadable: max_pfn 1 mem_section 0 root 0", "pageblocks:1: the guest could not read its state")]
    [InlineData("0 1 1", "pageblocks:1: covers 1 pageblocks, fewer than")]
    [InlineData("0 1 1\n400 1 1", "pageblocks:2: run starts at pfn 0x400; expected 0x200")]
    public void BadPageblockLinesNameWhatWasExpected(string text, string message)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => GuestPageState.Parse(s_flags, "kpageflags", text.Split('\n'), "pageblocks"));
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("0 1 2800 5 GFP_KERNEL", "allocs:1: no 'overrun N' line")]
    [InlineData("11 1 2800 5 GFP_KERNEL\noverrun 0", "allocs:1: order '11'")]
    [InlineData("0 5 2800 5 GFP_KERNEL\noverrun 0", "allocs:1: migratetype '5': expected 0-4")]
    [InlineData("0 1 2801 5 GFP_KERNEL\noverrun 0", "allocs:1: pageblock pfn '2801'")]
    [InlineData("0 1 2800 0 GFP_KERNEL\noverrun 0", "allocs:1: count '0'")]
    [InlineData("overrun 0\n0 1 2800 1 GFP_KERNEL", "allocs:2: text after the 'overrun N' line")]
    [InlineData("overrun x", "allocs:1: overrun 'x' is not a count")]
    public void BadAllocLinesNameWhatWasExpected(string text, string message)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => GuestAllocTrace.Parse(text.Split('\n'), "allocs", s_types));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void RealAllocTraceCountsEveryEvent()
    {
        // step 3 is `hugepages: 80`: the guest's nr_hugepages readback says 80 pages were obtained, each one order-9
        // movable allocation (alloc_pool_huge_page), so the trace has exactly 80 of them
        GuestAllocTrace t = GuestAllocTrace.Parse(s_allocs, "allocs", s_types);
        Assert.Equal(80, t.Runs.Where(r => r.Alloc.Order == 9 && r.Alloc.Migratetype == MigrateType.Movable).Sum(r => r.Count));
        Assert.Equal(0, t.Overrun);
    }
}
