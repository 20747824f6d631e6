namespace ZoneLab.Contiguous;

/// <summary>Why a contiguous allocation stopped (the kernel's errno, and the model's finer reason).</summary>
public enum ContigFailure : byte
{
    /// <summary>Success.</summary>
    None = 0,

    /// <summary>A pageblock could not be isolated: an unmovable page (has_unmovable_pages) or already isolated.</summary>
    IsolationUnmovable,

    /// <summary>Pages stayed after 5 migration passes without progress: pinned (refcount held), under I/O, ...</summary>
    MigrationPinned,

    /// <summary>No migration target page could be allocated outside the range (-ENOMEM, no retry).</summary>
    MigrationNoMemory,

    /// <summary>test_pages_isolated(): a page of the range was not a free buddy page on the isolate list.</summary>
    NotIsolatedFree,

    /// <summary>The CMA bitmap has no free window large enough.</summary>
    NoWindow,

    /// <summary>The range crosses zones or is outside memory (-EINVAL).</summary>
    Invalid,
}

/// <summary>The outcome of one <c>alloc_contig_range()</c> call, with what it cost.</summary>
public readonly record struct ContigResult(int Errno, ContigFailure Failure, ContigWork Work)
{
    /// <summary>-EBUSY.</summary>
    public const int EBusy = -16;

    /// <summary>-ENOMEM.</summary>
    public const int ENoMem = -12;

    /// <summary>-EINVAL.</summary>
    public const int EInval = -22;

    /// <summary>True when the range is now allocated to the caller.</summary>
    public bool Success => Errno == 0;

    /// <summary>A success with the work done.</summary>
    public static ContigResult Ok(ContigWork work) => new(0, ContigFailure.None, work);
}

/// <summary>Work done by a contiguous allocation, the input of <see cref="ContigCostModel"/>.</summary>
public record struct ContigWork
{
    /// <summary>Pages migrated (copied to a new page outside the range).</summary>
    public long Migrated;

    /// <summary>Clean, unmapped page-cache pages dropped instead of migrated (reclaim_clean_pages_from_list).</summary>
    public long Discarded;

    /// <summary>Dirty page-cache pages written back before they could move.</summary>
    public long WrittenBack;

    /// <summary>Anonymous pages swapped out to make room for migration targets.</summary>
    public long SwappedOut;

    /// <summary>Migration passes over the range (up to 5 without progress).</summary>
    public int MigrationPasses;

    /// <summary>alloc_contig_range() calls (one per bitmap window tried).</summary>
    public int Attempts;

    /// <summary>Pageblocks isolated.</summary>
    public long PageblocksIsolated;

    /// <summary>Adds another call's work.</summary>
    public void Add(ContigWork o)
    {
        Migrated += o.Migrated;
        Discarded += o.Discarded;
        WrittenBack += o.WrittenBack;
        SwappedOut += o.SwappedOut;
        MigrationPasses += o.MigrationPasses;
        Attempts += o.Attempts;
        PageblocksIsolated += o.PageblocksIsolated;
    }
}
