using System.Text.Json;
using System.Text.RegularExpressions;

namespace ZoneLab.Tests.Robustness;

/// <summary>
/// Every input of issue 15's "Inputs that crash or hang" list: each one crashed, hung or answered wrongly before;
/// now it is one located line with exit 2, or the right answer.
/// </summary>
[Collection(InProcessCollection.Name)]
public class ListedInputTests
{
    private static string X86 => RobustFiles.X86Dmesg;

    [Fact]
    public void ZoneinfoWithoutProtectionLinesTakesTheZoneCountFromTheHeaders()
    {
        // zoneinfo_show() prints all five x86 zones of each node; the count came from the protection array before
        string z = RobustFiles.Write("zi-noprot.txt", File.ReadAllLines(RobustFiles.X86Zoneinfo).Where(l => !l.Contains("protection:")));
        InProcessResult r = RobustFiles.Run("layout", "--dmesg", X86, "--zoneinfo", z, "--format", "zoneinfo");
        Assert.True(r.Exit == 0, r.Err + r.Crash);
        // the replayed protection arrays equal the real kernel's (the lines removed from the input)
        string[] real = File.ReadAllLines(RobustFiles.X86Zoneinfo).Where(l => l.Contains("protection:")).Select(l => l.Trim()).ToArray();
        string[] ours = r.Out.Split('\n').Where(l => l.Contains("protection:")).Select(l => l.Trim()).ToArray();
        Assert.Equal(real, ours);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public void CompareRefusesATickThatIsNotPositive(string tick)
    {
        string line = RobustFiles.AssertInputError(RobustFiles.Run("compare", "--tick", tick));
        Assert.StartsWith("zonelab: --tick:", line);
    }

    [Theory]
    [InlineData("x86/mm: Memory block size", "0MB")]
    [InlineData("x86/mm: Memory block size", "129MB")]
    [InlineData("x86/mm: Memory block size", "4096MB")]
    public void MemoryBlockSizesProbeMemoryBlockSizeCannotGiveAreRefused(string find, string size)
    {
        var (path, line) = RobustFiles.Edit(X86, $"mbs-{size}.txt", find, l => l[..(l.IndexOf("size: ", StringComparison.Ordinal) + 6)] + size);
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("layout", "--dmesg", path));
        Assert.StartsWith($"zonelab: mbs-{size}.txt:{line}: ", msg);
    }

