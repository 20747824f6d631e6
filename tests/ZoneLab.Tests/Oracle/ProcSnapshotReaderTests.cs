using CsCheck;
using ZoneLab.Allocator;
using ZoneLab.Oracle;
using ZoneLab.Procfs;
using ZoneLab.Tests.Allocator;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The snapshot files of a recording (buddyinfo, pagetypeinfo, vmstat, trace counts) as bad input: a real step
/// (oracle/recordings/compaction-on-demand/x86_64/run1, step 4) cut or edited the ways a damaged copy is, must fail
/// with the file, line and what was expected, never give a table with rows missing or a count the kernel cannot print.
/// </summary>
public class ProcSnapshotReaderTests
{
    private static readonly string s_run = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", "compaction-on-demand", "x86_64", "run1");
    private static readonly string s_buddy = File.ReadAllText(Path.Combine(s_run, "step4.buddyinfo.txt"));
    private static readonly string s_types = File.ReadAllText(Path.Combine(s_run, "step4.pagetypeinfo.txt"));
    private static readonly string s_vmstat = File.ReadAllText(Path.Combine(s_run, "step4.vmstat.txt"));
    private static readonly string s_trace = File.ReadAllText(Path.Combine(s_run, "step4.trace.txt"));

    private static ZoneLabInputException Bad(string? buddy = null, string? types = null, string? vmstat = null, string? trace = null) =>
        Assert.Throws<ZoneLabInputException>(() => ProcSnapshot.Parse(buddy ?? s_buddy, types ?? s_types, vmstat ?? s_vmstat, trace ?? s_trace, "step4"));

