using ZoneLab.Layout;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// A boot log whose printed zone or node ranges contradict its e820 map: real logs (Fixtures/real-x86) damaged on
/// one line. What the kernel guarantees (node ranges lie in usable e820 RAM) is an error naming the line; what only
/// the model computes (the ranges the log's map and command line give) is a warning naming the line, with the
/// layout still computed.
/// </summary>
public class BootLogConsistencyTests
{
    private const string Epyc = "gigabyte-mz01-epyc-5.0-4node-memmap";

    public static TheoryData<string> Logs() => RealBootLogTests.Logs();

    private static List<string> Lines(string log) => File.ReadAllLines(FixturePath.Get("real-x86", log, "dmesg.txt")).ToList();

    // replaces the one line containing `find` (asserted unique) and returns its 1-based number
    private static int Replace(List<string> lines, string find, string with)
    {
        int[] at = Enumerable.Range(0, lines.Count).Where(i => lines[i].Contains(find, StringComparison.Ordinal)).ToArray();
        Assert.Single(at);
        lines[at[0]] = lines[at[0]].Replace(find, with, StringComparison.Ordinal);
        return at[0] + 1;
    }

    private static BootLayout Build(List<string> lines, params string[] extraArgs) =>
        new LayoutBuilder().FromMachine(DmesgReader.Read(lines, "damaged.txt")).WithExtraArgs(extraArgs).Build();

    private static IEnumerable<string> Contradictions(BootLayout layout) =>
        layout.Warnings.Where(w => w.Contains("where the model computes", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Logs))]
    public void RealLogsAgreeWithTheModel(string log)
    {
        BootLayout layout = new LayoutBuilder().FromDmesg(FixturePath.Get("real-x86", log, "dmesg.txt")).Build();
        Assert.Empty(Contradictions(layout));
    }

    [Fact]
    public void AnEditedZoneEndIsALocatedWarning()
    {
        List<string> lines = Lines(Epyc);
        // max_pfn comes from the last usable e820 entry (0x81ff7ffff); the log is edited to claim 4 GiB more
        int at = Replace(lines, "Normal   [mem 0x0000000100000000-0x000000081ff7ffff]", "Normal   [mem 0x0000000100000000-0x000000091ff7ffff]");
        BootLayout layout = Build(lines);
        string w = Assert.Single(Contradictions(layout));
        Assert.StartsWith($"damaged.txt:{at}: the log prints 'Normal   [mem 0x0000000100000000-0x000000091ff7ffff]' where the model computes 'Normal   [mem 0x0000000100000000-0x000000081ff7ffff]'", w);
        Assert.Equal(0x81ff80UL, layout.Nodes.Max(n => n.EndPfn)); // the layout is still the map's
    }

    [Fact]
    public void ANodeRangeInsideTheMemmapHoleIsALocatedWarning()
    {
        List<string> lines = Lines(Epyc);
        // memmap=0x5200000$0x3a000000 reserves 0x3a000000-0x3f1fffff: firmware RAM, so the kernel cannot be proven
        // wrong, but the command line says the node range starts at 0x3f200000
        int at = Replace(lines, "node   0: [mem 0x000000003f200000-0x0000000075daffff]", "node   0: [mem 0x000000003e200000-0x0000000075daffff]");
        string w = Assert.Single(Contradictions(Build(lines)));
        Assert.StartsWith($"damaged.txt:{at}: the log prints 'node   0: [mem 0x000000003e200000-0x0000000075daffff]' where the model computes 'node   0: [mem 0x000000003f200000-0x0000000075daffff]'", w);
    }

    [Fact]
    public void AMissingNodeRangeLineIsALocatedWarning()
    {
        List<string> lines = Lines(Epyc);
        int at = Replace(lines, "node   3: [mem 0x0000000620000000-0x000000081ff7ffff]", "node   2: [mem 0x0000000620000000-0x000000081ff7ffff]");
        string w = Assert.Single(Contradictions(Build(lines)));
        Assert.Contains($"damaged.txt:{at}: the log prints 'node   2: [mem 0x0000000620000000-0x000000081ff7ffff]' where the model computes 'node   3:", w);
    }

    [Fact]
    public void ANodeRangeOutsideUsableRamIsALocatedError()
    {
        List<string> lines = Lines(Epyc);
        // 0xda510000-0xdad6afff is a reserved firmware entry: e820__memblock_setup() never adds it to memblock
        int at = Replace(lines, "node   0: [mem 0x00000000dad6b000-0x00000000dbffffff]", "node   0: [mem 0x00000000da510000-0x00000000dbffffff]");
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(lines, "damaged.txt"));
        Assert.Equal($"damaged.txt:{at}: node 0 range [mem 0xda510000-0xdbffffff] is not inside a usable entry of the log's e820 map (or RAM its command line's memmap= adds); "
            + "the kernel builds node ranges only from usable e820 entries (e820__memblock_setup), so the log is damaged", e.Message);
    }

    [Fact]
    public void RamAddedByMemmapAtIsUsable()
    {
        List<string> lines = Lines(Epyc);
        // 0xe0000000-0xe7ffffff is in no firmware entry; memmap=128M@0xe0000000 makes it RAM, so a node range there
        // does not contradict the map (over a reserved entry it would not: e820__update_table() keeps the larger type)
        Replace(lines, "node   0: [mem 0x00000000dad6b000-0x00000000dbffffff]", "node   0: [mem 0x00000000e0000000-0x00000000e7ffffff]");
        Replace(lines, "Kernel command line: ", "Kernel command line: memmap=128M@0xe0000000 ");
        MachineDescription m = DmesgReader.Read(lines, "damaged.txt");
        Assert.Equal(0xe8000000UL, m.EarlyNodeRanges.Single(r => r.Start == 0xe0000000).End);
    }

    [Fact]
    public void MemmapAtOverAReservedEntryAddsNoRam()
    {
        List<string> lines = Lines(Epyc);
        int at = Replace(lines, "node   0: [mem 0x00000000dad6b000-0x00000000dbffffff]", "node   0: [mem 0x00000000da510000-0x00000000dbffffff]");
        Replace(lines, "Kernel command line: ", "Kernel command line: memmap=0x85b000@0xda510000 ");
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(lines, "damaged.txt"));
        Assert.StartsWith($"damaged.txt:{at}: node 0 range [mem 0xda510000-0xdbffffff] is not inside", e.Message);
    }

    [Fact]
    public void AnotherCommandLineIsNotComparedWithTheLog()
    {
        List<string> lines = Lines(Epyc);
        Replace(lines, "Normal   [mem 0x0000000100000000-0x000000081ff7ffff]", "Normal   [mem 0x0000000100000000-0x000000091ff7ffff]");
        // mem=8G makes a different machine on purpose: the log's ranges are not its ranges
        Assert.Empty(Contradictions(Build(lines, "mem=8G")));
    }

    [Fact]
    public void AnUnreadableZoneRangeIsALocatedError()
    {
        List<string> lines = Lines(Epyc);
        int at = Replace(lines, "DMA32    [mem 0x0000000001000000-0x00000000ffffffff]", "DMA32    [mem 0x0000000001000000-0x00000000ffffffff");
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(lines, "damaged.txt"));
        Assert.StartsWith($"damaged.txt:{at}: unreadable zone range", e.Message);
    }
}
