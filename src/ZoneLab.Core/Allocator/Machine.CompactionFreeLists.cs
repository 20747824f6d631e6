namespace ZoneLab.Allocator;

// The free-list walks of compaction's fast searches (mm/compaction.c fast_find_migrateblock, fast_isolate_freepages):
// they read a zone's free list of one order in list order and rotate it so that the next search starts with the
// entries this one did not look at. Orders below MAX_ORDER only: the lazily linked pristine boot blocks live on the
// order-MAX_ORDER list, which neither search reads.
public sealed unsafe partial class Machine
{
    /// <summary>The last entry of a zone's free list (<c>list_last_entry</c>), or <see cref="Nil"/>.</summary>
    internal int FreeListTailIndex(int zone, int order, MigrateType mt) => _listTail[ListIndex(zone, order, (int)mt)];

    /// <summary>The entry after <paramref name="i"/> on its free list, or <see cref="Nil"/>.</summary>
    internal int FreeListNext(int i) => _next[i];

    /// <summary>The entry before <paramref name="i"/> on its free list, or <see cref="Nil"/>.</summary>
    internal int FreeListPrev(int i) => _prev[i];

    /// <summary>
    /// mirrors <c>move_freelist_head</c>: the entries before <paramref name="i"/> are cut off the front and spliced
    /// after the tail, so <paramref name="i"/> becomes the list's first entry (the list is rotated, nothing else moves).
    /// </summary>
    internal void RotateFreeListToHead(int zone, int order, MigrateType mt, int i)
    {
        int li = ListIndex(zone, order, (int)mt);
        int head = _listHead[li];
        if (head == i)
        {
            return;
        }

        int tail = _listTail[li];
        int p = _prev[i];
        _next[tail] = head;
        _prev[head] = tail;
        _next[p] = Nil;
        _prev[i] = Nil;
        _listHead[li] = i;
        _listTail[li] = p;
    }

    /// <summary>
    /// mirrors <c>move_freelist_tail</c>: the entries up to and including <paramref name="i"/> are cut off the front
    /// and spliced after the tail, so <paramref name="i"/> becomes the list's last entry.
    /// </summary>
    internal void RotateFreeListToTail(int zone, int order, MigrateType mt, int i)
    {
        int li = ListIndex(zone, order, (int)mt);
        int tail = _listTail[li];
        if (tail == i)
        {
            return;
        }

        int head = _listHead[li];
        int n = _next[i];
        _next[tail] = head;
        _prev[head] = tail;
        _prev[n] = Nil;
        _next[i] = Nil;
        _listHead[li] = n;
        _listTail[li] = i;
    }
}