    [Fact]
    public void TheRealStepReads()
    {
        ProcSnapshot s = ProcSnapshot.Parse(s_buddy, s_types, s_vmstat, s_trace, "step4");
        // the file's own lines: DMA32's census "Node 0, zone    DMA32  ..." and buddyinfo's DMA line
        Assert.Equal(["node0 DMA", "node0 DMA32"], s.Buddy.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(s.Buddy.Keys.Order(StringComparer.Ordinal), s.Blocks.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void APagetypeinfoCutBeforeItsCensusIsBadInput()
    {
        // the file cut after its free-count table: the old reader returned no census, and the table lost its
        // pagetypeinfo rows without a word
        string cut = s_types[..s_types.IndexOf("Number of blocks type", StringComparison.Ordinal)];
        Assert.Contains("step4.pagetypeinfo.txt:", Bad(types: cut).Message, StringComparison.Ordinal);
        Assert.Contains("expected the 'Number of blocks type' census table", Bad(types: cut).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACensusWithoutAZoneOfBuddyinfoIsBadInput()
    {
        string[] lines = s_types.TrimEnd('\n').Split('\n');
        string noDma32 = string.Join('\n', lines.Where(l => !(l.StartsWith("Node 0, zone    DMA32", StringComparison.Ordinal) && !l.Contains("type", StringComparison.Ordinal))));
        Assert.Contains("expected a block census line for node0 DMA32", Bad(types: noDma32).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AZoneTwiceIsBadInput()
    {
        string dma = s_buddy.Split('\n')[0];
        ZoneLabInputException e = Bad(buddy: s_buddy + dma + "\n");
        Assert.StartsWith("step4.buddyinfo.txt:3: expected each zone once", e.Message, StringComparison.Ordinal);
        string census = s_types.TrimEnd('\n').Split('\n')[^1];
        Assert.Contains("again", Bad(types: s_types + census + "\n").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("+3")]
    [InlineData("18446744073709551616")]
    public void ACountTheKernelCannotPrintIsBadInput(string count)
    {
        // buddyinfo prints %6lu, vmstat %lu (6.1 vmstat_start clamps page states at 0): never a sign, never 2^64
        string buddy = s_buddy.Split('\n')[0].Replace(" 0 ", $" {count} ", StringComparison.Ordinal);
        Assert.Contains($"expected a whole number, not '{count}'", Bad(buddy: buddy + "\n" + s_buddy.Split('\n')[1]).Message, StringComparison.Ordinal);
        Assert.Contains("step4.vmstat.txt:1:", Bad(vmstat: $"nr_free_pages {count}\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACounterOrEventTwiceOrATraceLineWithoutACountIsBadInput()
    {
        Assert.StartsWith("step4.vmstat.txt:2: expected each counter once", Bad(vmstat: "pgfree 1\npgfree 2\n").Message, StringComparison.Ordinal);
        Assert.StartsWith("step4.trace.txt:2: expected 'EVENT COUNT'", Bad(trace: "overrun 0\ngarbage\n").Message, StringComparison.Ordinal);
        Assert.StartsWith("step4.trace.txt:2: expected each event once", Bad(trace: "overrun 0\noverrun 1\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEnginesVmstatHasEachCounterOnce()
    {
        // the oracle runner's snapshots go through the same reader; it used to append its CMA counts after the
        // writer's own zeros, so cma_alloc_success appeared twice
        var m = new Machine(TestMachines.Small());
        string text = VmstatWriter.Write(m, new Dictionary<string, long> { ["cma_alloc_success"] = 7, ["cma_alloc_fail"] = 2 });
        Assert.Single(text.Split('\n'), l => l.StartsWith("cma_alloc_success ", StringComparison.Ordinal));
        Assert.Contains("cma_alloc_success 7\ncma_alloc_fail 2\n", text, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => VmstatWriter.Write(m, new Dictionary<string, long> { ["thp_fault_alloc"] = 1 }));
    }

    [Fact]
    public void MutatedStepFilesParseOrFailWithALocation()
    {
        string[][] files = [s_buddy.Split('\n'), s_types.Split('\n'), s_vmstat.Split('\n'), s_trace.Split('\n')];
        const string chars = " 0123456789-+,#xNodezone\n";
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Int[0, 80], Gen.Int[0, 4], Gen.Int[0, chars.Length - 1])
            .Sample((f, line, at, op, c) =>
            {
                string[] m = (string[])files[f].Clone();
                int i = line % m.Length;
                string l = m[i];
                int a = l.Length == 0 ? 0 : at % l.Length;
                m[i] = op switch
                {
                    0 => l.Remove(a, Math.Min(4, l.Length - a)),
                    1 => l.Length == 0 ? chars[c].ToString() : l[..a] + chars[c] + l[(a + 1)..],
                    2 => l.Insert(a, chars[c].ToString()),
                    3 => string.Empty,
                    _ => l + "\n" + l,
                };
                string[] t = [s_buddy, s_types, s_vmstat, s_trace];
                t[f] = string.Join('\n', m);
                try
                {
                    ProcSnapshot s = ProcSnapshot.Parse(t[0], t[1], t[2], t[3], "step4");
                    Assert.Equal(s.Buddy.Count, s.Blocks.Count);
                    Assert.All(s.Vmstat.Values, v => Assert.True(v >= 0));
                }
                catch (ZoneLabInputException e)
                {
                    Assert.Matches(@"^step4\.(buddyinfo|pagetypeinfo|vmstat|trace)\.txt:\d+: ", e.Message);
                    Assert.DoesNotContain('\n', e.Message);
                }
            }, iter: 2000, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void AStepVmstatCutShortIsBadInput()
    {
        // cut after thp_file_fallback_charge: thp_split_page and the rest would have read as 0 in the table
        string dir = CopyOfRun("mlock-reclaim/arm64/run1");
        string f = Path.Combine(dir, "step2.vmstat.txt");
        string[] lines = File.ReadAllLines(f);
        int cut = Array.FindIndex(lines, l => l.StartsWith("thp_file_fallback_charge ", StringComparison.Ordinal)) + 1;
        File.WriteAllLines(f, lines[..cut]);
        var e = Assert.Throws<ZoneLabInputException>(() => OracleRecording.Read(dir));
        Assert.Equal($"{f}:{cut + 1}: expected '{lines[cut].Split(' ')[0]}', the counter step 0's vmstat has here (the file ends)", e.Message);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void ASecondLineInTheCommandLineIsBadInput()
    {
        string dir = CopyOfRun("cma-under-anon/arm64/run1");
        File.AppendAllText(Path.Combine(dir, "cmdline.txt"), "garbage line\n");
        var e = Assert.Throws<ZoneLabInputException>(() => OracleCompare.Compare(dir));
        Assert.EndsWith("cmdline.txt:2: expected the kernel command line on one line", e.Message, StringComparison.Ordinal);
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("Cached:", "no 'Cached:' line")]
    [InlineData("MemFree:", "no 'MemFree:' line")]
    public void AStep0MeminfoWithoutAFieldTheResidueNeedsIsBadInput(string field, string message)
    {
        // the used memory at step 0 is re-created from MemTotal - MemFree and its Cached/AnonPages/SReclaimable
        // shares; a cut copy read the missing field as 0 kB
        string dir = CopyOfRun("compaction-on-demand/x86_64/run1");
        string f = Path.Combine(dir, "step0.meminfo.txt");
        File.WriteAllLines(f, File.ReadAllLines(f).Where(l => !l.StartsWith(field, StringComparison.Ordinal)));
        var e = Assert.Throws<ZoneLabInputException>(() => OracleCompare.Compare(dir));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        File.WriteAllText(f, File.ReadAllText(f).Replace("Active:", "Active: -", StringComparison.Ordinal));
        Assert.Throws<ZoneLabInputException>(() => OracleCompare.Compare(dir));
        Directory.Delete(dir, true);
    }

    private static string CopyOfRun(string run)
    {
        string src = Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", run);
        string dir = Path.Combine(Path.GetTempPath(), $"zl-snapshot-reader-{Environment.ProcessId}-{run.Replace('/', '-')}");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, true);
        }
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(src))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        return dir;
    }
}
