namespace ZoneLab.Oracle;

/// <summary>
/// <c>zonelab oracle compare</c>'s work: finds the runs of a recording folder (one run, or a folder of
/// <c>run*</c> folders), runs the workload in the engine from the first run's starting point, and builds the table.
/// </summary>
public static class OracleCompare
{
    /// <summary>The run folders under <paramref name="dir"/>: itself when it holds steps.txt, else its run* children.</summary>
    public static List<string> Runs(string dir)
    {
        if (File.Exists(Path.Combine(dir, "steps.txt")))
        {
            return [dir];
        }
        if (!Directory.Exists(dir))
        {
            throw new ZoneLabInputException(dir, "no such recording folder");
        }
        List<string> runs = [.. Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, "steps.txt"))).Order(StringComparer.Ordinal)];
        return runs.Count > 0 ? runs : throw new ZoneLabInputException(dir, "not an oracle recording: no steps.txt here or in its sub-folders");
    }

    /// <summary>
    /// Compares one recording folder (a run or a folder of runs of the same workload and architecture), the engine
    /// running with the opt-in kernel mechanisms of <paramref name="mechanisms"/> (none: the published table);
    /// <paramref name="startState"/> starts it from the first run's own page state (a --page-state recording) instead
    /// of re-creating its used memory by allocating it; <paramref name="steps"/> adds the free blocks per order after
    /// every step (<see cref="FidelitySteps"/>).
    /// </summary>
    public static FidelityWorkload Compare(string dir, OracleMechanisms? mechanisms = null, bool startState = false, bool steps = false)
    {
        List<string> runs = Runs(dir);
        List<OracleRecording> recs = [.. runs.Select(OracleRecording.Read)];
        string workloadFile = Path.Combine(runs[0], "workload.yaml");
        OracleWorkload w = OracleWorkloadLoader.Load(File.Exists(workloadFile) ? InputFiles.ReadAllText(workloadFile) : throw new ZoneLabInputException(workloadFile, "missing"),
            workloadFile, recs[0].Info.GetValueOrDefault("workload", Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(runs[0]))!)));
        foreach (OracleRecording r in recs)
        {
            if (r.Steps.Count != w.Steps.Count)
            {
                throw new ZoneLabInputException(r.PathOf("steps.txt"), $"{r.Steps.Count} step results for a workload of {w.Steps.Count} steps");
            }
        }
        var kernel = recs.Select(r => FidelityCounters.Of(w, r.Snapshots, [.. r.Steps.Select(s => (s.Rc, s.Extra))])).ToList();
        if (startState && mechanisms?.PerCpuLists == true)
        {
            throw new ZoneLabInputException("--start-state", "starts the engine without per-cpu lists: leave out --per-cpu-lists");
        }
        using OracleEngineRunner e = OracleEngineRunner.Run(w, recs[0], mechanisms, startState ? GuestStartState.Read(recs[0]) : null);
        List<FidelityCounter> model = FidelityCounters.Of(w, e.Snapshots, e.Steps);
        FidelityWorkload table = FidelityTable.Build(w.Name, recs[0].Arch, kernel, model);
        if (steps)
        {
            table = table with { Steps = FidelitySteps.Build(w, [.. recs.Select(r => (IReadOnlyList<ProcSnapshot>)r.Snapshots)], e.Snapshots) };
        }
        // the landing measure against the run the engine started from
        List<GuestAllocTrace>? allocs = OracleLanding.ReadKernel(recs[0], w.Steps.Count);
        return allocs == null ? table : table with { Landing = OracleLanding.Measure(allocs, e.Allocations, startState) };
    }

    /// <summary>Every recorded workload under <paramref name="recordings"/> (WORKLOAD/ARCH/run*), in name order.</summary>
    public static List<string> All(string recordings) =>
        Directory.Exists(recordings)
            ? [.. Directory.GetDirectories(recordings).Order(StringComparer.Ordinal).SelectMany(w => Directory.GetDirectories(w).Order(StringComparer.Ordinal))
                .Where(a => Directory.GetDirectories(a).Any(r => File.Exists(Path.Combine(r, "steps.txt"))))]
            : throw new ZoneLabInputException(recordings, "no recordings folder");
}
