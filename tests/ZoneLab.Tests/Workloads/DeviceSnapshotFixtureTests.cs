using System.Globalization;
using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Procfs;
using ZoneLab.Workloads.DeviceState;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// The engine brought to states recorded in real guests (Debian 6.1 under QEMU, tests/oracle/record-snapshots.sh:
/// x86_64 512 MiB without CONFIG_CMA, arm64 768 MiB with a 64 MiB CMA area; three snapshots each: after loading
/// tmpfs files, empty files and anonymous memory, after deleting part of them, after drop_caches and compaction).
/// The expected values are the kernel's own files in the fixture, never the model's output.
/// </summary>
public class DeviceSnapshotFixtureTests
{
    public static TheoryData<string> Snapshots()
    {
        var d = new TheoryData<string>();
        foreach (string machine in new[] { "x86_64-6.1-512M", "arm64-6.1-768M-cma64M" })
        {
            foreach (string s in new[] { "s1", "s2", "s3" })
            {
                d.Add(machine + "/" + s);
            }
        }

        return d;
    }

    private static string Dir(string name) => FixturePath.Get("snapshot", name);

    private static DesignMachine Boot(string name, out DeviceSnapshot snapshot, DesignKind design = DesignKind.MigrateCma)
    {
        snapshot = DeviceSnapshot.Load(Dir(name));
        return DeviceStateBoot.Boot(snapshot, design, KernelVersion.V6_1, out _);
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void BuddyinfoIsTheSnapshotsByteForByte(string name)
    {
        using DesignMachine dm = Boot(name, out _);
        Assert.Equal(File.ReadAllText(Path.Combine(Dir(name), "buddyinfo")), BuddyinfoWriter.Write(dm.Machine));
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void PagetypeinfoIsTheSnapshotsByteForByte(string name)
    {
        // free lists per migratetype and order, and the pageblock census (x86: no CMA column, as Debian's amd64 kernel)
        using DesignMachine dm = Boot(name, out _);
        Assert.Equal(File.ReadAllText(Path.Combine(Dir(name), "pagetypeinfo")), PagetypeinfoWriter.Write(dm.Machine));
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void MeminfoIsWithinOnePercent(string name)
    {
        using DesignMachine dm = Boot(name, out _);
        Dictionary<string, long> real = Fields(File.ReadAllText(Path.Combine(Dir(name), "meminfo")));
        Dictionary<string, long> model = Fields(MeminfoWriter.Write(dm.Machine));
        string[] fields =
        [
            "MemTotal", "MemFree", "Cached", "Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)",
            "Unevictable", "AnonPages", "Shmem", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables", "Dirty",
        ];
        foreach (string f in fields.Concat(real.ContainsKey("CmaTotal") ? ["CmaTotal", "CmaFree"] : []))
        {
            long want = real[f], got = model[f];
            Assert.True(Math.Abs(got - want) <= want / 100, $"{name} {f}: model {got} kB, snapshot {want} kB");
        }

        // without CONFIG_CMA the kernel prints no Cma lines, and neither does the model
        Assert.Equal(real.ContainsKey("CmaTotal"), model.ContainsKey("CmaTotal"));
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void FreePagesPerZoneAreBuddyinfosSumAndTheInvariantsHold(string name)
    {
        using DesignMachine dm = Boot(name, out _);
        InvariantChecker.Check(dm.Machine);
        foreach (string line in File.ReadAllLines(Path.Combine(Dir(name), "buddyinfo")))
        {
            // "Node 0, zone    DMA32   n0 n1 ... n10": free pages = sum of n_o * 2^o
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long pages = 0;
            for (int o = 0; o <= 10; o++)
            {
                pages += long.Parse(t[4 + o], CultureInfo.InvariantCulture) << o;
            }

            Zone z = dm.Machine.Zones.Single(x => x.PresentPages != 0 && x.Name == t[3]);
            Assert.Equal(pages, z.NrFreePages);
        }
    }

    [Fact]
    public void CmaPageblocksHoldOnlyMovableUses()
    {
        // arm64 s1: the 64 MiB area has 65152 of 65536 kB free; the 96 used pages must be movable (LRU) pages
        using DesignMachine dm = Boot("arm64-6.1-768M-cma64M/s1", out _);
        Machine m = dm.Machine;
        long used = 0;
        foreach (Zone z in m.Zones.Where(z => z.PresentPages != 0))
        {
            for (ulong pfn = z.StartPfn; pfn < z.EndPfn; pfn++)
            {
                if (m.PageblockType(pfn) == MigrateType.Cma && m.IsAllocatedHead(pfn, out _))
                {
                    used++;
                    Assert.True(m.UseOf(pfn) is PageUse.Anon or PageUse.Shmem or PageUse.File or PageUse.FileDirty, $"pfn {pfn}: {m.UseOf(pfn)}");
                }
            }
        }

        Assert.Equal((65536 - 65152) / 4, used);
    }

    [Theory]
    [InlineData(DesignKind.ZoneCma)]
    [InlineData(DesignKind.CmaInMovable)]
    [InlineData(DesignKind.Dmb)]
    public void OtherDesignsGetTheSamePagesFree(DesignKind design)
    {
        // the same pfns are free under a design that re-zones the CMA area: MemFree is the snapshot's (MemFree 402276 kB)
        using DesignMachine dm = Boot("arm64-6.1-768M-cma64M/s2", out _, design);
        Assert.Equal(402276 / 4, dm.Machine.TotalFreePages());
        InvariantChecker.Check(dm.Machine);
    }

    [Theory]
    [InlineData(DesignKind.Carveout)]
    [InlineData(DesignKind.Gcma)]
    public void AreaOutsideTheBuddyLosesItsFreePagesAndMovesWhatWasInIt(DesignKind design)
    {
        // a carve-out, and GCMA's area (a clean-page store, not buddy memory), are not managed by the buddy allocator:
        // the area's free pages (CmaFree 65152 kB) are lost and the 96 used pages in it (65536 - 65152 kB) are
        // allocated elsewhere
        var s = DeviceSnapshot.Load(Dir("arm64-6.1-768M-cma64M/s1"));
        using DesignMachine dm = DeviceStateBoot.Boot(s, design, KernelVersion.V6_1, out DeviceStateResult r);
        Assert.Equal(65152 / 4, r.LostFree);
        Assert.Equal((65536 - 65152) / 4, r.Displaced);
        Assert.Equal(0, r.DisplacedFailed);
        Assert.Equal(0, r.ExtraFree);
        Assert.Equal((311120 - 65152) / 4 - r.Displaced, dm.Machine.TotalFreePages());
    }

    private static Dictionary<string, long> Fields(string meminfo)
    {
        var d = new Dictionary<string, long>();
        foreach (string line in meminfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] t = line.Split(':', 2);
            d[t[0]] = long.Parse(t[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }

        return d;
    }
}
