namespace ZoneLab.Oracle;

/// <summary>
/// One step of a recording that moved pages out of a contiguous range (a gigantic step, whose cma_alloc or
/// alloc_contig_pages migrates or drops what the range holds, or an offline step): its time, the time of the
/// same allocation over the empty range when the recording has one, and the pages it moved.
/// </summary>
/// <param name="Run">The run folder (workload/arch/runN).</param>
/// <param name="Step">The step number (1-based, as in steps.txt).</param>
/// <param name="What">What the range held: the fills (anon, tmpfs, ext4 page cache) still held at the step.</param>
/// <param name="Ns">The step's time (steps.txt <c>ns=</c>).</param>
/// <param name="BaseStep">The empty-range step of the same allocation subtracted (0: none; the time then includes isolation).</param>
/// <param name="BaseNs">That step's time.</param>
/// <param name="Migrated">Pages migrated (vmstat <c>pgmigrate_success</c> delta).</param>
/// <param name="Dropped">Clean page-cache pages dropped (the fall of vmstat <c>nr_file_pages</c>).</param>
/// <param name="ThpMigrated">Transparent huge pages among the migrated (vmstat <c>thp_migration_success</c> delta).</param>
public sealed record GuestCostRow(string Run, int Step, string What, long Ns, int BaseStep, long BaseNs, long Migrated, long Dropped, long ThpMigrated)
{
    /// <summary>Microseconds (of the guest's clock) per page moved, the empty-range time subtracted.</summary>
    public double UsPerPage => (Ns - BaseNs) / 1000.0 / (Migrated + Dropped);
}

/// <summary>
/// The least-squares fit <c>T = step + calls × call + pageblocks × pageblock</c> over a run's gigantic steps that
/// found their range empty (nothing migrated, dropped or failed): the cost of cma_alloc's per-call work and of its
/// work per pageblock of a free range (isolation, drain, test_pages_isolated, taking and preparing the free pages).
/// </summary>
public sealed record PageblockFit(string Run, int Points, double PerStepUs, double PerCallUs, double PerPageblockUs);

/// <summary>
/// Reads the costs the guest measured (issue 14 item 5; docs/fidelity.md "Costs measured in the guest"): per step of a
/// recording, <c>steps.txt</c>'s elapsed time and the vmstat deltas of the step's snapshots.
/// </summary>
public static class GuestCosts
{
    /// <summary>Steps that moved fewer pages are not costed (a few boot pages found in the range, say).</summary>
    public const long MinPages = 512;

    private const int PageShift = 12;

    /// <summary>The cost rows of one run of <paramref name="w"/>.</summary>
    public static List<GuestCostRow> Rows(OracleWorkload w, OracleRecording r, string run)
    {
        CheckSteps(w, r);
        List<Gigantic> g = GiganticSteps(w, r);
        var rows = new List<GuestCostRow>();
        var held = new List<(string Name, string What)>();
        for (int i = 0; i < w.Steps.Count; i++)
        {
            OracleStep s = w.Steps[i];
            switch (s)
            {
                case AnonStep a:
                    held.Add((a.Name, a.NoThp ? "anon (small pages)" : "anon"));
                    continue;
                case FileStep f:
                    held.Add((f.Name, !f.OnDisk ? "tmpfs" : f.Dirty ? "dirty ext4 page cache" : "clean ext4 page cache"));
                    continue;
                case FreeStep f:
                    held.RemoveAll(h => h.Name == f.Name);
                    continue;
                case GiganticStep or OfflineStep:
                    break;
                default:
                    continue;
            }
            int step = i + 1;
            long migrated = Delta(r, step, "pgmigrate_success"), dropped = Math.Max(0, -Delta(r, step, "nr_file_pages"));
            if (r.Steps[i].Rc != 0 || held.Count == 0 || migrated + dropped < MinPages)
            {
                continue;
            }
            Gigantic? self = g.Find(x => x.Step == step);
            if (s is GiganticStep && self == null)
            {
                continue; // a release, or a pool that did not grow
            }
            // the empty-range step of the same allocation: the first after it, else the last before it
            Gigantic? empty = self == null ? null
                : g.Find(x => x.Empty && x.Step > step && x.Calls == self.Calls && x.Pages == self.Pages)
                  ?? g.FindLast(x => x.Empty && x.Step < step && x.Calls == self.Calls && x.Pages == self.Pages);
            long thp = Delta(r, step, "thp_migration_success");
            string what = string.Join(" + ", held.Select(h => h.What)) + (thp > 0 ? $" ({thp} THPs)" : string.Empty);
            rows.Add(new GuestCostRow(run, step, (s is OfflineStep ? "offline: " : "cma_alloc: ") + what, r.Steps[i].Ns,
                empty?.Step ?? 0, empty == null ? 0 : r.Steps[empty.Step - 1].Ns, migrated, dropped, thp));
        }
        return rows;
    }

