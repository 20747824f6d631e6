using System.Text.RegularExpressions;
using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Metrics;
using ZoneLab.Procfs;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Procfs;

public class ProcfsWriterTests
{
    private const string Oracle = "x86_64-oracle-cma-6.1__e-2G-cma128M";
    private const string Debian = "x86_64-debian-6.1__v01-2g-default";

    private static string Real(string sample, string file) => File.ReadAllText(FixturePath.Get("procfs", sample, file));

    // The layout of the oracle 2 GiB cma=128M boot: e820 usable [0, 0x9fc00) minus pfn 0, [1 MiB, 0x7ffe0000);
    // CMA "Reserved 128 MiB at 0x77e00000" = pfns [491008, 523776). Managed counts from its zoneinfo.
    private static MachineSpec OracleCmaLayout() => new(
    [
        new ZoneSpec(0, ZoneType.Dma, 1, 4095, [new PfnRange(1, 159), new PfnRange(256, 4096)], 3840),
        new ZoneSpec(0, ZoneType.Dma32, 4096, 520160, [new PfnRange(4096, 524256)], 502663),
    ])
    { Cma = [new PfnRange(491008, 523776)], ConfigZsmalloc = false };

    [Fact]
    public void BuddyinfoLineLayoutMatchesTheKernel()
    {
        // Small machine: DMA [1, 4096) frees 1 (o0), 2 (o1) ... 512 (o9) and three order-10 blocks (see
        // BuddyAllocatorTests); "%6lu " per order after "Node %d, zone %8s ".
        var m = new Machine(TestMachines.Small());
        string[] lines = BuddyinfoWriter.Write(m).Split('\n');
        Assert.Equal("Node 0, zone      DMA      1      1      1      1      1      1      1      1      1      1      3 ", lines[0]);
        Assert.Equal("Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0     12 ", lines[1]);
        // same widths as a real file's lines
        string[] real = Real(Oracle, "buddyinfo.txt").Split('\n');
        Assert.Equal(real[0].Length, lines[0].Length);
        Assert.Equal(real[0][..21], lines[0][..21]);
        Assert.Equal(real[1][..21], lines[1][..21]);
    }

