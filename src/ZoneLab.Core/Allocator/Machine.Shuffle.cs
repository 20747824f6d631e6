namespace ZoneLab.Allocator;

/// <summary>
/// Page allocator randomisation (CONFIG_SHUFFLE_PAGE_ALLOCATOR, mm/shuffle.c, v5.2+), enabled by
/// <c>page_alloc.shuffle=1</c>: at boot every zone's free order-<see cref="ShuffleOrder"/> blocks are swapped with
/// random partners (<c>__shuffle_zone()</c>), and afterwards a freed block of that order goes to the head or tail of
/// its list at random (<c>shuffle_pick_tail()</c>). The kernel's <c>get_random_long()</c> is a seeded SplitMix64 here,
/// so a seed gives the same permutation every time.
/// </summary>
public sealed unsafe partial class Machine
{
    /// <summary><c>SHUFFLE_ORDER</c> = <c>MAX_ORDER - 1</c> (6.1; <c>MAX_PAGE_ORDER</c> since 6.8, the same 10).</summary>
    public const int ShuffleOrder = Pageblock.MaxOrder;

    // mirrors SHUFFLE_RETRY: random partners tried per block before giving up on it
    private const int ShuffleRetry = 10;

    // page_alloc_shuffle_key: off unless the command line enables it (the static branch costs nothing when off)
    private bool _shuffle;
    private ulong _shuffleRng;
    private ulong _pickTailRand;
    private int _pickTailBits;

    /// <summary>Whether <c>page_alloc.shuffle</c> is in force (never on kernels before 5.2, i.e. 4.10).</summary>
    public bool ShuffleEnabled => _shuffle;

    /// <summary>Swaps that <see cref="ShuffleFreeMemory"/> made at boot (the kernel's <c>pr_debug("swap")</c> lines).</summary>
    public long ShuffleSwaps { get; private set; }

    /// <summary>
    /// Whether a command line turns shuffling on: the last <c>page_alloc.shuffle</c> wins, read as
    /// <c>param_set_bool()</c> does (no value means "1"; <c>kstrtobool</c>: y/Y/t/T/1/on true, n/N/f/F/0/off false).
    /// A value kstrtobool rejects leaves the parameter unchanged (-EINVAL).
    /// </summary>
    public static bool ShuffleRequested(IReadOnlyList<(string Name, string? Value)> parameters)
    {
        bool on = false;
        foreach ((string name, string? value) in parameters)
        {
            if (name != "page_alloc.shuffle")
            {
                continue;
            }

            string v = value ?? "1";
            if (v.Length > 0 && "yYtT1".Contains(v[0], StringComparison.Ordinal))
            {
                on = true;
            }
            else if (v.Length > 0 && "nNfF0".Contains(v[0], StringComparison.Ordinal))
            {
                on = false;
            }
            else if (v.Length > 1 && (v[0] == 'o' || v[0] == 'O'))
            {
                on = v[1] is 'n' or 'N' ? true : v[1] is 'f' or 'F' ? false : on;
            }
        }

        return on;
    }

    // mirrors shuffle_param_set -> static_branch_enable, called from Boot() before memblock_free_all is shuffled
    private void InitShuffle(VmSysctls sysctls)
    {
        _shuffle = sysctls.PageAllocShuffle && Version >= KernelVersion.V6_1;
        _shuffleRng = unchecked((ulong)sysctls.ShuffleSeed);
    }

    // mirrors page_alloc_init_late -> shuffle_free_memory(pgdat) -> shuffle_zone(z) for every zone of every node.
    // It runs after memblock_free_all and before core_initcall(cma_init_reserved_areas) activates CMA.
    private void ShuffleFreeMemory()
    {
        if (!_shuffle)
        {
            return;
        }

        // the boot blocks the engine links lazily must sit in their lists to be swapped
        MaterializeAll();
        foreach (Zone z in _zones)
        {
            if (z.SpannedPages != 0)
            {
                ShuffleZone(z);
            }
        }
    }

    // mirrors __shuffle_zone(): for each order-aligned valid block i of the zone, pick a random aligned pfn j in the
    // zone span (retrying holes up to SHUFFLE_RETRY times), and swap the two list positions when both pageblocks
    // have the same migratetype.
    private void ShuffleZone(Zone z)
    {
        const ulong orderPages = 1UL << ShuffleOrder;
        ulong start = (z.StartPfn + orderPages - 1) & ~(orderPages - 1);
        for (ulong pfn = start; pfn < z.EndPfn; pfn += orderPages)
        {
            int i = ShuffleValidPage(z, pfn);
            if (i < 0)
            {
                continue;
            }

            int j = -1;
            int retry;
            for (retry = 0; retry < ShuffleRetry; retry++)
            {
                ulong jp = z.StartPfn + ((NextShuffleRandom() % z.SpannedPages) & ~(orderPages - 1));
                j = ShuffleValidPage(z, jp);
                if (j >= 0 && j != i)
                {
                    break;
                }
            }

            if (retry >= ShuffleRetry)
            {
                continue; // "failed to swap"
            }

            MigrateType mt = GetPageblockMt(i);
            if (GetPageblockMt(j) != mt || _info[i] != _info[j])
            {
                continue; // "migratetype mismatch": each migratetype has its own list
            }

            ListSwap(i, j, ListIndex(z.Index, ShuffleOrder, _info[i]));
            ShuffleSwaps++;
        }
    }

    // mirrors shuffle_valid_page(): online, same zone, PageBuddy, buddy_order == SHUFFLE_ORDER; -1 when not
    private int ShuffleValidPage(Zone z, ulong pfn)
    {
        if (pfn < _base || pfn - _base >= (ulong)_length)
        {
            return -1;
        }

        int i = (int)(pfn - _base);
        return _flags[i] == PageState.Flags(KindFree, ShuffleOrder) && _zoneOf[i] == z.Index ? i : -1;
    }

    // mirrors list_swap(&page_i->lru, &page_j->lru) on one free list
    private void ListSwap(int a, int b, int li)
    {
        int ap = _prev[a], an = _next[a], bp = _prev[b], bn = _next[b];
        if (an == b)
        {
            Link(ap, b, li);
            Link(b, a, li);
            Link(a, bn, li);
        }
        else if (bn == a)
        {
            Link(bp, a, li);
            Link(a, b, li);
            Link(b, an, li);
        }
        else
        {
            Link(ap, b, li);
            Link(b, an, li);
            Link(bp, a, li);
            Link(a, bn, li);
        }
    }

    private void Link(int x, int y, int li)
    {
        if (x == Nil)
        {
            _listHead[li] = y;
        }
        else
        {
            _next[x] = y;
        }

        if (y == Nil)
        {
            _listTail[li] = x;
        }
        else
        {
            _prev[y] = x;
        }
    }

    // mirrors shuffle_pick_tail(): one bit of a 64-bit random word per decision, refilled when used up
    private bool ShufflePickTail()
    {
        if (_pickTailBits == 0)
        {
            _pickTailBits = 64;
            _pickTailRand = NextShuffleRandom();
        }

        bool ret = (_pickTailRand & 1) != 0;
        _pickTailBits--;
        _pickTailRand >>= 1;
        return ret;
    }

    // get_random_long()/get_random_u64() stand-in: SplitMix64, deterministic per seed
    private ulong NextShuffleRandom()
    {
        ulong z = _shuffleRng = unchecked(_shuffleRng + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
