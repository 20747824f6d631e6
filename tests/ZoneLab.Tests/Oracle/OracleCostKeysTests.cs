using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The workload keys the cost workload needs: a gigantic step of another size (arm64's 1 GiB PUD hstate beside
/// its 32 MiB CONT_PMD default), anonymous memory without THP (MADV_NOHUGEPAGE) and the instruction-counting guest clock.
/// </summary>
public class OracleCostKeysTests
{
    [Fact]
    public void GiganticSizeNothpAndIcountReachTheGuest()
    {
        const string Yaml = "archs: [arm64]\nmachine: {mem: 5G, icount: 0}\nsteps:\n  - gigantic: {count: 1, size: 1G}\n  - gigantic: 2\n"
            + "  - anon: {name: a, size: 8M, nothp: true}\n";
        OracleWorkload w = OracleWorkloadLoader.Load(Yaml, "t.yaml", "t");
        Assert.Equal(0, w.Machine("arm64").IcountShift);
        Assert.Equal(1UL << 30, OracleWorkloadChecks.GiganticBytes("arm64", (GiganticStep)w.Steps[0]));
        Assert.Equal(32UL << 20, OracleWorkloadChecks.GiganticBytes("arm64", (GiganticStep)w.Steps[1]));
        // the hstate directories are named by size in KiB (hugetlb_sysfs_add_hstate: "hugepages-%lukB")
        Assert.Equal(
            "write /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages 1\n"
            + "write /sys/kernel/mm/hugepages/hugepages-32768kB/nr_hugepages 2\n"
            + "anon a 8388608 -,nothp\n",
            GuestStepScript.Write(w, "arm64"));
        Assert.Equal(-1, OracleWorkloadLoader.Load("machine: {mem: 1G}\nsteps:\n  - sleep: 1s\n", "t.yaml", "t").Machine("x86_64").IcountShift);
    }

    [Theory]
    [InlineData("archs: [arm64]\nmachine: {mem: 2G}\nsteps:\n  - gigantic: {count: 1, size: 2M}\n", "t.yaml:4: gigantic (arm64): size 2 MiB is not a gigantic page size here")]
    [InlineData("archs: [x86_64]\nmachine: {mem: 2G}\nsteps:\n  - gigantic: {count: 1, size: 32M}\n", "t.yaml:4: gigantic (x86_64): size 32 MiB is not a gigantic page size here")]
    [InlineData("archs: [arm64]\nmachine: {mem: 2G}\nsteps:\n  - gigantic: {count: 3, size: 1G}\n", "3 gigantic pages of 1024 MiB are more than the guest's 2048 MiB")]
    [InlineData("archs: [arm64]\nmachine: {mem: 2G}\nsteps:\n  - gigantic: {size: 1G}\n", "steps[0].gigantic: 'count' is required")]
    [InlineData("machine: {mem: 1G}\nsteps:\n  - anon: {name: a, size: 8M, thp: true, nothp: true}\n", "steps[0].anon: thp and nothp exclude each other")]
    [InlineData("machine: {mem: 1G, icount: 11}\nsteps:\n  - sleep: 1s\n", "machine.icount: expected a whole number from 0 to 10, not '11'")]
    public void BadCostKeysAreOneLine(string yaml, string expected)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => OracleWorkloadLoader.Load(yaml, "t.yaml", "t"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
