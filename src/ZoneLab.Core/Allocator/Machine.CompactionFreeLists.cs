namespace ZoneLab.Allocator;

// The free-list walks of compaction's fast searches (mm/compaction.c fast_find_migrateblock, fast_isolate_freepages):
// they read a zone's free list of one order in list order and rotate it so that the next search starts with the
// entries this one did not look at. Orders below MAX_ORDER only: the lazily linked pristine boot blocks live on the
// order-MAX_ORDER list, which neither search reads.
public sealed unsafe partial class Machine
{
    // Declared in Machine.Internal.cs (the engine's mm/internal.h).
    internal partial int FreeListHeadIndex(int zone, int order, MigrateType mt) => _listHead[ListIndex(zone, order, (int)mt)];

    internal partial int FreeListTailIndex(int zone, int order, MigrateType mt) => _listTail[ListIndex(zone, order, (int)mt)];

    internal partial int FreeListNext(int i) => _next[i];

    internal partial int FreeListPrev(int i) => _prev[i];

    // mirrors move_freelist_head: the entries before i are cut off the front and spliced after the tail, so i becomes
    // the list's first entry (the list is rotated, nothing else moves)
    internal partial void RotateFreeListToHead(int zone, int order, MigrateType mt, int i)
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

    // mirrors move_freelist_tail: the entries up to and including i are cut off the front and spliced after the tail,
    // so i becomes the list's last entry: the same rotation as making i's successor the first entry
    internal partial void RotateFreeListToTail(int zone, int order, MigrateType mt, int i)
    {
        if (_listTail[ListIndex(zone, order, (int)mt)] != i)
        {
            RotateFreeListToHead(zone, order, mt, _next[i]);
        }
    }
}
