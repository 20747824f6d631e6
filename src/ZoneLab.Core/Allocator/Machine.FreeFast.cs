namespace ZoneLab.Allocator;

public sealed unsafe partial class Machine
{
    // Frees the block at pfn (__free_pages, as Free) when it is still an allocated head of that order and use, else
    // changes nothing and returns false: IsAllocatedHead + UseOf + Free with one bounds check and one read of the
    // page's bytes (the workload frees about two million pages a run this way).
    internal partial bool FreeIfAllocated(ulong pfn, int order, PageUse use)
    {
        int i = CheckedIndex(pfn);
        if (_flags[i] != PageState.Flags(KindAlloc, order) || PageState.UseOf(_info[i]) != use)
        {
            return false;
        }

        FreeHead(i, order);
        CheckIfDebug();
        return true;
    }

    // Marks the order-0 dirty page-cache page at pfn clean (writeback done, as SetDirty(pfn, false)) when it is still
    // allocated as one; else changes nothing.
    internal partial void CleanIfDirty(ulong pfn)
    {
        int i = CheckedIndex(pfn);
        if (_flags[i] == PageState.Flags(KindAlloc, 0) && PageState.UseOf(_info[i]) == PageUse.FileDirty)
        {
            SetDirty(pfn, false);
        }
    }
}
