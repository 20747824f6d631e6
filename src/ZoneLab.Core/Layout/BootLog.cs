namespace ZoneLab.Layout;

/// <summary>When during boot a kernel message is printed, relative to the zone lines of free_area_init().</summary>
public enum BootPhase
{
    /// <summary>setup_arch() before free_area_init(): reserved-memory, NUMA, hugetlb_cma, x86 dma_contiguous_reserve().</summary>
    SetupArch,

    /// <summary>After free_area_init()'s lines: arm64 bootmem_init() → dma_contiguous_reserve().</summary>
    AfterZones,

    /// <summary>Initcalls (cma_init_reserved_areas() is a core_initcall).</summary>
    Initcall,
}

/// <summary>The kernel messages the modelled boot code prints, in order, with the phase they belong to.</summary>
public sealed class BootLog
{
    private readonly List<(BootPhase Phase, string Text)> _lines = new();

    /// <summary>The phase new messages are recorded in.</summary>
    public BootPhase Phase { get; set; } = BootPhase.SetupArch;

    /// <summary>All messages in print order.</summary>
    public IReadOnlyList<(BootPhase Phase, string Text)> Lines => _lines;

    /// <summary>Records a message (without trailing newline; a message with '\n' is several lines).</summary>
    public void Print(string text)
    {
        foreach (string l in text.Split('\n'))
        {
            _lines.Add((Phase, l));
        }
    }

    /// <summary>The messages of one phase.</summary>
    public IEnumerable<string> In(BootPhase phase) => _lines.Where(l => l.Phase == phase).Select(l => l.Text);
}