    [Theory]
    [InlineData("SRAT: Node 1 PXM 1", "SRAT: Node 4294967296 PXM 1", "srat-2e32.txt")]
    [InlineData("SRAT: Node 1 PXM 1", "SRAT: Node 99999 PXM 1", "srat-99999.txt")]
    [InlineData("SRAT: Node 1 PXM 1", "SRAT: Node 1024 PXM 1", "srat-1024.txt")]
    [InlineData("NODE_DATA(1)", "NODE_DATA(18446744073709551616)", "nodedata-2e64.txt")]
    public void NodeIdsAtOrBeyondMaxNumnodesAreRefusedAtTheirLine(string find, string replace, string name)
    {
        var (path, line) = RobustFiles.Edit(RobustFiles.NumaDmesg, name, find, l => l.Replace(find, replace));
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("layout", "--dmesg", path));
        Assert.StartsWith($"zonelab: {name}:{line}: ", msg);
        Assert.Contains("MAX_NUMNODES", msg);
    }

    [Theory]
    [InlineData("Node 0, zone      DMA", "Node 2147483648, zone      DMA", "zi-node.txt")]
    [InlineData("start_pfn:", "  start_pfn:           abc", "zi-startpfn.txt")]
    [InlineData("protection: (0, 1943", "        protection: (0, -2147483649, 1943, 1943, 1943)", "zi-prot.txt")]
    [InlineData("pages free     3776", "  pages free x 3776", "zi-free.txt")]
    [InlineData("nr_inactive_anon", "Node mable:", "zi-mable.txt")]
    public void DamagedZoneinfoNumbersAreRefusedAtTheirLine(string find, string replace, string name)
    {
        var (path, line) = RobustFiles.Edit(RobustFiles.X86Zoneinfo, name, find, _ => replace);
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("layout", "--dmesg", X86, "--zoneinfo", path, "--format", "zoneinfo"));
        Assert.StartsWith($"zonelab: {name}:{line}: ", msg);
    }

    [Fact]
    public void LowmemReserveRatioAboveIntMaxIsRefusedByTheLoader()
    {
        // proc_dointvec_minmax() on an int array: 2^31 is -EINVAL in the kernel
        string p = RobustFiles.Write("lowmem.yaml", [
            "name: lm", "machine:", "  mem: 1G", "  sysctls:", "    vm.lowmem_reserve_ratio: [2147483648, 256, 32, 0, 0]",
            "phases:", "  - name: p", "    duration: 1s", "    actors:", "      - {type: slab, name: s, kind: unmovable, rate: 10/s}"]);
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("run", p, "--design", "migrate-cma"));
        Assert.StartsWith("zonelab: ", msg);
        Assert.Contains("lowmem.yaml:5:", msg);
    }

    [Theory]
    [InlineData("1G@0xffffffffffffffff")]
    [InlineData("1G@0x400000000000")] // at MAX_PHYSMEM_BITS (46): beyond the pluggable range
    [InlineData("1G@0x40000000")] // over boot RAM
    [InlineData("100M")] // not a multiple of the 128 MiB memory block
    public void HotplugRefusesDimmsTheKernelRefuses(string dimm)
    {
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("hotplug", "--mem", "2G", "--dimm", dimm));
        Assert.StartsWith($"zonelab: --dimm {dimm}: ", msg);
    }

    [Fact]
    public void OneUsableE820EntryAbove4GiBIsAllZoneNormal()
    {
        // RAM only at [4 GiB, 6 GiB): every pfn is >= MAX_DMA32_PFN (0x100000), so ZONE_NORMAL holds all 524,288 pages
        // the boot's RAMDISK, NODE_DATA, zone range, early node range, Initmem, totalpages, Memory:, last_pfn,
        // unavailable-range, "Faking a node" and "Policy zone" lines describe the old map's RAM below 4 GiB: not this
        // machine's (lines the map cannot give make a damaged log)
        string[] lines = File.ReadAllLines(X86).Where(l => !l.Contains("BIOS-e820") && !l.Contains("RAMDISK:") && !l.Contains("NODE_DATA(")
            && !l.Contains("  node ") && !l.Contains("Initmem setup") && !l.Contains("totalpages:") && !l.Contains("] Memory: ") && !l.Contains("last_pfn = ")
            && !l.Contains("pages in unavailable ranges") && !l.Contains("Faking a node at") && !l.Contains("Policy zone:")
            && !Regex.IsMatch(l, @"\]   (DMA|DMA32|Normal|Device) ")).ToArray();
        string p = RobustFiles.Write("e820-above4g.txt", lines.Take(2).Append("[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000017fffffff] usable").Concat(lines.Skip(2)));
        InProcessResult r = RobustFiles.Run("layout", "--dmesg", p, "--format", "json");
        Assert.True(r.Exit == 0, r.Err + r.Crash);
        Assert.Equal(524288UL, ZonePresent(r.Out, "Normal"));
        Assert.Equal(0UL, ZonePresent(r.Out, "DMA32"));
    }

    [Fact]
    public void ExactmapWithOnlyMemoryAbove4GiBIsAllZoneNormal()
    {
        // memmap=exactmap memmap=1G@4G: the only RAM is [4 GiB, 5 GiB), 262,144 pages of ZONE_NORMAL
        InProcessResult r = RobustFiles.Run("layout", "--mem", "2G", "--format", "json", "--", "memmap=exactmap", "memmap=1G@4G");
        Assert.True(r.Exit == 0, r.Err + r.Crash);
        Assert.Equal(262144UL, ZonePresent(r.Out, "Normal"));
    }

    [Theory]
    [InlineData("proc", "--mem", "8T")]
    [InlineData("replay", "TRACE", "--mem", "9T")]
    public void MachinesBeyondTheEngineAreRefusedNotCrashed(params string[] args)
    {
        string[] a = args.Select(x => x == "TRACE" ? FixturePath.Get("trace", "x86_64-6.1-kmem", "trace.txt") : x).ToArray();
        string msg = RobustFiles.AssertInputError(RobustFiles.Run(a));
        Assert.Contains("8 TiB", msg);
    }

    [Fact]
    public void MoreNodesThanTheEngineHoldsAreRefused()
    {
        string numa = string.Join(',', Enumerable.Repeat("64M", 64));
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("proc", "--mem", "4G", "--numa", numa));
        Assert.Contains("nodes", msg);
    }

    [Theory]
    [InlineData("8192T")] // 8 PiB: beyond x86-64's 52 physical address bits
    [InlineData("1E")]
    public void MemBeyondWhatX86CanAddressIsRefused(string mem)
    {
        string msg = RobustFiles.AssertInputError(RobustFiles.Run("layout", "--mem", mem));
        Assert.StartsWith("zonelab: --mem: ", msg);
        Assert.Contains("MAX_PHYSMEM_BITS", msg);
    }

    [Fact]
    public void RamAboveMaxPhysmemBitsIsNotUsedAndSaysSo()
    {
        // a usable e820 entry at 0xfffffffffffff000 is above 2^46: the kernel's zones end at max_pfn, so the layout is
        // that of the log without the entry, with a warning instead of a silent drop
        string[] lines = File.ReadAllLines(X86);
        int at = Array.FindLastIndex(lines, l => l.Contains("BIOS-e820"));
        var withTop = lines.Take(at + 1).Append("[    0.000000] BIOS-e820: [mem 0xfffffffffffff000-0xffffffffffffffff] usable").Concat(lines.Skip(at + 1));
        string p = RobustFiles.Write("e820-top.txt", withTop);
        InProcessResult plain = RobustFiles.Run("layout", "--dmesg", X86, "--format", "memory-blocks");
        InProcessResult top = RobustFiles.Run("layout", "--dmesg", p, "--format", "memory-blocks");
        Assert.Equal(0, top.Exit);
        Assert.Equal(plain.Out, top.Out);
        Assert.Contains("MAX_PHYSMEM_BITS", top.Err);
    }

    [Fact]
    public void MemmapAtAHugeAddressEndsWithAWarning()
    {
        InProcessResult r = RobustFiles.Run("layout", "--mem", "2G", "--", "memmap=4K@0x8000000000000000");
        Assert.Equal(0, r.Exit);
        Assert.Contains("MAX_PHYSMEM_BITS", r.Err);
    }

    [Fact]
    public void FilesThatAreNotFilesAreLocatedErrors()
    {
        string loop = Path.Combine(RobustFiles.Dir, "selfloop");
        if (!File.Exists(loop) && !Directory.Exists(loop))
        {
            File.CreateSymbolicLink(loop, loop);
        }
        Assert.Contains("selfloop", RobustFiles.AssertInputError(RobustFiles.Run("layout", "--dmesg", loop)));
        Assert.Contains("selfloop", RobustFiles.AssertInputError(RobustFiles.Run("layout", "--dmesg", X86, "--zoneinfo", loop)));
        Assert.Contains("selfloop", RobustFiles.AssertInputError(RobustFiles.Run("run", loop, "--design", "gcma")));
        Assert.Contains("is a directory", RobustFiles.AssertInputError(RobustFiles.Run("layout", "--dmesg", RobustFiles.Dir)));
    }

    [Fact]
    public void DamagedGzipTracesAreLocatedErrors()
    {
        byte[] good = GzipOf(File.ReadAllBytes(FixturePath.Get("trace", "x86_64-6.1-kmem", "trace.txt")));
        string plain = Path.Combine(RobustFiles.Dir, "plain.gz");
        File.WriteAllText(plain, "plain text\n");
        string garbage = Path.Combine(RobustFiles.Dir, "garbage.gz");
        File.WriteAllBytes(garbage, [0x1f, 0x8b, 8, 0, .. "garbagegarbagegarbagegarbage"u8.ToArray()]);
        string truncated = Path.Combine(RobustFiles.Dir, "truncated.gz");
        File.WriteAllBytes(truncated, good[..(good.Length / 2)]);
        string badCrc = Path.Combine(RobustFiles.Dir, "badsize.gz");
        byte[] b = (byte[])good.Clone();
        b[^1] ^= 0x55; // ISIZE, the trailer's length
        File.WriteAllBytes(badCrc, b);
        Assert.Contains("not gzip", RobustFiles.AssertInputError(RobustFiles.Run("replay", plain, "--mem", "256M")));
        RobustFiles.AssertInputError(RobustFiles.Run("replay", garbage, "--mem", "256M"));
        Assert.Contains("truncated", RobustFiles.AssertInputError(RobustFiles.Run("replay", truncated, "--mem", "256M")));
        Assert.Contains("gzip", RobustFiles.AssertInputError(RobustFiles.Run("replay", badCrc, "--mem", "256M")));
    }

    [Theory]
    [InlineData("--dmesg")]
    [InlineData("--zoneinfo")]
    [InlineData("--dtb")]
    public void DevZeroStopsAtALimitInsteadOfFillingMemory(string option)
    {
        string[] args = option == "--zoneinfo" ? ["layout", "--dmesg", X86, "--zoneinfo", "/dev/zero"] : ["layout", option, "/dev/zero"];
        InProcessResult r = InProcessZonelab.Run(args, TimeSpan.FromSeconds(60), memoryLimitBytes: 1L << 30);
        RobustFiles.AssertInputError(r);
        Assert.True(r.PeakManagedBytes < (512L << 20), $"peak {r.PeakManagedBytes >> 20} MiB");
    }

    // every command that reads a file the user names: explain and sweep read theirs whole with File.ReadAllText and
    // ran out of memory on /dev/zero (an OutOfMemoryException after 4 GiB, exit 70), oracle run's workload likewise
    [Theory]
    [InlineData("explain", "/dev/zero")]
    [InlineData("sweep", "/dev/zero", "--dry-run")]
    [InlineData("oracle", "run", "/dev/zero", "--out", "never-written")]
    [InlineData("compare", "/dev/zero")]
    [InlineData("run", "/dev/zero", "--design", "gcma")]
    [InlineData("replay", "/dev/zero", "--mem", "256M")]
    [InlineData("watermarks", "--zoneinfo", "/dev/zero")]
    public void DevZeroAsAnyCommandsInputStopsAtALimit(params string[] args)
    {
        InProcessResult r = InProcessZonelab.Run(args, TimeSpan.FromSeconds(60), memoryLimitBytes: 1L << 30);
        Assert.Contains("/dev/zero", RobustFiles.AssertInputError(r));
        Assert.True(r.PeakManagedBytes < (512L << 20), $"peak {r.PeakManagedBytes >> 20} MiB");
    }

    [Fact]
    public void GridNamingDevZeroAsItsScenarioStopsAtALimit()
    {
        string grid = RobustFiles.Write("zero-scenario-grid.yaml", ["scenario: /dev/zero", "designs: [gcma]", "seeds: [1]"]);
        InProcessResult r = InProcessZonelab.Run(["sweep", grid, "--dry-run"], TimeSpan.FromSeconds(60), memoryLimitBytes: 1L << 30);
        Assert.Contains("/dev/zero", RobustFiles.AssertInputError(r));
        Assert.True(r.PeakManagedBytes < (512L << 20), $"peak {r.PeakManagedBytes >> 20} MiB");
    }

    [Fact]
    public void DeeplyNestedYamlIsRefusedBeforeTheParserRecurses()
    {
        string p = Path.Combine(RobustFiles.Dir, "nested.yaml");
        // one '[' per line: the 64 KiB line limit does not stop it, the nesting limit must
        File.WriteAllText(p, string.Concat(Enumerable.Repeat("[\n", 100_000)) + string.Concat(Enumerable.Repeat("]\n", 100_000)));
        InProcessResult r = InProcessZonelab.Run(["run", p, "--design", "gcma"], TimeSpan.FromSeconds(30));
        Assert.Contains("nested deeper than", RobustFiles.AssertInputError(r));
    }

    [Theory]
    [InlineData("duration: 1e12s", "rate: 1M/s")]
    [InlineData("duration: 10s", "rate: 1e12GB/s")]
    public void ScenariosBeyondTheWorkLimitAreRefusedUpFront(string duration, string rate)
    {
        string p = RobustFiles.Write($"work-{duration.Length}-{rate.Length}.yaml", [
            "name: big", "machine:", "  mem: 1G", "phases:", "  - name: p", $"    {duration}", "    actors:",
            $"      - {{type: anon, name: a, {rate}}}"]);
        string msg = RobustFiles.AssertInputError(InProcessZonelab.Run(["run", p, "--design", "migrate-cma"], TimeSpan.FromSeconds(30)));
        Assert.Contains("at most", msg);
    }

    [Fact]
    public void ACmaPeriodOfOneNanosecondIsRefusedUpFront()
    {
        string p = RobustFiles.Write("cma-1ns.yaml", [
            "name: c", "machine:", "  mem: 1G", "  cmdline: cma=64M", "phases:", "  - name: p", "    duration: 60s", "    actors:",
            "      - {type: cma, name: cam, device: isp, size: 4M, period: 1ns}"]);
        RobustFiles.AssertInputError(InProcessZonelab.Run(["run", p, "--design", "migrate-cma"], TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void AHundredThousandPhasesAreRefusedAtThePhaseBeyondTheLimit()
    {
        var lines = new List<string> { "name: many", "machine:", "  mem: 1G", "phases:" };
        for (int i = 0; i < 100_000; i++)
        {
            lines.Add($"  - {{name: p{i}, duration: 1s, actors: [{{type: slab, name: s, kind: unmovable, rate: 1/s}}]}}");
        }
        string p = RobustFiles.Write("phases.yaml", lines);
        string msg = RobustFiles.AssertInputError(InProcessZonelab.Run(["run", p, "--design", "gcma"], TimeSpan.FromSeconds(60)));
        Assert.Contains($"phases.yaml:{5 + 1000}:", msg); // phases[1000] is on line 5 + 1000
    }

    [Fact]
    public void OutputOptionsAreCheckedBeforeTheRun()
    {
        Assert.StartsWith("zonelab: --designs", RobustFiles.AssertInputError(RobustFiles.Run("compare", "--designs", ",,,")).Replace("--design:", "--designs"));
        Assert.Contains("/nonexistent", RobustFiles.AssertInputError(RobustFiles.Run("compare", "--plot", "/nonexistent/x.png")));
        Assert.StartsWith("zonelab: --out", RobustFiles.AssertInputError(RobustFiles.Run("compare", "--out", "")));
    }

    [Fact]
    public void BenchRefusesATraceWithoutEvents()
    {
        Assert.Contains("no page-allocator events", RobustFiles.AssertInputError(RobustFiles.Run("bench", "--quick", "--trace", "/dev/null")));
    }

    private static ulong ZonePresent(string json, string zone)
    {
        using JsonDocument d = JsonDocument.Parse(json);
        ulong sum = 0;
        foreach (JsonElement n in d.RootElement.GetProperty("nodes").EnumerateArray())
        {
            foreach (JsonElement z in n.GetProperty("zones").EnumerateArray())
            {
                if (z.GetProperty("name").GetString() == zone)
                {
                    sum += z.GetProperty("present").GetUInt64();
                }
            }
        }
        return sum;
    }

    private static byte[] GzipOf(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return ms.ToArray();
    }
}

/// <summary>In-process runs redirect the console: the classes that use them run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class InProcessCollection
{
    public const string Name = "zonelab in-process";
}
