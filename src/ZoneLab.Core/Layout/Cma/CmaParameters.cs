namespace ZoneLab.Layout;

/// <summary>
/// The CMA boot parameters as their early_param handlers leave them after the whole command line
/// (kernel/dma/contiguous.c early_cma() and early_cma_pernuma(), mm/hugetlb.c cmdline_parse_hugetlb_cma()).
/// Repeats are applied in order onto the same state, as the kernel does: a later <c>cma=64M</c> keeps the base and
/// limit of an earlier <c>cma=128M@1G</c>, and repeated <c>hugetlb_cma=</c> sizes add up.
/// </summary>
public sealed class CmaParameters
{
    private readonly Dictionary<int, ulong> _hugetlbPerNode = new();
    private readonly List<string> _warnings = new();
    private readonly List<string> _messages = new();

    /// <summary><c>size_cmdline</c>: null while no <c>cma=</c> was given (the kernel's -1).</summary>
    public ulong? SizeCmdline { get; private set; }

    /// <summary><c>base_cmdline</c>.</summary>
    public ulong BaseCmdline { get; private set; }

    /// <summary><c>limit_cmdline</c>.</summary>
    public ulong LimitCmdline { get; private set; }

    /// <summary><c>pernuma_size_bytes</c> (<c>cma_pernuma=</c>, CONFIG_DMA_PERNUMA_CMA).</summary>
    public ulong PernumaSize { get; private set; }

    /// <summary><c>hugetlb_cma_size</c>.</summary>
    public ulong HugetlbCmaSize { get; private set; }

    /// <summary><c>hugetlb_cma_size_in_node[]</c> (from the <c>nid:size,...</c> form).</summary>
    public IReadOnlyDictionary<int, ulong> HugetlbCmaSizeInNode => _hugetlbPerNode;

    /// <summary>Messages the parsers print at early_param time ("cma: Config string not provided").</summary>
    public IReadOnlyList<string> KernelMessages => _messages;

    /// <summary>Notes for the user (parameters of later kernels, values the kernel misreads).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Reads the parameters the kernel build knows from a command line.</summary>
    public static CmaParameters Parse(KernelCommandLine cl, KernelConfig config)
    {
        var p = new CmaParameters();
        foreach ((string name, string? value) in cl.Parameters)
        {
            switch (name)
            {
                case "cma" when config.DmaCma:
                    p.EarlyCma(value);
                    break;
                case "cma_pernuma" when config.DmaPernumaCma:
                    p.PernumaSize = value == null ? 0 : Memparse(value);
                    break;
                case "hugetlb_cma" when config.Cma && config.HugetlbPage:
                    p.ParseHugetlbCma(value ?? string.Empty, config.MaxNumNodes);
                    break;
                case "numa_cma":
                    p._warnings.Add($"numa_cma={value}: not a Linux 6.1 parameter (added in 6.7); the kernel passes it to init");
                    break;
                case "cma" or "cma_pernuma" or "hugetlb_cma":
                    p._warnings.Add($"{name}={value}: ignored, the kernel config ({config.Name}) has no {(name == "cma" ? "CONFIG_DMA_CMA" : name == "cma_pernuma" ? "CONFIG_DMA_PERNUMA_CMA" : "CONFIG_CMA")}");
                    break;
            }
        }
        return p;
    }

    // mirrors early_cma(): size[@base[-limit]]; "fixed" when base + size == limit
    private void EarlyCma(string? p)
    {
        if (p == null)
        {
            _messages.Add("cma: Config string not provided");
            return;
        }
        int pos = 0;
        SizeCmdline = KernelNumber.Memparse(p, ref pos);
        if (pos >= p.Length || p[pos] != '@')
        {
            return;
        }
        pos++;
        BaseCmdline = KernelNumber.Memparse(p, ref pos);
        if (pos >= p.Length || p[pos] != '-')
        {
            LimitCmdline = unchecked(BaseCmdline + SizeCmdline.Value);
            return;
        }
        pos++;
        LimitCmdline = KernelNumber.Memparse(p, ref pos);
    }

    // mirrors cmdline_parse_hugetlb_cma(): "size" or "nid:size[,nid:size...]"
    private void ParseHugetlbCma(string p, int maxNumNodes)
    {
        int s = 0;
        while (s < p.Length)
        {
            int start = s;
            int count = s;
            while (count < p.Length && char.IsAsciiDigit(p[count]))
            {
                count++;
            }
            if (count == start)
            {
                break; // sscanf("%lu") failed
            }
            if (count < p.Length && p[count] == ':')
            {
                ulong nid = ulong.TryParse(p[start..count], out ulong v) ? v : ulong.MaxValue;
                if (nid >= (ulong)maxNumNodes)
                {
                    break; // tmp >= MAX_NUMNODES
                }
                int pos = count + 1;
                ulong tmp = KernelNumber.Memparse(p, ref pos);
                _hugetlbPerNode[(int)nid] = tmp;
                HugetlbCmaSize = unchecked(HugetlbCmaSize + tmp);
                if (pos < p.Length && p[pos] == ',')
                {
                    s = pos + 1;
                    continue;
                }
                break;
            }
            int z = 0;
            HugetlbCmaSize = KernelNumber.Memparse(p, ref z);
            break;
        }
    }

    private static ulong Memparse(string s)
    {
        int pos = 0;
        return KernelNumber.Memparse(s, ref pos);
    }
}
