namespace ZoneLab.Allocator;

public sealed unsafe partial class LruAgeTracker
{
    /// <summary>
    /// Gives resident block <paramref name="i"/> (<paramref name="pages"/> pages on <paramref name="node"/>'s list
    /// <paramref name="lru"/>) the stamp <paramref name="stamp"/>: its pages leave their tick's count and join
    /// another's. The same tree as removing then re-adding them (<see cref="Add"/> twice): both Fenwick update paths
    /// climb to a common node, from which on their changes cancel, so only the nodes below it are written. Migration
    /// does this for every page it moves (~4M per sticky-movable run).
    /// </summary>
    internal void Restamp(int node, LruList lru, int i, int stamp, long pages)
    {
        int old = _stamp[i];
        _stamp[i] = stamp;
        if ((int)lru >= Lists || old == stamp)
        {
            return;
        }

        int list = node * Lists + (int)lru;
        _count[list][old] -= pages;
        _count[list][stamp] += pages;
        int asked = _olderStamp[list];
        _olderPages[list] += (stamp < asked ? pages : 0) - (old < asked ? pages : 0);
        if (_pendingStamp[list] == old && _pendingPages[list] == pages)
        {
            // the block's own pages are the list's pending delta (a migration target just added at the clock): they
            // move to the new stamp without reaching the tree, and the source's removal at that stamp that follows
            // cancels them in the pending delta too, so a migration walks no tree path at all
            _pendingStamp[list] = stamp;
            return;
        }

        long[] t = _tree[list];
        // the two increasing index sequences, merged until they meet (or both leave the tree)
        for (int a = old + 1, b = stamp + 1; a != b && (a <= _capacity || b <= _capacity);)
        {
            if (a < b)
            {
                t[a] -= pages;
                a += a & -a;
            }
            else
            {
                t[b] += pages;
                b += b & -b;
            }
        }
    }
}
