using ZoneLab.Allocator;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Allocator;

/// <summary>
/// For every real /proc/zoneinfo recorded from a 6.1/6.12 kernel, recompute min/low/high and protection from the
/// file's own managed counts and the boot log's late frees, and require the kernel's printed values exactly.
/// </summary>
public class RealZoneinfoWatermarkTests
{
    // Dumps taken after memory blocks were successfully offlined/onlined: offline_pages/online_pages ran
    // init_per_zone_wmark_min again with the then-current managed counts (from actions.txt: "result: OK").
    private static readonly HashSet<string> s_hotplugAfterDumps = new(StringComparer.Ordinal)
    {
        "x86_64-oracle-cma-6.1__i-2G-movablecore512M-offline",
    };

    public static TheoryData<string, string> Dumps()
    {
        var data = new TheoryData<string, string>();
        foreach (string dir in Directory.GetDirectories(FixturePath.Get("wmark")).Order(StringComparer.Ordinal))
        {
            foreach (string file in new[] { "zoneinfo.txt", "zoneinfo.after.txt" })
            {
                if (File.Exists(Path.Combine(dir, file)))
                {
                    data.Add(Path.GetFileName(dir), file);
                }
            }
        }

        return data;
    }

    [Fact]
    public void ReplayTextHasTheRealFilesWatermarkLines()
    {
        // The zoneinfo view of the replay prints the same lines as the real file for every field it covers.
        string dir = FixturePath.Get("wmark", "x86_64-debian-6.1__v05-4g-2nodes-kernelcore-1536m");
        string realText = File.ReadAllText(Path.Combine(dir, "zoneinfo.txt"));
        IReadOnlyList<ZoneinfoZone> real = ZoneinfoReader.Parse(realText);
        WatermarkCalculator calc = new BootWatermarkReplay().Run(real, DmesgLateFrees.Parse(File.ReadAllText(Path.Combine(dir, "dmesg.txt"))));
        string ours = ZoneinfoWriter.WriteWatermarks(real, calc);
        var realLines = new HashSet<string>(realText.Split('\n'));
        string[] keys = ["Node ", "  pages free", "        boost", "        min", "        low", "        high", "        spanned", "        present", "        managed", "        cma", "        protection", "  start_pfn"];
        int n = 0;
        foreach (string line in ours.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Contains(keys, k => line.StartsWith(k, StringComparison.Ordinal));
            Assert.Contains(line, realLines);
            n++;
        }

        // 2 nodes x 5 zones x 11 lines + start_pfn of the 4 populated zones
        Assert.Equal(2 * 5 * 11 + 4, n);
    }

    [Fact]
    public void AllRealSamplesArePresent()
    {
        // 32 boots (11 arm64, 7 Debian x86, 14 oracle x86) and 7 second dumps; more may be added.
        Assert.True(Dumps().Count >= 39);
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void WatermarksAndProtectionEqualTheRealFile(string sample, string file)
    {
        string dir = FixturePath.Get("wmark", sample);
        IReadOnlyList<ZoneinfoZone> real = ZoneinfoReader.Parse(File.ReadAllText(Path.Combine(dir, file)));
        // Only the inputs the CLI gets: the zoneinfo and the boot log (no iomem, no device tree).
        string dmesgPath = Path.Combine(dir, "dmesg.txt");
        DmesgLateFrees? log = File.Exists(dmesgPath) ? DmesgLateFrees.Parse(File.ReadAllText(dmesgPath)) : null;
        bool after = file.Contains("after", StringComparison.Ordinal);
        var replay = new BootWatermarkReplay
        {
            // the kernel release comes from the log ("Linux version 6.12.117+deb12-amd64" -> 6.12 rules)
            // The harness listed /proc/sys/vm between the two dumps; reading lowmem_reserve_ratio recomputes reserves.
            LowmemReserveRecomputedAtDump = after,
            RecomputedByHotplug = after && s_hotplugAfterDumps.Contains(sample),
        };

        WatermarkCalculator calc = replay.Run(real, log);

        for (int i = 0; i < real.Count; i++)
        {
            ZoneinfoZone r = real[i];
            ZoneWatermarks z = calc.Zones[i];
            string where = $"{sample}/{file} node {r.Node} {ZoneTypes.Name(r.Type)}";
            Assert.True(r.Min == z.Min && r.Low == z.Low && r.High == z.High,
                $"{where}: real min/low/high {r.Min}/{r.Low}/{r.High}, model {z.Min}/{z.Low}/{z.High}");
            if (r.Promo is ulong promo)
            {
                Assert.Equal(promo, z.RawMark(WatermarkIndex.Promo));
            }

            Assert.True(r.Protection.SequenceEqual(z.LowmemReserve),
                $"{where}: real protection ({string.Join(", ", r.Protection)}), model ({string.Join(", ", z.LowmemReserve)})");
        }

        string sysctl = Path.Combine(dir, after ? "sysctl-vm.after.txt" : "sysctl-vm.txt");
        if (File.Exists(sysctl))
        {
            string line = File.ReadLines(sysctl).First(l => l.StartsWith("min_free_kbytes = ", StringComparison.Ordinal));
            Assert.Equal(int.Parse(line["min_free_kbytes = ".Length..].Trim()), calc.MinFreeKbytes);
        }
    }
}