    [Fact]
    public void FreshBootBuddyinfoIsDominatedByMaxOrderBlocksLikeTheRealOne()
    {
        // Real DMA32 right after boot: 482 order-10 blocks of 490387 free pages (98 %). The model with nothing
        // allocated has every free page of DMA32 outside the reserved head in order-10 blocks except the
        // unaligned edges; the real kernel has already allocated ~12k pages, which split a few blocks.
        var m = new Machine(OracleCmaLayout());
        string[] real = Real(Oracle, "buddyinfo.txt").Split('\n');
        long realOrder10 = long.Parse(real[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(482, realOrder10);
        long modelOrder10 = m.AreaNrFree(1, 10);
        Assert.True(modelOrder10 * 1024 >= m.Zones[1].NrFreePages * 95 / 100);
        Assert.True(Math.Abs(modelOrder10 - realOrder10) < 20, $"model {modelOrder10} vs real {realOrder10}");
    }

    [Fact]
    public void PagetypeinfoHeadersAndBlockTotalsMatchTheKernel()
    {
        var m = new Machine(OracleCmaLayout());
        string[] ours = PagetypeinfoWriter.Write(m).Split('\n');
        string[] real = Real(Oracle, "pagetypeinfo.txt").Split('\n');
        Assert.Equal(real[..4], ours[..4]); // block order, pages per block, blank, free-count header
        int realBlocks = Array.FindIndex(real, l => l.StartsWith("Number of blocks type", StringComparison.Ordinal));
        int ourBlocks = Array.FindIndex(ours, l => l.StartsWith("Number of blocks type", StringComparison.Ordinal));
        Assert.Equal(realBlocks, ourBlocks); // 2 zones x 6 types of free-count lines
        Assert.Equal(real[realBlocks], ours[ourBlocks]);
        for (int k = 4; k < realBlocks - 1; k++)
        {
            Assert.Equal(real[k][..43], ours[k][..43]); // "Node    0, zone      DMA, type    Unmovable "
            Assert.Equal(real[k].Length, ours[k].Length);
        }

        // Block table: DMA 1+7 = 8 pageblocks and DMA32 22+926+4+64 = 1016 in the real file; CMA 64 (128 MiB).
        long[] dma = m.PageblockCounts(0), dma32 = m.PageblockCounts(1);
        Assert.Equal(8, dma.Sum());
        Assert.Equal(1016, dma32.Sum());
        Assert.Equal(64, dma32[(int)MigrateType.Cma]);
        Assert.Equal(real[realBlocks + 2][..21], ours[ourBlocks + 2][..21]);
    }

    [Fact]
    public void PagetypeinfoWithoutConfigCmaListsFiveTypesLikeDebianX86()
    {
        var spec = new MachineSpec(TestMachines.Small().Zones) { ConfigCma = false };
        string[] ours = PagetypeinfoWriter.Write(new Machine(spec)).Split('\n');
        string[] real = Real(Debian, "pagetypeinfo.txt").Split('\n');
        int realBlocks = Array.FindIndex(real, l => l.StartsWith("Number of blocks type", StringComparison.Ordinal));
        Assert.Equal(real[realBlocks], ours[Array.FindIndex(ours, l => l.StartsWith("Number of blocks type", StringComparison.Ordinal))]);
        Assert.Equal(4 + 2 * 5, realBlocks - 1);
    }

    [Fact]
    public void ZoneinfoHasTheKernelsLinesInTheKernelsOrder()
    {
        var m = new Machine(OracleCmaLayout());
        string ours = ZoneinfoWriter.Write(m);
        string real = Real(Oracle, "zoneinfo.txt");
        Assert.Equal(Keys(real), Keys(ours));

        // values the model owns, read back through the parser
        IReadOnlyList<ZoneinfoZone> parsed = ZoneinfoReader.Parse(ours);
        Assert.Equal(5, parsed.Count);
        Assert.Equal(32768UL, parsed[1].Cma);
        Assert.Equal(502663UL, parsed[1].Managed);
        Assert.Equal(520160UL, parsed[1].Present);
        Assert.Equal((ulong)m.Zones[1].NrFreePages, parsed[1].Free);
        Assert.Equal(32768, parsed[1].Stats["nr_free_cma"]);
        // protection: DMA against DMA32-capable requests = 502663 / 256 = 1963
        Assert.Equal(new ulong[] { 0, 1963, 1963, 1963, 1963 }, parsed[0].Protection);
        // pagesets of 6.1 for one CPU: DMA32 batch = rounddown_pow2(64 + 32) - 1 = 63; high = low watermark;
        // stat threshold 2 * fls(1) * (1 + fls(502663 >> 15 = 15)) = 10
        Assert.Contains("              batch: 63\n  vm stats threshold: 10", ours);
        Assert.Contains($"              high:  {parsed[1].Low}\n", ours);
    }

    // The first word of each line (or "Node" headers), to compare layouts without values.
    private static List<string> Keys(string text) => text.Split('\n')
        .Select(l => Regex.Match(l, @"^\s*(Node \d+, zone\s+\S+|[a-zA-Z_:() -]+?)(\s+\(?-?\d|$)").Groups[1].Value)
        .ToList();

    [Fact]
    public void MeminfoFieldsAndWidthsMatchTheKernel()
    {
        var m = new Machine(OracleCmaLayout());
        string[] ours = MeminfoWriter.Write(m).TrimEnd('\n').Split('\n');
        string[] real = Real(Oracle, "meminfo.txt").TrimEnd('\n').Split('\n').Where(l => !l.StartsWith("DirectMap", StringComparison.Ordinal)).ToArray();
        Assert.Equal(real.Select(l => l[..l.IndexOf(':')]), ours.Select(l => l[..l.IndexOf(':')]));
        for (int k = 0; k < real.Length; k++)
        {
            Assert.Equal(real[k].Length, ours[k].Length);
        }

        // MemTotal = Σ managed = 3840 + 502663 pages = 2026012 kB, as in the real file; CmaTotal 131072 kB.
        Assert.Equal(real[0], ours[0]);
        Assert.Contains("CmaTotal:         131072 kB", ours);
    }

    [Fact]
    public void VmstatNamesAreKernelNamesInKernelOrder()
    {
        var m = new Machine(TestMachines.Small());
        m.Allocate(0, Gfp.Kernel);
        List<string> ours = VmstatWriter.Write(m).TrimEnd('\n').Split('\n').Select(l => l.Split(' ')[0]).ToList();
        List<string> real = Real(Oracle, "vmstat.txt").TrimEnd('\n').Split('\n').Select(l => l.Split(' ')[0]).ToList();
        // every name we print exists in the real file, in the same relative order
        List<int> positions = ours.Select(n => real.IndexOf(n)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("pgalloc_dma32 1\n", VmstatWriter.Write(m));
    }

    [Fact]
    public void ExtfragEventsListTheFallbacks()
    {
        // The first GFP_KERNEL page claims a MOVABLE order-10 block (see BuddyAllocatorTests): one claimed event.
        var m = new Machine(TestMachines.Small());
        m.Allocate(0, Gfp.Kernel);
        Assert.Equal("alloc_migratetype=0 (Unmovable) fallback_migratetype=1 (Movable) claimed=1 stolen=0\n", ExtfragWriter.Events(m));
    }

    [Fact]
    public void FragmentationIndicesByHand()
    {
        // 2 order-0 and 1 order-2 free blocks: free_pages 6, blocks 3.
        // order 3: no suitable block -> 1000 - (1000 + 6*1000/8) / 3 = 1000 - 1750/3 = 1000 - 583 = 417
        // unusable(3) = (6 - 0) * 1000 / 6 = 1000; unusable(1) = (6 - 2*... suitable(1) = 0*... + 1<<1 = 2 -> (6-4)*1000/6 = 333
        var info3 = new ContigPageInfo(6, 3, 0);
        Assert.Equal(417, FragmentationIndex.Fragmentation(3, info3));
        Assert.Equal(1000, FragmentationIndex.Unusable(3, info3));
        Assert.Equal(333, FragmentationIndex.Unusable(1, new ContigPageInfo(6, 3, 2)));
        Assert.Equal(-1000, FragmentationIndex.Fragmentation(1, new ContigPageInfo(6, 3, 2)));
        Assert.Equal(0, FragmentationIndex.Fragmentation(1, new ContigPageInfo(0, 0, 0)));
    }

    [Fact]
    public void ExtfragFilesOfAFreshMachineMatchTheRealFreshBoot()
    {
        // Every order has a suitable block right after boot: -1.000 everywhere, as in the real extfrag_index.
        var m = new Machine(OracleCmaLayout());
        string real = Real(Oracle, "extfrag.txt");
        string realExtfrag = real[(real.IndexOf("extfrag_index <==\n", StringComparison.Ordinal) + 18)..];
        Assert.Equal(realExtfrag.Split('\n')[1], ExtfragWriter.ExtfragIndex(m).Split('\n')[1]);
        Assert.StartsWith("Node 0, zone    DMA32 0.000 0.000 ", ExtfragWriter.UnusableIndex(m).Split('\n')[1]);
    }
}
