using System.Globalization;
using System.Text;
using ZoneLab.Contiguous;

namespace ZoneLab.Oracle;

/// <summary>
/// <c>zonelab oracle costs</c>'s tables (docs/fidelity.md, "Costs measured in the guest"): per recorded run, the
/// time per page of each step that moved a range's pages, the per-call and per-pageblock fit of the empty-range
/// steps, and the ratios between them next to <see cref="ContigCostModel"/>'s.
/// </summary>
public static class GuestCostTable
{
    /// <summary>Every run of the recording folders: (workload, arch, rows, fits).</summary>
    public static (List<GuestCostRow> Rows, List<PageblockFit> Fits) Measure(IEnumerable<string> dirs)
    {
        var rows = new List<GuestCostRow>();
        var fits = new List<PageblockFit>();
        foreach (string dir in dirs)
        {
            foreach (string runDir in OracleCompare.Runs(dir))
            {
                OracleRecording r = OracleRecording.Read(runDir);
                string workloadFile = Path.Combine(runDir, "workload.yaml");
                string name = r.Info.GetValueOrDefault("workload", Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(runDir)))!);
                OracleWorkload w = OracleWorkloadLoader.Load(
                    File.Exists(workloadFile) ? InputFiles.ReadAllText(workloadFile) : throw new ZoneLabInputException(workloadFile, "missing"), workloadFile, name);
                string run = $"{name} ({r.Arch}{(r.Info.ContainsKey("icount") ? ", icount" : string.Empty)}) {Path.GetFileName(Path.GetFullPath(runDir))}";
                rows.AddRange(GuestCosts.Rows(w, r, run));
                if (GuestCosts.Fit(w, r, run) is PageblockFit f)
                {
                    fits.Add(f);
                }
            }
        }
        return (rows, fits);
    }

    /// <summary>The three markdown tables (rows, fits, ratios against <paramref name="model"/>).</summary>
    public static string Markdown(List<GuestCostRow> rows, List<PageblockFit> fits, ContigCostModel model)
    {
        var sb = new StringBuilder();
        sb.Append("| run | step | what the range held | step time | empty-range step | migrated | dropped | per page |\n");
        sb.Append("|---|---:|---|---:|---:|---:|---:|---:|\n");
        foreach (GuestCostRow r in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Run} | {r.Step} | {r.What} | {Ms(r.Ns)} | {(r.BaseStep == 0 ? "none" : $"{r.BaseStep}: {Ms(r.BaseNs)}")} | {r.Migrated} | {r.Dropped} | {Us(r.UsPerPage)} |\n");
        }
        if (fits.Count == 0)
        {
            return sb.ToString();
        }
        sb.Append("\n| run | empty-range steps | per step | per cma_alloc call | per pageblock |\n|---|---:|---:|---:|---:|\n");
        foreach (PageblockFit f in fits)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {f.Run} | {f.Points} | {Us(f.PerStepUs)} | {Us(f.PerCallUs)} | {Us(f.PerPageblockUs)} |\n");
        }

        (string Name, double Guest, double Model)[] ratios = Ratios(rows, fits, model);
        sb.Append(CultureInfo.InvariantCulture, $"\n| ratio (mean of {fits.Count} runs) | guest | ContigCostModel |\n|---|---:|---:|\n");
        foreach ((string name, double guest, double m) in ratios)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {name} | {guest:0.00} | {m:0.00} |\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The guest's proportions (means over the runs with a fit) next to <paramref name="model"/>'s: the small anonymous
    /// page's migration time, then each kind of page, a free pageblock and a call as multiples of it.
    /// </summary>
    public static (string Name, double Guest, double Model)[] Ratios(List<GuestCostRow> rows, List<PageblockFit> fits, ContigCostModel model)
    {
        double Mean(Func<PageblockFit, double?> v)
        {
            var xs = fits.Select(v).Where(x => x.HasValue).Select(x => x!.Value).ToList();
            return xs.Count > 0 ? xs.Average() : double.NaN;
        }
        double? Kind(string run, string what, bool thp = false) =>
            rows.FirstOrDefault(r => r.Run == run && r.BaseStep != 0 && (r.ThpMigrated > 0) == thp
                && r.What.StartsWith("cma_alloc: " + what, StringComparison.Ordinal))?.UsPerPage;
        double migrate = Mean(f => Kind(f.Run, "anon (small pages)"));
        return
        [
            ("migrate a small anon page : itself (µs, guest clock)", migrate, model.MigrateUsPerPage),
            ("drop a clean ext4 page : migrate", Mean(f => Kind(f.Run, "clean ext4 page cache")) / migrate, model.DiscardUsPerPage / model.MigrateUsPerPage),
            ("move a dirty ext4 page (migrated, not written) : migrate", Mean(f => Kind(f.Run, "dirty ext4 page cache")) / migrate, 1),
            ("migrate a tmpfs page : migrate", Mean(f => Kind(f.Run, "tmpfs")) / migrate, 1),
            ("migrate an anon THP, per base page : migrate", Mean(f => Kind(f.Run, "anon", thp: true)) / migrate, 1),
            ("one free pageblock : migrate", Mean(f => f.PerPageblockUs) / migrate, model.IsolateUsPerPageblock / model.MigrateUsPerPage),
            ("one cma_alloc call : migrate", Mean(f => f.PerCallUs) / migrate, model.AttemptUs / model.MigrateUsPerPage),
        ];
    }

    private static string Ms(long ns) => (ns / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Us(double us) => us.ToString("0.00", CultureInfo.InvariantCulture) + " µs";
}
