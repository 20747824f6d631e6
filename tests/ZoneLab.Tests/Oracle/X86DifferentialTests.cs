using System.Globalization;
using System.Text.RegularExpressions;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// Differential tests against real Debian 6.1 amd64 kernels booted under QEMU (tests/oracle/): the model fed
/// the real boot log must reproduce the real /proc/zoneinfo, dmesg zone lines and memory blocks exactly.
/// </summary>
public class X86DifferentialTests
{
    [Fact]
    public void AtLeastSixteenConfigurationsAreRecorded()
    {
        Assert.True(OracleFixture.All().Count() >= 16, "tests/ZoneLab.Tests/Fixtures/x86_64-6.1 must hold at least 16 real boots");
    }

    private static BootLayout FromDmesg(OracleFixture f) => new LayoutBuilder().FromDmesg(f.DmesgPath).Build();

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void ZonesMatchRealZoneinfo(string name)
    {
        OracleFixture f = OracleFixture.Get(name);
        BootLayout layout = FromDmesg(f);
        IReadOnlyList<ZoneinfoHeader> real = ZoneinfoReader.ReadFile(f.ZoneinfoPath);
        var model = layout.AllZones.ToList();
        Assert.Equal(real.Count, model.Count);
        for (int i = 0; i < real.Count; i++)
        {
            ZoneinfoHeader r = real[i];
            ZoneLayout m = model[i];
            string where = $"node {r.Node} zone {r.Zone}";
            Assert.Equal((r.Node, r.Zone), (m.Nid, m.Name));
            Assert.True(r.Spanned == m.Spanned, $"{where}: spanned real {r.Spanned} model {m.Spanned}");
            Assert.True(r.Present == m.Present, $"{where}: present real {r.Present} model {m.Present}");
            if (r.StartPfn is ulong sp)
            {
                Assert.True(sp == m.StartPfn, $"{where}: start_pfn real {sp} model {m.StartPfn}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void DmesgZoneLinesAreByteForByte(string name)
    {
        OracleFixture f = OracleFixture.Get(name);
        string model = LayoutDmesgWriter.Write(FromDmesg(f));
        string real = string.Concat(f.RealZoneLines().Select(l => l + "\n"));
        Assert.Equal(real, model);
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void MemoryBlocksMatch(string name)
    {
        OracleFixture f = OracleFixture.Get(name);
        BootLayout layout = FromDmesg(f);
        Dictionary<ulong, (int Node, string ValidZones)> real = f.RealMemoryBlocks();
        Assert.Equal(real.Keys.OrderBy(k => k), layout.MemoryBlocks.Select(b => b.Index));
        foreach (MemoryBlock b in layout.MemoryBlocks)
        {
            Assert.True(real[b.Index] == (b.Node, b.ValidZones), $"memory{b.Index}: real node {real[b.Index].Node} {real[b.Index].ValidZones}, model node {b.Node} {b.ValidZones}");
        }
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void MovableZoneStartMatchesTheKernelsLines(string name)
    {
        OracleFixture f = OracleFixture.Get(name);
        var real = new Dictionary<int, ulong>();
        foreach (string l in f.RealZoneLines())
        {
            Match m = Regex.Match(l, @"^  Node (\d+): 0x([0-9a-f]+)$");
            if (m.Success)
            {
                real[int.Parse(m.Groups[1].Value)] = ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber) >> 12;
            }
        }
        var model = FromDmesg(f).ZoneMovablePfn.Where(kv => kv.Value != 0).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(real.OrderBy(k => k.Key), model.OrderBy(k => k.Key));
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void ManagedFromRealZoneinfoIsTaken(string name)
    {
        OracleFixture f = OracleFixture.Get(name);
        BootLayout layout = new LayoutBuilder().FromDmesg(f.DmesgPath).WithZoneinfo(f.ZoneinfoPath).Build();
        foreach (ZoneinfoHeader r in ZoneinfoReader.ReadFile(f.ZoneinfoPath))
        {
            ZoneLayout z = layout.Node(r.Node)!.Zones.Single(z => z.Name == r.Zone);
            Assert.Equal(r.Managed, z.Managed);
            Assert.True(z.ManagedIsReal);
        }
        Assert.DoesNotContain(layout.Warnings, w => w.Contains("present", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void ZoneinfoFormatLinesEqualTheRealFile(string name)
    {
        // layout --dmesg F --zoneinfo Z --format zoneinfo: every line it prints (header, min/low/high,
        // spanned/present/managed/cma, protection, start_pfn) must appear, in order, in the real /proc/zoneinfo.
        OracleFixture f = OracleFixture.Get(name);
        BootLayout layout = new LayoutBuilder().FromDmesg(f.DmesgPath).WithZoneinfo(f.ZoneinfoPath).Build();
        var wm = LayoutWatermarks.Compute(layout, File.ReadAllText(f.ZoneinfoPath), File.ReadAllText(f.DmesgPath));
        string[] model = LayoutZoneinfoWriter.Write(layout, wm).TrimEnd('\n').Split('\n');
        string[] real = File.ReadAllLines(f.ZoneinfoPath);
        int at = 0;
        foreach (string line in model)
        {
            int found = Array.IndexOf(real, line, at);
            Assert.True(found >= 0, $"line '{line}' (after real line {at}) is not in the real zoneinfo");
            at = found + 1;
        }
        Assert.Equal(real.Count(l => l.Contains("protection:", StringComparison.Ordinal)), model.Count(l => l.Contains("protection:", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void ManagedEstimateIsWithinTwoPercentOnLargeZones(string name)
    {
        // The estimate (docs/managed-estimate.md) is calibrated to within 2% of real managed counts for
        // zones of at least 256 MiB; smaller zones carry fixed reservations that dominate them.
        OracleFixture f = OracleFixture.Get(name);
        BootLayout layout = FromDmesg(f);
        foreach (ZoneinfoHeader r in ZoneinfoReader.ReadFile(f.ZoneinfoPath))
        {
            ZoneLayout z = layout.Node(r.Node)!.Zones.Single(z => z.Name == r.Zone);
            if (r.Present < 65536)
            {
                continue;
            }
            double err = Math.Abs((double)z.Managed - r.Managed) / r.Present;
            Assert.True(err < 0.02, $"node {r.Node} zone {r.Zone}: estimate {z.Managed} vs real {r.Managed} ({err:P2} of present)");
        }
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void SynthesizedQemuMapEqualsTheRealOne(string name)
    {
        // --mem/--machine/--numa must give the same BIOS-e820 lines and SRAT node ranges QEMU gave the real guest.
        OracleFixture f = OracleFixture.Get(name);
        ulong ram = KernelNumber.ParseSize(f.Option("--mem")!, "--mem");
        QemuMachineType type = f.Option("--machine") == "q35" ? QemuMachineType.Q35 : QemuMachineType.Pc;
        List<ulong>? numa = f.Option("--numa")?.Split(',').Select(s => KernelNumber.ParseSize(s, "--numa")).ToList();
        MachineDescription synth = QemuX86Machine.Create(ram, type, numa, string.Empty);
        MachineDescription real = DmesgReader.Read(f.DmesgLines, f.Name);
        Assert.Equal(real.FirmwareE820.Entries.Select(e => e.ToString()), synth.FirmwareE820.Entries.Select(e => e.ToString()));
        if (!f.KernelArgs.Contains("numa=off", StringComparison.Ordinal))
        {
            // with numa=off the kernel does not parse (or print) the SRAT
            Assert.Equal(real.Srat, synth.Srat);
        }
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void UserDefinedMapEqualsTheKernelsUserLines(string name)
    {
        // With mem=/memmap= the kernel prints the edited map as "user: [mem ...] type" lines.
        OracleFixture f = OracleFixture.Get(name);
        var real = f.DmesgLines.Select(l => Regex.Match(l, @"\] user: (\[mem .*)$")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        BootLayout layout = FromDmesg(f);
        if (real.Count == 0)
        {
            Assert.Null(layout.UserDefinedE820);
            return;
        }
        Assert.Equal(real, layout.UserDefinedE820!.Entries.Select(e => e.ToString()));
    }

    [Theory]
    [MemberData(nameof(OracleFixture.Names), MemberType = typeof(OracleFixture))]
    public void SynthesizedMachineGivesTheRealLayout(string name)
    {
        OracleFixture f = OracleFixture.Get(name);
        ulong ram = KernelNumber.ParseSize(f.Option("--mem")!, "--mem");
        QemuMachineType type = f.Option("--machine") == "q35" ? QemuMachineType.Q35 : QemuMachineType.Pc;
        List<ulong>? numa = f.Option("--numa")?.Split(',').Select(s => KernelNumber.ParseSize(s, "--numa")).ToList();
        BootLayout layout = new LayoutBuilder().FromQemu(ram, type, numa).WithCommandLine("console=ttyS0 panic=-1 nokaslr " + f.KernelArgs).Build();
        string real = string.Concat(f.RealZoneLines().Select(l => l + "\n"));
        Assert.Equal(real, LayoutDmesgWriter.Write(layout));
    }
}
