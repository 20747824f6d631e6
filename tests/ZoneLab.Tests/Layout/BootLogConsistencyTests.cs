using ZoneLab.Layout;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// A boot log whose printed zone or node ranges contradict its e820 map: real logs (Fixtures/real-x86) damaged on
/// one line. Both what the kernel guarantees (node ranges lie in usable e820 RAM) and what the model computes from
/// the log's own map and command line (its zone and node range lines) are errors naming the line (exit 2: a layout
/// that contradicts the log it describes is never printed).
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

    private static string Contradiction(List<string> lines) =>
        Assert.Throws<ZoneLabInputException>(() => Build(lines)).Message;

    [Theory]
    [MemberData(nameof(Logs))]
    public void RealLogsAgreeWithTheModel(string log)
    {
        // Build() throws on the first zone or node range line the model does not reproduce
        BootLayout layout = new LayoutBuilder().FromDmesg(FixturePath.Get("real-x86", log, "dmesg.txt")).Build();
        Assert.NotEmpty(layout.Nodes);
    }

    [Fact]
    public void AnEditedZoneEndIsALocatedError()
    {
        List<string> lines = Lines(Epyc);
        // max_pfn comes from the last usable e820 entry (0x81ff7ffff); the log is edited to claim 4 GiB more
        int at = Replace(lines, "Normal   [mem 0x0000000100000000-0x000000081ff7ffff]", "Normal   [mem 0x0000000100000000-0x000000091ff7ffff]");
        Assert.StartsWith($"damaged.txt:{at}: the log prints 'Normal   [mem 0x0000000100000000-0x000000091ff7ffff]' where its e820 map and command line give 'Normal   [mem 0x0000000100000000-0x000000081ff7ffff]'",
            Contradiction(lines));
    }

    [Fact]
    public void AnEditedDmaZoneIsALocatedError()
    {
        List<string> lines = Lines(Epyc);
        // ZONE_DMA ends at MAX_DMA_PFN (16 MiB) on x86-64 whatever the map says
        int at = Replace(lines, "DMA      [mem 0x0000000000001000-0x0000000000ffffff]", "DMA      [mem 0x0000000000001000-0x0000000001ffffff]");
        Assert.StartsWith($"damaged.txt:{at}: the log prints 'DMA      [mem 0x0000000000001000-0x0000000001ffffff]' where its e820 map and command line give 'DMA      [mem 0x0000000000001000-0x0000000000ffffff]'",
            Contradiction(lines));
    }

    [Fact]
    public void ANodeRangeInsideTheMemmapHoleIsALocatedError()
    {
        List<string> lines = Lines(Epyc);
        // memmap=0x5200000$0x3a000000 reserves 0x3a000000-0x3f1fffff: firmware RAM, so the kernel cannot be proven
        // wrong, but the command line says the node range starts at 0x3f200000
        int at = Replace(lines, "node   0: [mem 0x000000003f200000-0x0000000075daffff]", "node   0: [mem 0x000000003e200000-0x0000000075daffff]");
        Assert.StartsWith($"damaged.txt:{at}: the log prints 'node   0: [mem 0x000000003e200000-0x0000000075daffff]' where its e820 map and command line give 'node   0: [mem 0x000000003f200000-0x0000000075daffff]'",
            Contradiction(lines));
    }

    [Fact]
    public void AMissingNodeRangeLineIsALocatedError()
    {
        List<string> lines = Lines(Epyc);
        int at = Replace(lines, "node   3: [mem 0x0000000620000000-0x000000081ff7ffff]", "node   2: [mem 0x0000000620000000-0x000000081ff7ffff]");
        Assert.Contains($"damaged.txt:{at}: the log prints 'node   2: [mem 0x0000000620000000-0x000000081ff7ffff]' where its e820 map and command line give 'node   3:",
            Contradiction(lines));
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
        Assert.Equal(0x200000UL, Build(lines, "mem=8G").Nodes.Max(n => n.EndPfn)); // 8 GiB = 0x200000 pfns
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
