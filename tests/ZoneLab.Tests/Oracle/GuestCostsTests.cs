using CsCheck;
using ZoneLab.Contiguous;
using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// The guest's costs (docs/fidelity.md, "Costs measured in the guest"): the figures come from the recordings'
/// steps.txt and vmstat, the published tables are the fixtures', and steps.txt damaged is bad input.
/// </summary>
public class GuestCostsTests
{
    private static string Recording(string workload, string arch) => Path.Combine(OracleWorkloadTests.Root, "oracle", "recordings", workload, arch);

    private static (OracleWorkload W, OracleRecording R) Run1(string workload, string arch)
    {
        string dir = Path.Combine(Recording(workload, arch), "run1");
        return (OracleWorkloadLoader.LoadFile(Path.Combine(OracleWorkloadTests.Root, "oracle", "workloads", workload + ".yaml")), OracleRecording.Read(dir));
    }

    [Fact]
    public void SmallAnonPagesCostWhatTheRawFilesSay()
    {
        (OracleWorkload w, OracleRecording r) = Run1("cma-under-dirty-pagecache", "arm64");
        GuestCostRow row = GuestCosts.Rows(w, r, "run1").Single(x => x.Step == 12);
        // by hand from run1: steps.txt "12 write ns=368739648" (32 gigantic pages over the small anon pages) and
        // "15 write ns=103527920" (the next pass over the empty area); step11/step12.vmstat.txt pgmigrate_success
        // 1177 -> 39119: (368739648 - 103527920) / 37942 = 6989.92 ns per page
        Assert.Equal("cma_alloc: anon (small pages)", row.What);
        Assert.Equal(15, row.BaseStep);
        Assert.Equal(37942, row.Migrated);
        Assert.Equal(0, row.ThpMigrated);
        Assert.Equal(6.98992, row.UsPerPage, 0.00001);
    }

    [Fact]
    public void TheFitSplitsCallsFromPageblocks()
    {
        (OracleWorkload w, OracleRecording r) = Run1("cma-under-dirty-pagecache", "arm64");
        PageblockFit f = GuestCosts.Fit(w, r, "run1")!;
        // by hand from run1's steps.txt: step 3 (one 1 GiB page: 1 call, 512 pageblocks) 103098496 ns and step 9
        // (32 pages of 32 MiB: 32 calls, 512 pageblocks) 103503760 ns give a call (103503760 - 103098496) / 31
        // = 13073 ns; step 7 (8 calls, 128 pageblocks) 25914832 ns gives a pageblock
        // (103503760 - 25914832 - 24 × 13073) / 384 = 201237 ns. The fit over all 7 empty-area steps is near both.
        Assert.Equal(7, f.Points);
        Assert.InRange(f.PerCallUs, 13.07 - 1, 13.07 + 1);
        Assert.InRange(f.PerPageblockUs, 201.24 - 0.5, 201.24 + 0.5);
    }

    [Fact]
    public void OneSizeOfGiganticPageGivesNoFit()
    {
        // cma-under-anon asks only for 32 MiB pages, and never over an empty area: calls and pageblocks are not separable
        (OracleWorkload w, OracleRecording r) = Run1("cma-under-anon", "arm64");
        Assert.Null(GuestCosts.Fit(w, r, "run1"));
        GuestCostRow row = GuestCosts.Rows(w, r, "run1").Single();
        // steps.txt "3 write ns=7180069568", 170 THPs = 87040 pages migrated, no empty-area step: 82.49 µs per page
        Assert.Equal((3, 0, 87040L, 170L), (row.Step, row.BaseStep, row.Migrated, row.ThpMigrated));
        Assert.Equal(7180069568 / 1000.0 / 87040, row.UsPerPage, 1e-9);
    }

    [Fact]
    public void PublishedTablesAreTheFixtures()
    {
        string doc = File.ReadAllText(Path.Combine(OracleWorkloadTests.Root, "docs", "fidelity.md"));
        const string Begin = "<!-- generated: zonelab oracle costs ";
        int b = doc.IndexOf(Begin, StringComparison.Ordinal);
        Assert.True(b >= 0, "docs/fidelity.md has no generated costs block");
        int eol = doc.IndexOf(" -->\n", b, StringComparison.Ordinal);
        string[] dirs = doc[(b + Begin.Length)..eol].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int e = doc.IndexOf("<!-- end of generated costs -->", eol, StringComparison.Ordinal);
        string published = doc[(eol + 5)..e];
        (List<GuestCostRow> rows, List<PageblockFit> fits) = GuestCostTable.Measure(dirs.Select(d => Path.Combine(OracleWorkloadTests.Root, d)));
        Assert.Equal(GuestCostTable.Markdown(rows, fits, new ContigCostModel()), published);
    }

