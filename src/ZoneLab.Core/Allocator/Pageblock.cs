namespace ZoneLab.Allocator;

/// <summary>Buddy and pageblock geometry (include/linux/mmzone.h, include/linux/pageblock-flags.h).</summary>
public static class Pageblock
{
    /// <summary><c>pageblock_order</c> with hugetlb on x86-64/arm64 4K pages (<c>HUGETLB_PAGE_ORDER</c>).</summary>
    public const int Order = 9;

    /// <summary><c>pageblock_nr_pages</c>.</summary>
    public const ulong NrPages = 1UL << Order;

    /// <summary><c>MAX_ORDER</c> inclusive (v6.4+ naming; 6.1 had MAX_ORDER = 11 exclusive): orders 0..10.</summary>
    public const int MaxOrder = 10;

    /// <summary><c>NR_PAGE_ORDERS</c>.</summary>
    public const int NrOrders = MaxOrder + 1;

    /// <summary><c>MAX_ORDER_NR_PAGES</c>.</summary>
    public const ulong MaxOrderNrPages = 1UL << MaxOrder;

    /// <summary><c>PAGE_ALLOC_COSTLY_ORDER</c>.</summary>
    public const int CostlyOrder = 3;
}
