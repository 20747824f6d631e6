using MemblockAllocator = ZoneLab.Layout.Memblock.Memblock;

namespace ZoneLab.Layout;

/// <summary>
/// kernel/dma/contiguous.c (6.1): the default area (<c>dma_contiguous_reserve()</c>), the per-node areas
/// (<c>dma_pernuma_cma_reserve()</c>) and device-tree CMA pools (<c>rmem_cma_setup()</c>).
/// </summary>
public sealed class DmaContiguous
{
    public DmaContiguous(CmaDeclaration cma, CmaParameters parameters, KernelConfig config)
    {
        Cma = cma;
        Parameters = parameters;
        Config = config;
    }

    /// <summary>The declaring code and its memblock.</summary>
    public CmaDeclaration Cma { get; }

    /// <summary>The command line's CMA parameters.</summary>
    public CmaParameters Parameters { get; }

    /// <summary>The kernel build.</summary>
    public KernelConfig Config { get; }

    /// <summary><c>dma_contiguous_default_area</c>: set by a <c>linux,cma-default</c> pool or by the default area.</summary>
    public CmaArea? DefaultArea { get; private set; }

    /// <summary>
    /// mirrors dma_contiguous_reserve(limit): <c>cma=</c> (fixed when base + size == limit) or the configured
    /// default size, below <c>min_not_zero(cma limit, arch limit)</c>, unless a device tree pool is the default.
    /// </summary>
    public void Reserve(ulong limit)
    {
        if (!Config.DmaCma)
        {
            return;
        }
        ulong selectedSize = 0, selectedBase = 0, selectedLimit = limit;
        bool fixedBase = false;
        if (Parameters.SizeCmdline is ulong size)
        {
            selectedSize = size;
            selectedBase = Parameters.BaseCmdline;
            selectedLimit = MinNotZero(Parameters.LimitCmdline, limit);
            if (unchecked(Parameters.BaseCmdline + size) == Parameters.LimitCmdline)
            {
                fixedBase = true;
            }
        }
        else
        {
            ulong mbytes = Config.CmaSizeMbytes << 20;
            ulong percent = (Cma.Memblock.PhysMemSize >> Page.Shift) * Config.CmaSizePercentage / 100 << Page.Shift;
            selectedSize = Config.CmaSizeSelection switch
            {
                CmaSizeSelection.Mbytes => mbytes,
                CmaSizeSelection.Percentage => percent,
                CmaSizeSelection.Min => Math.Min(mbytes, percent),
                _ => Math.Max(mbytes, percent),
            };
        }
        if (selectedSize != 0 && DefaultArea == null)
        {
            // dma_contiguous_reserve_area() → cma_declare_contiguous(base, size, limit, 0, 0, fixed, "reserved")
            if (Cma.DeclareContiguousNid(selectedBase, selectedSize, selectedLimit, 0, 0, fixedBase, "reserved", MemblockAllocator.NumaNoNode, CmaAreaKind.DmaDefault, out CmaArea? area) == 0)
            {
                DefaultArea = area;
            }
        }
    }

    /// <summary>mirrors dma_pernuma_cma_reserve(): one "pernuma&lt;nid&gt;" area on each online node.</summary>
    public void ReservePernuma(IEnumerable<int> onlineNodes)
    {
        if (!Config.DmaPernumaCma || Parameters.PernumaSize == 0)
        {
            return;
        }
        foreach (int nid in onlineNodes)
        {
            int ret = Cma.DeclareContiguousNid(0, Parameters.PernumaSize, 0, 0, 0, false, $"pernuma{nid}", nid, CmaAreaKind.PerNuma, out _);
            if (ret != 0)
            {
                Cma.Log.Print($"cma: dma_pernuma_cma_reserve: reservation failed: err {ret}, node {nid}");
            }
        }
    }

    /// <summary>
    /// mirrors rmem_cma_setup() for a <c>shared-dma-pool</c> region already reserved at
    /// <paramref name="b"/>: returns 0 or a negative errno, printing the kernel's messages.
    /// </summary>
    public int RmemCmaSetup(string name, ulong b, ulong size, bool reusable, bool noMap, bool cmaDefault)
    {
        if (Parameters.SizeCmdline != null && cmaDefault)
        {
            Cma.Log.Print($"Reserved memory: bypass {name} node, using cmdline CMA params instead");
            return -Errno.EBUSY;
        }
        if (!reusable || noMap)
        {
            return -Errno.EINVAL;
        }
        if (((b | size) & (CmaDeclaration.MinAlignmentBytes - 1)) != 0)
        {
            Cma.Log.Print("Reserved memory: incorrect alignment of CMA region");
            return -Errno.EINVAL;
        }
        int err = Cma.InitReservedMem(b, size, 0, name, MemblockAllocator.NumaNoNode, CmaAreaKind.DeviceTree, out CmaArea? area);
        if (err != 0)
        {
            Cma.Log.Print("Reserved memory: unable to setup CMA region");
            return err;
        }
        if (cmaDefault)
        {
            DefaultArea = area;
        }
        Cma.Log.Print($"Reserved memory: created CMA memory pool at {CmaDeclaration.Pa(b)}, size {size >> 20} MiB");
        return 0;
    }

    private static ulong MinNotZero(ulong a, ulong b) => a == 0 ? b : b == 0 ? a : Math.Min(a, b);
}