    [Fact]
    public void CostModelProportionsAreTheFixtures()
    {
        // docs/cost-model.md's table of proportions, rounded as printed there, from the icount workload's three runs
        (List<GuestCostRow> rows, List<PageblockFit> fits) = GuestCostTable.Measure([Recording("cma-under-dirty-pagecache", "arm64")]);
        Assert.Equal(3, fits.Count);
        (string Name, double Guest, double Model)[] now = GuestCostTable.Ratios(rows, fits, new ContigCostModel());
        (string Name, double Guest, double Model)[] real = GuestCostTable.Ratios(rows, fits, ContigCostModel.RealHardwareMigration);
        double Guest(int i) => now[i].Guest;
        string F(double v, string fmt) => v.ToString(fmt, System.Globalization.CultureInfo.InvariantCulture);
        string doc = File.ReadAllText(Path.Combine(OracleWorkloadTests.Root, "docs", "cost-model.md"));
        Assert.Contains($"| free pageblock : small-page migration | {F(Guest(5), "0")} | {F(now[5].Model, "0.0")} | {F(real[5].Model, "0")} |", doc, StringComparison.Ordinal);
        Assert.Contains($"| clean page dropped : migration | {F(Guest(1), "0.00")} | {F(now[1].Model, "0.00")} | {F(real[1].Model, "0.00")} |", doc, StringComparison.Ordinal);
        Assert.Contains($"| dirty ext4 page : migration | {F(Guest(2), "0.00")} (migrated, not written) |", doc, StringComparison.Ordinal);
        Assert.Contains($"| `cma_alloc()` call : migration | {F(Guest(6), "0")} (one CPU, no IPIs) | {F(now[6].Model, "0.0")} | {F(real[6].Model, "0")} |", doc, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedStepsFileIsBadInput()
    {
        string src = Path.Combine(Recording("cma-under-dirty-pagecache", "arm64"), "run1");
        string dir = Path.Combine(Path.GetTempPath(), "zl-guestcosts-" + Environment.ProcessId);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, true);
        }
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(src))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        string[] lines = File.ReadAllLines(Path.Combine(src, "steps.txt"));
        OracleWorkload w = OracleWorkloadLoader.LoadFile(Path.Combine(OracleWorkloadTests.Root, "oracle", "workloads", "cma-under-dirty-pagecache.yaml"));
        string[] pieces = ["", " ", "=", "ns=", "ns=-5", "rc=x", "readback=", "readback=-1", "99999999999999999999", "\t", "write", "1"];
        // mutate one line: cut it, insert a piece, or replace a token; the reader and the costs either work or name the file
        Gen.Select(Gen.Int[0, lines.Length - 1], Gen.Int[0, 2], Gen.Int[0, pieces.Length - 1], Gen.Int[0, 80]).Sample((line, how, piece, at) =>
        {
            string[] m = (string[])lines.Clone();
            string l = m[line];
            int p = Math.Min(at, l.Length);
            m[line] = how switch
            {
                0 => l[..p],
                1 => l[..p] + pieces[piece] + l[p..],
                _ => string.Join(' ', l.Split(' ').Select((t, i) => i == at % Math.Max(1, l.Split(' ').Length) ? pieces[piece] : t)),
            };
            File.WriteAllText(Path.Combine(dir, "steps.txt"), string.Join('\n', m) + "\n");
            try
            {
                OracleRecording r = OracleRecording.Read(dir);
                foreach (GuestCostRow row in GuestCosts.Rows(w, r, "run1"))
                {
                    Assert.True(row.Ns >= 0 && row.BaseNs >= 0);
                }
                GuestCosts.Fit(w, r, "run1");
            }
            catch (ZoneLabInputException ex)
            {
                Assert.Contains("steps.txt", ex.Message, StringComparison.Ordinal);
            }
        }, iter: 150, threads: 1);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void ARecordingWithNothingToTimeSaysSoInsteadOfAnEmptyTable()
    {
        // anon-swap has no gigantic-page or offline step: no row, no fit
        var (exit, stdout, stderr) = ZoneLab.Tests.Cli.ZonelabProcess.Run("oracle", "costs", Path.Combine(Recording("anon-swap", "x86_64"), "run1"));
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("zonelab: no step of these recordings empties a contiguous range", stderr);
    }
}
