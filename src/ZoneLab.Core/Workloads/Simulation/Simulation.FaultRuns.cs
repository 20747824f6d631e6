using System.Runtime.CompilerServices;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Simulation;

internal sealed partial class Simulation
{
    // StepAnon's per-page steps after a fault (Machine.AllocateOrder0Run): the pinned draw, then the page's
    // bookkeeping; a page drawn pinned ends the run, and StepAnon pins it (Pin allocates and frees: not inside a run).
    private struct AnonFaultRun(Simulation sim, ActorState st, Holding h, double pinnedFraction) : IOrder0Run
    {
        /// <summary>The run's last page was drawn pinned and is not tracked yet (<see cref="PinnedPfn"/>).</summary>
        public bool Pinned;

        public ulong PinnedPfn;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly PageUse NextUse() => PageUse.Anon;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Took(ulong pfn)
        {
            if (pinnedFraction > 0 && st.Rng.NextDouble() < pinnedFraction)
            {
                Pinned = true;
                PinnedPfn = pfn;
                return false;
            }

            sim.TrackAnon(h, pfn);
            h.Pfns.Add(pfn);
            st.PagesHeld++;
            return true;
        }
    }

    // StepPageCache's per-page steps (Machine.AllocateOrder0Run): the dirty draw before the fault, the cache queue and
    // the dirty holding after it. A run that stops before a page has drawn for it (Drawn): StepPageCache allocates
    // that page with the draw's use.
    private struct CacheFaultRun(ActorState st, double dirtyFraction, Holding dirty) : IOrder0Run
    {
        /// <summary>The next page's dirty draw is made (<see cref="Dirty"/>) and the page not taken yet.</summary>
        public bool Drawn;

        public bool Dirty;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public PageUse NextUse()
        {
            Dirty = dirtyFraction > 0 && st.Rng.NextDouble() < dirtyFraction;
            Drawn = true;
            return Dirty ? PageUse.FileDirty : PageUse.File;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Took(ulong pfn)
        {
            Drawn = false;
            st.Cache.Enqueue(pfn);
            if (Dirty)
            {
                dirty.Pfns.Add(pfn);
            }

            return true;
        }
    }
}
