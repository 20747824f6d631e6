using ZoneLab.Layout;
using ZoneLab.Tests.Cli;

namespace ZoneLab.Tests.Robustness;

/// <summary>
/// A line of a real boot log that starts like one the reader uses but was cut or edited is a located error (exit 2),
/// not a line skipped and a layout computed without it. Lines and numbers are those of the real 6.1 boot
/// x13-pc-4g-numa-1g-3g-kernelcore-1536m (two SRAT nodes).
/// </summary>
public sealed class DamagedDmesgLineTests
{
    private static readonly string s_log = FixturePath.Get("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", "dmesg.txt");

    [Theory]
    // the banner without a version number
    [InlineData(1, "Linux version 6.1.0-56-amd64", "Linux version abc")]
    // a RAMDISK line cut after its start address
    [InlineData(22, "[mem 0xbfee3000-0xbffdffff]", "[mem 0xbfee3000-")]
    // node 1's SRAT range cut: skipped, node 1 would lose 1 GiB above 4 GiB
    [InlineData(44, "[mem 0x100000000-0x13fffffff]", "[mem 0x100000000-0x13ff")]
    // NODE_DATA's range cut: skipped, the reservation the CMA placement avoids would be missing
    [InlineData(47, "[mem 0x3ffd5000-0x3fffffff]", "[mem 0x3ffd5000")]
    // an early node range with a letter in its address
    [InlineData(58, "0x0000000000100000-0x000000003fffffff", "0x0000000000100000-0x00000000zfffffff")]
    // the block size without a number: the default would be used silently
    [InlineData(161, "Memory block size: 128MB", "Memory block size: MB")]
    // a movable zone start cut after its "0x" (free_area_init's "  Node %d: %#018Lx")
    [InlineData(55, "Node 1: 0x0000000100000000", "Node 1: 0x")]
    // a KiB count beyond what an unsigned long of pages can give (mem_init_print_info)
    [InlineData(97, "2369096K/4193784K", "2369096K/99999999999999999999K")]
    // a policy zone line without its zone
    [InlineData(90, "Policy zone: DMA32", "Policy zone: ")]
    // ranges printed as [mem START-END] with the end before the start: read as they were, the RAMDISK or NODE_DATA
    // reservation would be empty (or, +1 past 0xffffffffffffffff, wrap to 0) and the CMA placement would ignore it
    [InlineData(22, "[mem 0xbfee3000-0xbffdffff]", "[mem 0xbffdffff-0xbfee3000]")]
    [InlineData(47, "[mem 0x3ffd5000-0x3fffffff]", "[mem 0x3fffffff-0x3ffd5000]")]
    [InlineData(58, "0x0000000000100000-0x000000003fffffff", "0x000000003fffffff-0x0000000000100000")]
    [InlineData(44, "[mem 0x100000000-0x13fffffff]", "[mem 0x100000000-0xffffffffffffffff]")]
    // a RAMDISK beyond 2^52, and one in the e820 hole below 4 GiB (lines 8-9 reserve [0xbffe0000, 0x100000000) and
    // leave [0xc0000000, 0xfffc0000) unlisted): the kernel places the initrd and NODE_DATA in usable memory
    [InlineData(22, "[mem 0xbfee3000-0xbffdffff]", "[mem 0x10000000000000-0x10000000000fff]")]
    [InlineData(22, "[mem 0xbfee3000-0xbffdffff]", "[mem 0xcfee3000-0xcffdffff]")]
    [InlineData(47, "[mem 0x3ffd5000-0x3fffffff]", "[mem 0xbffd5000-0xbfffffff]")]
    // e820__range_remove's line with a damaged end, and __e820__range_update's with its range reversed: read whole or
    // refused, never skipped (line 16 removes the legacy ROM area [0xa0000, 0x100000) from usable memory)
    [InlineData(16, "[mem 0x000a0000-0x000fffff]", "[mem 0x000a0000-0xzzzz]")]
    [InlineData(16, "[mem 0x000a0000-0x000fffff]", "[mem 0x000fffff-0x000a0000]")]
    [InlineData(15, "[mem 0x00000000-0x00000fff]", "[mem 0x00000fff-0x00000000]")]
    // numa_cleanup_meminfo()'s merge line: cut, or its result not the span [min start, max end] of its two blocks
    // (node 1's [0x40000000, 0xc0000000) + [0x100000000, 0x140000000) span [0x40000000, 0x140000000))
    [InlineData(46, "-> [mem 0x40000000-0x13fffffff]", "-> [mem 0x40000000-")]
    [InlineData(46, "-> [mem 0x40000000-0x13fffffff]", "-> [mem 0x40000000-0x12fffffff]")]
    [InlineData(46, "-> [mem 0x40000000-0x13fffffff]", "-> [mem 0x00000000-0x13fffffff]")]
    public void ADamagedLineIsALocatedError(int lineNo, string from, string to)
    {
        string[] lines = File.ReadAllLines(s_log);
        Assert.Contains(from, lines[lineNo - 1]);
        lines[lineNo - 1] = lines[lineNo - 1].Replace(from, to, StringComparison.Ordinal);
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(lines, "d.txt"));
        Assert.StartsWith($"d.txt:{lineNo}: ", e.Message);
    }

    [Fact]
    public void ALogThatEndsInsideTheFirmwareMapIsALocatedError()
    {
        // the log cut after line 6, the map's third entry: 158 usable pages below 1 MiB were all that was left, and
        // layout printed them as the machine (exit 0); lines 7-11 (the 3 GiB and 1 GiB usable entries) were lost
        string[] lines = File.ReadAllLines(s_log)[..6];
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(lines, "d.txt"));
        Assert.StartsWith("d.txt:6: the log ends on a BIOS-e820 line: the memory map may be cut", e.Message);
    }

    [Fact]
    public void AnUnsortedFirmwareMapIsALocatedError()
    {
        // e820__memory_setup() prints the map after e820__update_table() sorted it. Line 6's reserved
        // [0xf0000, 0x100000) moved to [0xfffb0000, 0xfffc0000) (still overlapping nothing) is printed before line 7's
        // usable entry at 0x100000: the error names line 7, the first entry that starts below the one before it
        string[] lines = File.ReadAllLines(s_log);
        lines[5] = lines[5].Replace("[mem 0x00000000000f0000-0x00000000000fffff]", "[mem 0x00000000fffb0000-0x00000000fffbffff]", StringComparison.Ordinal);
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(lines, "d.txt"));
        Assert.StartsWith("d.txt:7: BIOS-e820 entry [mem 0x0000000000100000-0x00000000bffdffff] usable is printed after the one on line 6", e.Message);
    }

    [Fact]
    public void TwoDifferentCommandLinesAreTwoBoots()
    {
        // setup_arch() prints "Command line:" once per boot (line 2); a second, different one below it is another boot
        // pasted into the same file, and the layout would be that of whichever the reader took
        var lines = File.ReadAllLines(s_log).ToList();
        lines.Insert(2, lines[1].Replace("kernelcore=1536M", "kernelcore=512M", StringComparison.Ordinal));
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(lines.ToArray(), "d.txt"));
        Assert.StartsWith("d.txt:3: a second 'Command line:' that differs from the one on line 2", e.Message);
        // the same line twice is the same boot's (a log joined from two copies of its start): still read
        lines[2] = lines[1];
        Assert.NotNull(DmesgReader.Read(lines.ToArray(), "d.txt"));
    }

    [Fact]
    public void ASecondDifferentFirmwareMapIsTwoBoots()
    {
        // e820__memory_setup() prints the map once per boot (lines 3-11: the header and 8 entries). The same block
        // pasted again after line 11 is the same boot's and still reads, with the same layout; a second map that
        // differs is another boot's, and the layout would be that of whichever map the reader took.
        var lines = File.ReadAllLines(s_log).ToList();
        BootLayout once = LayoutFrom(lines);
        lines.InsertRange(11, lines.GetRange(2, 9)); // lines 12-20: the header again, its entries on 13-20
        Assert.Equal(once.TotalPages, LayoutFrom(lines).TotalPages);

        var other = lines.ToList();
        other[15] = other[15].Replace("0x00000000bffdffff", "0x000000007ffdffff", StringComparison.Ordinal); // line 7's twin
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(other.ToArray(), "d.txt"));
        Assert.StartsWith("d.txt:16: a second BIOS-e820 map that differs from the first: '[mem 0x0000000000100000-0x000000007ffdffff] usable' where the first has '[mem 0x0000000000100000-0x00000000bffdffff] usable' on line 7", e.Message);

        var shorter = lines.ToList();
        shorter.RemoveAt(19); // the copy loses its last entry (line 11's twin)
        e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.Read(shorter.ToArray(), "d.txt"));
        Assert.StartsWith("d.txt:19: a second BIOS-e820 map that ends after 7 entries where the first (lines 4-11) has 8", e.Message);
    }

    private static BootLayout LayoutFrom(List<string> lines) => new LayoutBuilder().FromMachine(DmesgReader.Read(lines.ToArray(), "d.txt")).Build();

    [Fact]
    public void TheCommandExitsTwoWithOneLine()
    {
        string text = File.ReadAllText(s_log).Replace("Memory block size: 128MB", "Memory block size: MB", StringComparison.Ordinal);
        string path = ZonelabProcess.WriteTemp("damaged-dmesg.txt", text);
        var (exit, stdout, stderr) = ZonelabProcess.Run("layout", "--dmesg", path);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("zonelab: damaged-dmesg.txt:161: unreadable line", stderr);
    }

    [Theory]
    // a zone range the kernel cannot print for this map: ZONE_DMA32 ends at 4 GiB (MAX_DMA32_PFN), not 8
    [InlineData(51, "0x0000000001000000-0x00000000ffffffff", "0x0000000001000000-0x00000001ffffffff",
        "the log prints 'DMA32    [mem 0x0000000001000000-0x00000001ffffffff]' where its e820 map and command line give 'DMA32    [mem 0x0000000001000000-0x00000000ffffffff]'")]
    // an early node range 64 KiB short of its usable e820 entry (line 8: [0x100000, 0xbffe0000), node 1 from SRAT's 1 GiB)
    [InlineData(59, "0x0000000040000000-0x00000000bffdffff", "0x0000000040000000-0x00000000bffcffff",
        "the log prints 'node   1: [mem 0x0000000040000000-0x00000000bffcffff]' where its e820 map and command line give 'node   1: [mem 0x0000000040000000-0x00000000bffdffff]'")]
    // node 1's span (free_area_init_node) ending 1 GiB past the last usable byte of the map (0x13fffffff, line 10)
    [InlineData(62, "0x0000000040000000-0x000000013fffffff", "0x0000000040000000-0x000000017fffffff",
        "the log prints 'Initmem setup node 1 [mem 0x40000000-0x17fffffff]' where its e820 map and command line give node 1 spanning [mem 0x40000000-0x13fffffff]")]
    // memmap holes (init_unavailable_range): node 0's DMA has [0x9f, 0x100) between its e820 entries (lines 4 and 7),
    // 0x100 - 0x9f = 97 pages; the log claiming 96 contradicts its own map
    [InlineData(64, "DMA: 97 pages", "DMA: 96 pages",
        "the log prints 'On node 0, zone DMA: 96 pages in unavailable ranges' where its e820 map and command line give 'On node 0, zone DMA: 97 pages in unavailable ranges'")]
    // NODE_DATA for a node neither SRAT (nodes 0 and 1, lines 41-44) nor the command line gives
    [InlineData(48, "NODE_DATA(1)", "NODE_DATA(5)",
        "the log prints NODE_DATA(5) but its e820 map, NUMA lines and command line give no node 5 (nodes: 0, 1)")]
    public void ARangeLineTheMapCannotGiveExitsTwo(int lineNo, string from, string to, string message)
    {
        // these used to exit 0 with a warning and print the model's layout for a log that contradicts it
        var (exit, stdout, stderr) = LayoutOfDamaged(s_log, lineNo, from, to);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"zonelab: d.txt:{lineNo}: {message}", stderr);
    }

    // the Memory: line's physpages (mem_init_print_info) and a 5.10 log's "On node 0 totalpages" (calculate_node_totalpages,
    // before 5.13) raised by 100,000 KiB / 1,000,000 pages, and the last_pfn lines; the expected figures are the
    // kernels' own, as each log printed them
    [Theory]
    [InlineData("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", 97, "2369096K/4193784K", "2369096K/4293784K",
        "the log's 'Memory:' line totals 4293784K where its e820 map and command line give 4193784K of present memory")]
    [InlineData("real-x86", "asus-eb1505-5.10.14-snb-gfx", 60, "totalpages: 2017090", "totalpages: 3017090",
        "the log prints 'On node 0 totalpages: 3017090' where its e820 map and command line give 2017090 present pages")]
    // e820_end_pfn's "last_pfn" lines of a 4 GiB guest whose RAM ends at 0x13fffffff (BIOS-e820 line 10) and below
    // 4 GiB at 0xbffdffff (line 7): max_pfn 0x140000, max_low_pfn 0xbffe0, each raised by 8 pages
    [InlineData("x86_64-6.1", "x41-pc-4g-numa-fake-2", 18, "last_pfn = 0x140000 ", "last_pfn = 0x140008 ",
        "the log prints 'last_pfn = 0x140008' where its e820 map and command line end usable RAM at pfn 0x140000 (0xbffe0 below 4 GiB)")]
    [InlineData("x86_64-6.1", "x41-pc-4g-numa-fake-2", 20, "last_pfn = 0xbffe0 ", "last_pfn = 0xbffe8 ",
        "the log prints 'last_pfn = 0xbffe8' where its e820 map and command line end usable RAM at pfn 0x140000 (0xbffe0 below 4 GiB)")]
    // mem_init_print_info()'s available figure above its present one, and its cma-reserved figure (totalcma_pages,
    // every area cma_init_reserved_mem() declared) against the command line's: x13 has no CMA (0K, line 97), e-2G-cma128M
    // declares cma=128M = 131072K (line 85, "cma: Reserved 128 MiB" at line 41)
    [InlineData("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", 97, "2369096K/4193784K", "4293784K/4193784K",
        "the log's 'Memory:' line has 4293784K available of 4193784K: free pages cannot exceed the present ones")]
    [InlineData("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", 97, " 0K cma-reserved", " 4K cma-reserved",
        "the log's 'Memory:' line has 4K cma-reserved where its command line and kernel declare 0K of CMA areas")]
    [InlineData("x86_64-cma-6.1", "e-2G-cma128M", 85, "131072K cma-reserved", "131080K cma-reserved",
        "the log's 'Memory:' line has 131080K cma-reserved where its command line and kernel declare 131072K of CMA areas")]
    // build_all_zonelists()'s policy zone: x13's Normal ([4G, 5G) on node 1) is all ZONE_MOVABLE (kernelcore=1536M),
    // so the highest populated zone below Movable is DMA32, as the kernel printed (line 90)
    [InlineData("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", 90, "Policy zone: DMA32", "Policy zone: Normal",
        "the log prints 'Policy zone: Normal' where its e820 map and command line populate DMA32 as the highest zone below Movable")]
    // MAX_ARCH_PFN of a 4-level x86-64 kernel is 1 << (46 - 12) = 0x400000000 (line 18)
    [InlineData("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", 18, "max_arch_pfn = 0x400000000", "max_arch_pfn = 0x400000008",
        "the log prints 'max_arch_pfn = 0x400000008'; an x86 kernel prints 1 << (MAX_PHYSMEM_BITS - 12)")]
    // dummy_numa_init() over [0, PFN_PHYS(max_pfn)): x27's usable RAM ends at 0x7ffdffff (line 7, last_pfn 0x7ffe0 at
    // line 29), as its "Faking a node" line (49) says
    [InlineData("x86_64-6.1", "x27-pc-2g-memmap-256m-reserved-at-1g-movablecore-512m", 49, "0x000000007ffdffff]", "0x000000007fffffff]",
        "the log prints 'Faking a node at [mem 0x0-0x7fffffff]' where its e820 map and command line give [mem 0x0-0x7ffdffff]")]
    // mem_init_print_info() prints every page count as K(x) = x << (PAGE_SHIFT - 10), a multiple of 4 on x86, and
    // nr_free_pages() cannot exceed totalram_pages() = physpages - reserved - cma-reserved: x13 prints 2369096K
    // available, 187476K reserved, 0K cma-reserved of 4193784K (line 97); 2369096 + 1887476 = 4256572 > 4193784
    [InlineData("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", 97, "2369096K/4193784K", "2369098K/4193784K",
        "the log's 'Memory:' line has 2369098K available, not a whole number of 4K pages")]
    [InlineData("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", 97, "187476K reserved", "1887476K reserved",
        "the log's 'Memory:' line has 2369096K available + 1887476K reserved + 0K cma-reserved, more than its 4193784K")]
    // build_all_zonelists() prints nr_online_nodes: x13 has two nodes with memory (numa=1G,3G; line 89)
    [InlineData("x86_64-6.1", "x13-pc-4g-numa-1g-3g-kernelcore-1536m", 89, "Built 2 zonelists", "Built 3 zonelists",
        "the log built 3 zonelists where its e820 map, NUMA lines and command line give 2 online nodes")]
    // e820__finish_early_params()'s user-defined map: memmap=256M$0x40000000 reserves [0x40000000, 0x50000000) of the
    // firmware's usable [0x100000, 0x7ffdffff] (lines 2 and 7), its entry 5 (line 17)
    [InlineData("x86_64-6.1", "x27-pc-2g-memmap-256m-reserved-at-1g-movablecore-512m", 17, "0x000000004fffffff] reserved", "0x000000005fffffff] reserved",
        "the log's user-defined map has '[mem 0x0000000040000000-0x000000005fffffff] reserved' where its e820 map and command line give '[mem 0x0000000040000000-0x000000004fffffff] reserved' as entry 5")]
    public void APageCountTheMapCannotGiveExitsTwo(string set, string name, int lineNo, string from, string to, string message)
    {
        var (exit, stdout, stderr) = LayoutOfDamaged(FixturePath.Get(set, name, "dmesg.txt"), lineNo, from, to);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains($"zonelab: d.txt:{lineNo}: {message}", stderr);
    }

    // free_area_init()'s "Movable zone start for each node" lines (zone_movable_pfn[] from
    // find_zone_movable_pfns_for_nodes). The expected figures are the kernels' own prints: x13 (kernelcore=1536M, two
    // nodes) puts ZONE_MOVABLE on node 1 only, from 4 GiB (line 55); x16 (movablecore=1G, two nodes) on node 0 from
    // 0x120000000 and node 1 from 0x160000000 (lines 60-61). The zone range lines never show ZONE_MOVABLE, so these
    // used to read as if the log agreed with the model.
    [Theory]
    [InlineData("x13-pc-4g-numa-1g-3g-kernelcore-1536m", 55, "Node 1: 0x0000000100000000", "Node 1: 0x0000000120000000",
        "under 'Movable zone start for each node' the log prints 'Node 1: 0x120000000' where its e820 map and command line give ZONE_MOVABLE on node 1 from 0x100000000")]
    [InlineData("x13-pc-4g-numa-1g-3g-kernelcore-1536m", 55, "Node 1: ", "Node 0: ",
        "under 'Movable zone start for each node' the log prints 'Node 0: 0x100000000' where its e820 map and command line give ZONE_MOVABLE on node 1 from 0x100000000")]
    [InlineData("x16-q35-4g-numa-3g-1g-movablecore-1g", 61, "Node 1: 0x0000000160000000", "Node 1: 0x0000000150000000",
        "under 'Movable zone start for each node' the log prints 'Node 1: 0x150000000' where its e820 map and command line give ZONE_MOVABLE on node 1 from 0x160000000")]
    public void AMovableZoneStartTheMapCannotGiveExitsTwo(string name, int lineNo, string from, string to, string message)
    {
        var (exit, stdout, stderr) = LayoutOfDamaged(FixturePath.Get("x86_64-6.1", name, "dmesg.txt"), lineNo, from, to);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"zonelab: d.txt:{lineNo}: {message}", stderr);
    }

    [Fact]
    public void AMovableZoneStartLineMissingItsNodeIsALocatedError()
    {
        // x16's second line (61) without its node: the log has ZONE_MOVABLE on node 0 only where the map gives two
        var (exit, _, stderr) = LayoutOfDamaged(FixturePath.Get("x86_64-6.1", "x16-q35-4g-numa-3g-1g-movablecore-1g", "dmesg.txt"), 61,
            "  Node 1: 0x0000000160000000", "Early memory node ranges");
        Assert.Equal(2, exit);
        Assert.StartsWith("zonelab: d.txt:60: under 'Movable zone start for each node' the log prints no further node where its e820 map and command line give ZONE_MOVABLE on node 1 from 0x160000000", stderr);
    }

    // `zonelab layout --dmesg` on a copy of the log whose line lineNo has `from` replaced by `to`
    private static (int Exit, string Stdout, string Stderr) LayoutOfDamaged(string log, int lineNo, string from, string to)
    {
        string[] lines = File.ReadAllLines(log);
        Assert.Contains(from, lines[lineNo - 1]);
        lines[lineNo - 1] = lines[lineNo - 1].Replace(from, to, StringComparison.Ordinal);
        string path = ZonelabProcess.WriteTemp("d.txt", string.Join('\n', lines) + "\n");
        return ZonelabProcess.Run("layout", "--dmesg", path);
    }

    [Fact]
    public void TheUndamagedLogStillReads()
    {
        MachineDescription m = DmesgReader.ReadFile(s_log);
        Assert.Equal(4, m.Srat.Count); // lines 41-44
        Assert.Equal(128UL << 20, m.MemoryBlockSizeFromLog);
    }
}