    /// <summary>The per-call and per-pageblock fit of one run, or null without empty-range steps of two page sizes.</summary>
    public static PageblockFit? Fit(OracleWorkload w, OracleRecording r, string run)
    {
        CheckSteps(w, r);
        List<Gigantic> points = GiganticSteps(w, r).FindAll(x => x.Empty);
        if (points.Select(p => p.Pages).Distinct().Count() < 2 || points.Select(p => (p.Calls, p.Pages)).Distinct().Count() < 3)
        {
            return null; // calls and pageblocks are proportional: the split is not determined
        }
        // normal equations of T = c0 + c1 × calls + c2 × pageblocks
        var a = new double[3, 4];
        foreach (Gigantic p in points)
        {
            double[] x = [1, p.Calls, p.Calls * p.Pages / 512.0];
            double t = r.Steps[p.Step - 1].Ns / 1000.0;
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 3; k++)
                {
                    a[j, k] += x[j] * x[k];
                }
                a[j, 3] += x[j] * t;
            }
        }
        double[] c = Solve(a);
        return new PageblockFit(run, points.Count, c[0], c[1], c[2]);
    }

    /// <summary>A recording of another workload (or a cut steps.txt) is bad input naming steps.txt.</summary>
    internal static void CheckSteps(OracleWorkload w, OracleRecording r)
    {
        if (r.Steps.Count != w.Steps.Count)
        {
            throw new ZoneLabInputException(r.PathOf("steps.txt"), $"{r.Steps.Count} step results for a workload of {w.Steps.Count} steps");
        }
    }

    private sealed record Gigantic(int Step, long Calls, long Pages, bool Empty);

    /// <summary>The gigantic steps that grew their size's pool (the cma_alloc calls they made), and whether the range was empty.</summary>
    private static List<Gigantic> GiganticSteps(OracleWorkload w, OracleRecording r)
    {
        var pools = new Dictionary<ulong, long>();
        var list = new List<Gigantic>();
        for (int i = 0; i < w.Steps.Count; i++)
        {
            if (w.Steps[i] is not GiganticStep gs)
            {
                continue;
            }
            ulong bytes = OracleWorkloadChecks.GiganticBytes(r.Arch, gs);
            long before = pools.GetValueOrDefault(bytes);
            (int rc, long _, Dictionary<string, string> extra) = r.Steps[i];
            if (rc != 0 || !long.TryParse(extra.GetValueOrDefault("readback"), System.Globalization.CultureInfo.InvariantCulture, out long after))
            {
                continue;
            }
            pools[bytes] = after;
            int step = i + 1;
            if (after <= before)
            {
                continue;
            }
            // every page of the step came from the hugetlb_cma area at the first try, and nothing in it had to move
            bool empty = Delta(r, step, "pgmigrate_success") == 0 && Delta(r, step, "pgmigrate_fail") == 0
                && Delta(r, step, "cma_alloc_fail") == 0 && Delta(r, step, "cma_alloc_success") == after - before
                && Math.Max(0, -Delta(r, step, "nr_file_pages")) < MinPages;
            list.Add(new Gigantic(step, after - before, (long)(bytes >> PageShift), empty));
        }
        return list;
    }

    private static long Delta(OracleRecording r, int step, string key) =>
        r.Snapshots[step].Vmstat.GetValueOrDefault(key) - r.Snapshots[step - 1].Vmstat.GetValueOrDefault(key);

    /// <summary>Gauss-Jordan elimination with partial pivoting of a 3 × 3 system (augmented).</summary>
    private static double[] Solve(double[,] a)
    {
        for (int col = 0; col < 3; col++)
        {
            int pivot = col;
            for (int row = col + 1; row < 3; row++)
            {
                if (Math.Abs(a[row, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = row;
                }
            }
            for (int k = 0; k < 4; k++)
            {
                (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
            }
            for (int row = 0; row < 3; row++)
            {
                if (row != col)
                {
                    double f = a[row, col] / a[col, col];
                    for (int k = 0; k < 4; k++)
                    {
                        a[row, k] -= f * a[col, k];
                    }
                }
            }
        }
        return [a[0, 3] / a[0, 0], a[1, 3] / a[1, 1], a[2, 3] / a[2, 2]];
    }
}
