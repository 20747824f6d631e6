using ZoneLab.Allocator;
using ZoneLab.Workloads.Actors;

namespace ZoneLab.Workloads.Simulation;

/// <summary>Blocks one actor allocated in one tick with one sampled lifetime; freed together when it expires.</summary>
internal sealed class Holding
{
    // the list a holding that gave its own back reads: empty, and never added to (a released holding takes no pages)
    private static readonly List<ulong> s_none = [];

    /// <summary>A holding whose pfn list comes from <see cref="PfnListPool"/>, with room for <paramref name="capacity"/>.</summary>
    public Holding(int order, PageUse use, bool atomic, int capacity = 0)
    {
        Order = order;
        Use = use;
        Atomic = atomic;
        Pfns = PfnListPool.Take(capacity);
    }

    /// <summary>Order of every block.</summary>
    public int Order { get; }

    /// <summary>What the blocks were allocated as.</summary>
    public PageUse Use { get; }

    /// <summary>True for GFP_ATOMIC blocks.</summary>
    public bool Atomic { get; }

    /// <summary>
    /// First pfn of each block (sized up front by the caller that knows how many it will add); empty once the holding
    /// has given its list back (<see cref="GiveBackPfns"/>).
    /// </summary>
    public List<ulong> Pfns { get; private set; }

    /// <summary>Hands the pfn list back to <see cref="PfnListPool"/>; <see cref="Pfns"/> is an empty list from then on.</summary>
    public void GiveBackPfns()
    {
        List<ulong> list = Pfns;
        if (!ReferenceEquals(list, s_none))
        {
            Pfns = s_none;
            PfnListPool.Give(list);
        }
    }

    /// <summary>The owning counter to decrement (pages held by the actor), or null.</summary>
    public ActorState? Owner { get; init; }

    /// <summary>True when expiry only marks dirty page cache clean (written back) instead of freeing it.</summary>
    public bool CleanOnly { get; init; }

    /// <summary>The actor whose memory this is, for the bandwidth model (null: not sampled).</summary>
    public ScenarioActor? Actor { get; init; }

    /// <summary>True once expired (its swapped-out entries are gone with it).</summary>
    public bool Released { get; set; }
}

/// <summary>A device buffer (cma_alloc) or gigantic page held until <see cref="Holding"/>-style expiry.</summary>
/// <param name="Area">The area it came from, or null for a gigantic page (alloc_contig_pages).</param>
/// <param name="Pfn">First pfn.</param>
/// <param name="Count">Pages.</param>
internal sealed record ContigHolding(Contiguous.CmaAllocator? Area, ulong Pfn, ulong Count)
{
    /// <summary>The actor that holds it, for the bandwidth model.</summary>
    public ScenarioActor? Actor { get; init; }
}

/// <summary>Per-actor running state: its random stream, fractional carry and pages held.</summary>
internal sealed class ActorState
{
    public ActorState(ScenarioActor actor, Random rng)
    {
        Actor = actor;
        Kind = ActorKinds.For(actor);
        Rng = rng;
    }

    public ScenarioActor Actor { get; }

    /// <summary>The actor's registered kind (looked up once, not every tick).</summary>
    public ActorKind Kind { get; }

    public Random Rng { get; }

    /// <summary>Fractional allocations carried to the next tick.</summary>
    public double Carry { get; set; }

    /// <summary>Pages currently held (for <c>limit</c>).</summary>
    public long PagesHeld { get; set; }

    /// <summary>Next time (seconds into the phase) a periodic actor fires; NaN when done.</summary>
    public double NextFire { get; set; } = double.NaN;

    /// <summary>The actor's PTE pages (GFP_PGTABLE_USER), most recent last.</summary>
    public List<ulong> PageTables { get; } = [];

    /// <summary>Fractional page-cache refaults carried to the next tick.</summary>
    public double RefaultCarry { get; set; }

    /// <summary>Fractional swap-ins carried to the next tick.</summary>
    public double SwapInCarry { get; set; }

    /// <summary>
    /// The actor's pages that reclaim swapped out (holding and index into its <see cref="Holding.Pfns"/>, which reads
    /// <see cref="Simulation.SwappedPfn"/> there); entries of released holdings are dropped lazily.
    /// </summary>
    public List<(Holding H, int Index)> Swapped { get; } = [];

    /// <summary>Page-cache pages in allocation order (the actor's file LRU, oldest first).</summary>
    public PfnQueue Cache { get; } = new();
}
