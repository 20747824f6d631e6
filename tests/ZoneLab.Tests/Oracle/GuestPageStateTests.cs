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
