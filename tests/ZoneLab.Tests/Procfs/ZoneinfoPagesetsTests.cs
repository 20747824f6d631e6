using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Procfs;

/// <summary>
/// The pagesets block of /proc/zoneinfo (zoneinfo_show_print: "cpu: N", "count:", "high:", "batch:" per online CPU),
/// read into <see cref="ZoneinfoZone.Pagesets"/>: the oracle runner starts the engine's per-cpu lists from it.
/// </summary>
public class ZoneinfoPagesetsTests
{
    private static string X86 => FixturePath.Get("x86_64-6.1", "x01-pc-2g-plain", "zoneinfo.txt");

    [Fact]
    public void ReadsEveryZonesPagesetOfTheRealFile()
    {
        // Read off the file by eye (lines 73-77 and 109-113): DMA cpu 0 count 0 high 107 batch 1;
        // DMA32 cpu 0 count 2494 high 13971 batch 63. Normal, Movable, Device are empty: no pagesets.
        IReadOnlyList<ZoneinfoZone> zones = ZoneinfoReader.ParseFile(X86);
        ZoneinfoPageset dma = Assert.Single(zones[0].Pagesets);
        Assert.Equal((0, 0L, 107L, 1L), (dma.Cpu, dma.Count, dma.High, dma.Batch));
        ZoneinfoPageset dma32 = Assert.Single(zones[1].Pagesets);
        Assert.Equal((0, 2494L, 13971L, 63L), (dma32.Cpu, dma32.Count, dma32.High, dma32.Batch));
        Assert.All(zones.Skip(2), z => Assert.Empty(z.Pagesets));
        // the pageset lines are not zone counters: the zone's watermark "high" is still its own
        Assert.False(zones[1].Stats.ContainsKey("count:"));
    }

    [Fact]
    public void TheEngineComputesTheSameBatchAsTheRecordedKernel()
    {
        // The oracle's anon-swap x86_64 guest (512 MiB, 1 CPU) printed DMA32 "high: 816", "batch: 31" and DMA
        // "high: 27", "batch: 1" (step0.zoneinfo.txt). zone_highsize with percpu_pagelist_high_fraction 0 is the
        // zone's low watermark split over the CPUs (at least 4 batches): the file's own "low" lines are 816 and 27.
        // zone_batchsize depends on managed pages only: the engine booted from the same recording gives 31 and 1,
        // and its high is its own low watermark (which is 10 pages above the kernel's: min_free_kbytes, not pcp).
        string rec = Path.Combine(Oracle.OracleWorkloadTests.Root, "oracle", "recordings", "anon-swap", "x86_64", "run1");
        IReadOnlyList<ZoneinfoZone> real = ZoneinfoReader.ParseFile(Path.Combine(rec, "step0.zoneinfo.txt"));
        Assert.Equal((816L, 31L, 816UL), (real[1].Pagesets[0].High, real[1].Pagesets[0].Batch, real[1].Low));
        Assert.Equal((27L, 1L, 27UL), (real[0].Pagesets[0].High, real[0].Pagesets[0].Batch, real[0].Low));
        var layout = new LayoutBuilder().FromDmesg(Path.Combine(rec, "dmesg.txt")).WithZoneinfo(Path.Combine(rec, "step0.zoneinfo.txt")).Build();
        using var dm = new MigrateCmaDesign { PerCpuLists = true }.Build(layout, KernelVersion.V6_1);
        Zone dma32 = dm.Machine.Zones[1], dma = dm.Machine.Zones[0];
        Assert.Equal(31, Machine.ZoneBatchsize(dma32));
        Assert.Equal(1, Machine.ZoneBatchsize(dma));
        Assert.Equal((int)dma32.Watermarks.RawMark(WatermarkIndex.Low), dm.Machine.ZoneHighsize(dma32, 31));
    }

    [Theory]
    [InlineData("              count: x12\n", 75, "'count: x12': expected 'count: N' in a pagesets block")]
    [InlineData("              high:  -3\n", 76, "'high:  -3': expected 'high: N' in a pagesets block")]
    public void ABadNumberIsALocatedError(string line, int lineNo, string what)
    {
        string[] lines = File.ReadAllLines(X86);
        lines[lineNo - 1] = line.TrimEnd('\n');
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => ZoneinfoReader.Parse(string.Join('\n', lines), "zi.txt"));
        Assert.Equal($"zi.txt:{lineNo}: {what}", e.Message);
    }

    [Fact]
    public void ACountBeforeAnyCpuLineIsALocatedError()
    {
        string[] lines = File.ReadAllLines(X86);
        lines[73] = "    nocpu";
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => ZoneinfoReader.Parse(string.Join('\n', lines), "zi.txt"));
        Assert.Equal("zi.txt:75: 'count: 0' before any 'cpu: N' line of the pagesets block", e.Message);
    }

    [Fact]
    public void MutatedPagesetsParseOrFailWithALocatedError()
    {
        // byte mutations inside the real file's two pagesets blocks (lines 73-78, 109-114): the reader either reads
        // the text or refuses it with ZoneLabInputException, never another exception
        string[] lines = File.ReadAllLines(X86);
        int[] targets = [74, 75, 76, 77, 110, 111, 112, 113];
        const string Bytes = "0123456789: -x\tcpu";
        Gen.Select(Gen.Int[0, targets.Length - 1], Gen.Int[0, 3], Gen.Int[0, 40], Gen.Int[0, Bytes.Length - 1])
            .Sample((ti, op, at, b) =>
            {
                string[] copy = (string[])lines.Clone();
                string l = copy[targets[ti]];
                int p = Math.Min(at, l.Length);
                copy[targets[ti]] = op switch
                {
                    0 => l.Remove(Math.Min(p, Math.Max(0, l.Length - 1)), l.Length == 0 ? 0 : 1),
                    1 => l.Insert(p, Bytes[b].ToString()),
                    2 => p < l.Length ? l.Remove(p, 1).Insert(p, Bytes[b].ToString()) : l + Bytes[b],
                    _ => l + "99999999999999999999",
                };
                try
                {
                    ZoneinfoReader.Parse(string.Join('\n', copy), "zi.txt");
                }
                catch (ZoneLabInputException)
                {
                }
            }, iter: 2000);
    }
}
