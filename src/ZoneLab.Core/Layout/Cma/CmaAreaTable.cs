namespace ZoneLab.Layout;

/// <summary><c>cma_areas[MAX_CMA_AREAS]</c>, <c>cma_area_count</c> and <c>totalcma_pages</c> (mm/cma.c).</summary>
public sealed class CmaAreaTable
{
    private readonly List<CmaArea> _areas = new();

    /// <param name="configCmaAreas">CONFIG_CMA_AREAS; MAX_CMA_AREAS is one more in 6.1 (include/linux/cma.h).</param>
    public CmaAreaTable(int configCmaAreas)
    {
        Capacity = configCmaAreas + 1;
    }

    /// <summary>MAX_CMA_AREAS.</summary>
    public int Capacity { get; }

    /// <summary>Declared areas in declaration order.</summary>
    public IReadOnlyList<CmaArea> Areas => _areas;

    /// <summary><c>cma_area_count == ARRAY_SIZE(cma_areas)</c>.</summary>
    public bool IsFull => _areas.Count >= Capacity;

    /// <summary><c>totalcma_pages</c> (before activation failures are subtracted).</summary>
    public ulong TotalCmaPages => _areas.Aggregate(0UL, (s, a) => s + a.Count);

    internal void Add(CmaArea a) => _areas.Add(a);
}
