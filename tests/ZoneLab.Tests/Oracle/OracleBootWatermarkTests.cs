using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Oracle;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The engine the oracle replays a recording in starts with the guest's own watermarks: min/low/high and protection of
/// every zone equal the values the guest printed in its first /proc/zoneinfo (the recordings' step0.zoneinfo.txt,
/// Debian 6.1.192 under QEMU). The guest computed them at its initcalls, before freeing the initrd and its init
/// sections; an engine that computed them from the final managed counts was a few pages high (anon-swap x86_64
/// DMA32: low 826 against the guest's 816).
/// </summary>
public class OracleBootWatermarkTests
{
    public static TheoryData<string> FirstRuns()
    {
        var d = new TheoryData<string>();
        foreach (string dir in OracleCompare.All(Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings")))
        {
            d.Add(Path.GetRelativePath(OracleWorkloadTests.Root, OracleCompare.Runs(dir)[0]));
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(FirstRuns))]
    public void EngineWatermarksAreTheGuests(string run)
    {
        string dir = Path.Combine(OracleWorkloadTests.Root, run);
        OracleRecording rec = OracleRecording.Read(dir);
        string workloadFile = Path.Combine(dir, "workload.yaml");
        OracleWorkload w = OracleWorkloadLoader.Load(File.ReadAllText(workloadFile), workloadFile, rec.Info.GetValueOrDefault("workload", "w"));
        IReadOnlyList<ZoneinfoZone> guest = ZoneinfoReader.Parse(File.ReadAllText(Path.Combine(dir, "step0.zoneinfo.txt")));
        using OracleEngineRunner e = OracleEngineRunner.BootOnly(w, rec);
        WatermarkCalculator calc = e.Machine.WatermarkCalculator;
        Assert.NotEmpty(guest);
        foreach (ZoneinfoZone g in guest)
        {
            ZoneWatermarks z = calc.Zones[(g.Node * calc.MaxNrZones) + (int)g.Type];
            string where = $"{run} node {g.Node} {ZoneTypes.Name(g.Type)}";
            Assert.True(g.Min == z.Min && g.Low == z.Low && g.High == z.High,
                $"{where}: guest min/low/high {g.Min}/{g.Low}/{g.High}, engine {z.Min}/{z.Low}/{z.High}");
            Assert.True(g.Protection.SequenceEqual(z.LowmemReserve),
                $"{where}: guest protection ({string.Join(", ", g.Protection)}), engine ({string.Join(", ", z.LowmemReserve)})");
        }
    }
}
