namespace ZoneLab.Allocator;

public sealed unsafe partial class LruAgeTracker
{
    /// <summary>
    /// Gives resident block <paramref name="i"/> (<paramref name="pages"/> pages on <paramref name="node"/>'s list
    /// <paramref name="lru"/>) the stamp <paramref name="stamp"/>: its pages leave their tick's count and join
    /// another's, exactly as removing then re-adding them (<see cref="Add"/> twice). Both deltas go through the pending
    /// slots: a migration's target, just added at the clock, leaves the clock's slot (where its own add is) and joins
    /// its source's stamp, whose slot holds the source's removal from its isolation, so a migration mostly walks no
    /// tree path at all (~4M per sticky-movable run).
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
        Update(list, old, -pages);
        Update(list, stamp, pages);
    }
}
