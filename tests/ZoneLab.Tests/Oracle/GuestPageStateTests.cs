using ZoneLab.Allocator;
using ZoneLab.Oracle;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The page state of the `--page-state` recordings (oracle/page-state/WORKLOAD/ARCH/run*, Debian 6.1.192 under QEMU
/// TCG): the free blocks derived from kpageflags must give the same moment's /proc/buddyinfo exactly (every zone and
/// order), and with the pageblock types read through /proc/kcore the same moment's pagetypeinfo (pageblock census and
/// free lists). Both files are the kernel's own output, independent of the reader.
/// </summary>
public class GuestPageStateTests
{
    public static TheoryData<string> Runs()
    {
        var d = new TheoryData<string>();
        string root = Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state");
        foreach (string w in OracleCompare.All(root))
        {
            foreach (string r in OracleCompare.Runs(w))
            {
                d.Add(Path.GetRelativePath(OracleWorkloadTests.Root, r));
            }
        }
        return d;
    }

    private static GuestStartState Load(string run) => GuestStartState.Read(OracleRecording.Read(Path.Combine(OracleWorkloadTests.Root, run)));

    private static readonly MigrateType[] s_arm64Types =
        [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable, MigrateType.HighAtomic, MigrateType.Cma, MigrateType.Isolate];

    [Fact]
    public void FreeBlocksAreTheLargestAlignedFreeRangesThatMayMerge()
    {
        // 2048 free pages (KPF_BUDDY = 0x400) in four pageblocks Movable, Movable, CMA, Movable (bits 1, 1, 4, 1):
        // pageblocks 0-1 merge to one order-10 block; 2 and 3 may not (6.1 __free_one_page: CMA is not
        // migratetype_is_mergeable), so two order-9 blocks
        GuestPageState a = GuestPageState.Parse(["0 800 400"], "k", ["0 2 1", "400 1 4", "600 1 1"], "p");
        GuestStartState sa = GuestStartState.Build(a, s_arm64Types, [new GuestZone(0, "DMA", 0, 0x800)], "p");
        Assert.Equal([(0x0UL, 10, MigrateType.Movable), (0x400UL, 9, MigrateType.Cma), (0x600UL, 9, MigrateType.Movable)],
            sa.FreeBlocks.Select(b => (b.Pfn, b.Order, b.Migratetype)));

        // pfn 1 on the LRU (0x20), the rest free: the buddy of each block up from pfn 0 holds pfn 1, so 0 (order 0),
        // 2 (1), 4 (2), ... 0x100 (8), 0x200 (9: its buddy, pageblock 0, is not all free), 0x400 (10)
        GuestPageState b = GuestPageState.Parse(["0 1 400", "1 1 20", "2 7fe 400"], "k", ["0 4 1"], "p");
        GuestStartState sb = GuestStartState.Build(b, s_arm64Types, [new GuestZone(0, "DMA", 0, 0x800)], "p");
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], sb.FreeBlocks.Select(x => x.Order));
        Assert.Equal([0x0UL, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400], sb.FreeBlocks.Select(x => x.Pfn));

        // a zone boundary at 0x300 cuts the order-10 range: blocks never straddle zones
        GuestStartState sc = GuestStartState.Build(a, s_arm64Types, [new GuestZone(0, "DMA", 0, 0x300), new GuestZone(0, "Normal", 0x300, 0x800)], "p");
        Assert.Equal([(0x0UL, 9), (0x200UL, 8), (0x300UL, 8), (0x400UL, 9), (0x600UL, 9)], sc.FreeBlocks.Select(x => (x.Pfn, x.Order)));
    }

    [Fact]
    public void ARunWhoseStateMovedBetweenTheReadsIsRejected()
    {
        // anon-swap x86_64 run1's step 0 with its buddyinfo read a moment later than its kpageflags: one page of a
        // DMA32 order-1 block allocated in between (the kernel's own row "3 3 0 4 ..." becomes "4 2 0 4 ...", the
        // shape of what the unkept Round 10 runs had), so the 3 order-0 blocks kpageflags gives are not buddyinfo's 4
        string from = Path.Combine(OracleWorkloadTests.Root, "oracle", "page-state", "anon-swap", "x86_64", "run1");
        string dir = Directory.CreateTempSubdirectory("zl-moved-").FullName;
        try
        {
            foreach (string f in Directory.GetFiles(from))
            {
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            }

            string bi = Path.Combine(dir, "step0.buddyinfo.txt");
            string text = File.ReadAllText(bi);
            string moved = text.Replace("zone    DMA32      3      3      0", "zone    DMA32      4      2      0", StringComparison.Ordinal);
            Assert.NotEqual(text, moved);
            File.WriteAllText(bi, moved);

            var ex = Assert.Throws<ZoneLabInputException>(() => GuestStartState.Read(OracleRecording.Read(dir)));
            Assert.Contains("step0.kpageflags.txt", ex.Message);
            Assert.Contains("zone DMA32 order 0: 3 free blocks in kpageflags, 4 in step0.buddyinfo.txt", ex.Message);
            Assert.Contains("moved", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void DerivedFreeBlocksGiveTheRecordedBuddyinfo(string run)
    {
        GuestStartState s = Load(run);
        IReadOnlyList<BuddyinfoZone> bi = BuddyinfoReader.Read(Path.Combine(OracleWorkloadTests.Root, run, "step0.buddyinfo.txt"), "buddyinfo");
        Assert.Equal(bi.Count, s.Zones.Count);
        for (int z = 0; z < s.Zones.Count; z++)
        {
            BuddyinfoZone row = bi.Single(b => b.Node == s.Zones[z].Node && b.Zone == s.Zones[z].Name);
            Assert.Equal(row.NrFree, s.NrFree(z));
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void PageblockTypesGiveTheRecordedCensus(string run)
    {
        GuestStartState s = Load(run);
        PagetypeinfoFile pti = PagetypeinfoReader.Read(Path.Combine(OracleWorkloadTests.Root, run, "step0.pagetypeinfo.txt"), "pagetypeinfo");
        for (int z = 0; z < s.Zones.Count; z++)
        {
            PagetypeinfoZone row = pti.Zones.Single(b => b.Node == s.Zones[z].Node && b.Zone == s.Zones[z].Name);
            Assert.Equal(row.Blocks, s.Census(z));
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void FreeBlocksAreOnTheirPageblocksLists(string run)
    {
        // every free block on its pageblock's list: pagetypeinfo's free lists per type and order
        GuestStartState s = Load(run);
        PagetypeinfoFile pti = PagetypeinfoReader.Read(Path.Combine(OracleWorkloadTests.Root, run, "step0.pagetypeinfo.txt"), "pagetypeinfo");
        for (int z = 0; z < s.Zones.Count; z++)
        {
            PagetypeinfoZone row = pti.Zones.Single(b => b.Node == s.Zones[z].Node && b.Zone == s.Zones[z].Name);
            long[,] mine = s.FreeByType(z);
            foreach (MigrateType mt in pti.Types)
            {
                for (int o = 0; o < Pageblock.NrOrders; o++)
                {
                    Assert.True(row.Free[(int)mt, o] == mine[(int)mt, o], $"{s.Zones[z].Name} {mt} order {o}: kernel {row.Free[(int)mt, o]}, derived {mine[(int)mt, o]}");
                }
            }
        }
    }
}
