using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Simulation;

internal sealed partial class Simulation
{
    // the workload's tasks in the order they were started (anon and THP actors of every phase): the OOM killer's
    // candidates, as for_each_process walks the task list
    private readonly List<ActorState> _tasks = [];

    /// <summary>
    /// The OOM killer over the workload's tasks; mirrors out_of_memory → select_bad_process → oom_kill_process (6.1,
    /// unconstrained: no cpuset or mempolicy, so every task is a candidate whatever the node). oom_badness is the
    /// task's rss plus its swap entries plus its page-table pages (get_mm_rss + MM_SWAPENTS + mm_pgtables_bytes /
    /// PAGE_SIZE; every oom_score_adj is 0), and oom_evaluate_task skips only a task with fewer points than the one
    /// chosen, so a later task wins a tie. The victim's exit (exit_mmap, or the OOM reaper before it) frees all its
    /// anonymous memory, swap slots and page tables, the holding its current step is filling included. Returns the
    /// victim's points, or 0 when no task holds memory.
    /// </summary>
    private long OomKillTask(int node)
    {
        ActorState? victim = null;
        long chosen = 0;
        foreach (ActorState st in _tasks)
        {
            long points = st.PagesHeld + st.PageTables.Count;
            if (points > 0 && points >= chosen)
            {
                victim = st;
                chosen = points;
            }
        }
        if (victim == null)
        {
            return 0;
        }

        victim.OomKills++;
        _metrics.OomKill();
        // its holdings in the order they were made (a kill is rare: the list and sort are not on a hot path)
        var held = new List<(Holding H, long Seq)>();
        foreach ((Holding h, (double, long Seq) key) in _expiry.UnorderedItems)
        {
            if (h.Owner == victim && !h.Released)
            {
                held.Add((h, key.Seq));
            }
        }
        held.Sort(static (x, y) => x.Seq.CompareTo(y.Seq));
        foreach ((Holding h, _) in held)
        {
            Release(h);
        }
        if (victim.Current is { Released: false } current)
        {
            Release(current);
        }
        // the queued holdings stay in the expiry queue as released ones (Release returns early for them then)
        return chosen;
    }

    // A page the OOM-killed task's fault obtained after the kill (or the pinned target of one; ulong.MaxValue: none):
    // freed with the rest of its memory.
    private void KilledTaskPage(ulong pfn)
    {
        if (pfn != ulong.MaxValue)
        {
            FreeIfOwned(pfn, 0, PageUse.Anon);
        }
    }
}
