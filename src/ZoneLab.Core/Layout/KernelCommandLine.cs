namespace ZoneLab.Layout;

/// <summary>A <c>movablecore=size@base</c> entry of the Designated Movable Blocks patch set (bytes).</summary>
public readonly record struct DmbRequest(ulong Size, ulong Base, string Text);

/// <summary>Kernel changes that alter how the command line is read.</summary>
public sealed record KernelFeatures
{
    /// <summary>Mainline behaviour.</summary>
    public static readonly KernelFeatures Mainline = new();

    /// <summary>
    /// The Designated Movable Blocks series (Doug Berger, v3 on 6.1-rc1 / v4 on 6.3-rc1, same code): movablecore= takes
    /// a comma list, <c>size@base</c> entries are DMBs, and trailing garbage makes the option invalid.
    /// </summary>
    public bool DesignatedMovableBlocks { get; init; }
}

/// <summary>One <c>memmap=</c> element (arch/x86/kernel/e820.c: parse_memmap_one).</summary>
public readonly record struct MemmapOp(char Kind, ulong Size, ulong Start, uint OldType, uint NewType, string Text);

/// <summary>
/// The kernel parameters the boot layout depends on, parsed with the kernel's own parsers and quirks
/// (cmdline_parse_kernelcore, cmdline_parse_movablecore, parse_memopt, parse_memmap_opt, numa_setup).
/// Parameters are applied in command-line order, so a later repeat overrides an earlier one where the kernel's does.
/// </summary>
public sealed class KernelCommandLine
{
    // Parameters the kernel knows that do not change the page-allocator layout: accepted silently.
    private static readonly HashSet<string> s_harmless = new(StringComparer.Ordinal)
    {
        "console", "earlycon", "earlyprintk", "panic", "nokaslr", "kaslr", "root", "rootfstype", "rootwait", "ro", "rw",
        "quiet", "debug", "loglevel", "ignore_loglevel", "init", "rdinit", "initrd", "noinitrd", "nosmp", "maxcpus",
        "nr_cpus", "acpi", "noapic", "nolapic", "apic", "pci", "iommu", "intel_iommu", "amd_iommu", "swiotlb",
        "mitigations", "nopti", "pti", "selinux", "apparmor", "security", "audit", "systemd.unit", "net.ifnames",
        "crashkernel", "hugepages", "hugepagesz", "default_hugepagesz", "transparent_hugepage", "page_alloc.shuffle",
        "shuffle", "memhp_default_state", "memory_hotplug.online_policy", "memory_hotplug.auto_movable_ratio",
        "memory_hotplug.memmap_on_memory", "init_on_alloc", "init_on_free", "page_owner", "page_poison",
        "slub_debug", "no_hash_pointers", "printk.time", "tsc", "clocksource", "nowatchdog", "idle", "isolcpus",
        "nohz", "nohz_full", "rcu_nocbs", "cgroup_disable", "cgroup_enable", "systemd.log_level", "fbcon",
        "video", "nomodeset", "splash", "reboot", "noexec", "cma", "cma_pernuma", "numa_cma", "hugetlb_cma",
        "movable_node", "memblock", "efi", "noefi", "add_efi_memmap", "nr_hugepages", "swapaccount",
        "zswap.enabled", "watchdog", "nmi_watchdog", "lpj", "kasan", "kfence.sample_interval", "memory_corruption_check",
        "reserve", "vmalloc", "log_buf_len", "earlyprintk", "stack_guard_gap", "numa_balancing", "mem_encrypt",
    };

    private readonly List<string> _unknown = new();
    private readonly List<string> _warnings = new();
    private readonly List<MemmapOp> _memmap = new();
    private readonly List<(string Name, string? Value)> _params = new();

    private readonly List<DmbRequest> _dmb = new();

    private KernelCommandLine(string text, KernelFeatures features)
    {
        Text = text;
        Features = features;
    }

    /// <summary>The kernel changes the line was parsed for.</summary>
    public KernelFeatures Features { get; }

    /// <summary><c>movablecore=size@base</c> entries (Designated Movable Blocks kernels only), in order.</summary>
    public IReadOnlyList<DmbRequest> DmbRequests => _dmb;

    /// <summary>The command line as given.</summary>
    public string Text { get; }

    /// <summary>All parameters in order (name with dashes normalised to underscores, value or null).</summary>
    public IReadOnlyList<(string Name, string? Value)> Parameters => _params;

    /// <summary><c>kernelcore=</c> in pages (cmdline_parse_core: bytes &gt;&gt; PAGE_SHIFT), 0 when not given.</summary>
    public ulong RequiredKernelcorePages { get; private set; }

    /// <summary><c>kernelcore=nn%</c>, 0 when not given.</summary>
    public ulong RequiredKernelcorePercent { get; private set; }

    /// <summary><c>kernelcore=mirror</c>.</summary>
    public bool MirroredKernelcore { get; private set; }

    /// <summary><c>movablecore=</c> in pages, 0 when not given.</summary>
    public ulong RequiredMovablecorePages { get; private set; }

    /// <summary><c>movablecore=nn%</c>, 0 when not given.</summary>
    public ulong RequiredMovablecorePercent { get; private set; }

    /// <summary><c>movable_node</c>.</summary>
    public bool MovableNode { get; private set; }

    /// <summary><c>numa=off</c>.</summary>
    public bool NumaOff { get; private set; }

    /// <summary>What follows <c>numa=fake=</c> (the last one given; x86 numa_emu_cmdline()), null without it.</summary>
    public string? NumaFake { get; private set; }

    /// <summary>The <c>mem=</c> and <c>memmap=</c> edits of the e820 map in command-line order (mem= is kind 'm').</summary>
    public IReadOnlyList<MemmapOp> E820Edits => _memmap;

    /// <summary>True when mem= or memmap= changed the map (the kernel's <c>userdef</c>: it prints "user-defined physical RAM map").</summary>
    public bool UserDefinedMap { get; private set; }

    /// <summary>Parameters the model does not know (the kernel ignores unknown ones too).</summary>
    public IReadOnlyList<string> Unknown => _unknown;

    /// <summary>Messages about malformed values of known parameters, with what the kernel does with them.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Adds a message about a parameter found invalid later in boot (e.g. a rejected DMB).</summary>
    public void AddWarning(string message) => _warnings.Add(message);

    /// <summary>The raw value of the last occurrence of <paramref name="name"/>, or null.</summary>
    public string? Get(string name)
    {
        for (int i = _params.Count - 1; i >= 0; i--)
        {
            if (_params[i].Name == name)
            {
                return _params[i].Value;
            }
        }
        return null;
    }

    /// <summary>Parses a kernel command line.</summary>
    public static KernelCommandLine Parse(string? text) => Parse(text, KernelFeatures.Mainline);

    /// <summary>Parses a kernel command line for a kernel with the given <paramref name="features"/>.</summary>
    public static KernelCommandLine Parse(string? text, KernelFeatures features)
    {
        var cl = new KernelCommandLine(text ?? string.Empty, features);
        foreach ((string name, string? value) in Split(cl.Text))
        {
            cl._params.Add((name, value));
            cl.Apply(name, value);
        }
        return cl;
    }

    /// <summary>mirrors next_arg() (lib/cmdline.c): whitespace-separated, double quotes group, stops at a bare "--".</summary>
    public static IEnumerable<(string Name, string? Value)> Split(string text)
    {
        int i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            if (i >= text.Length)
            {
                yield break;
            }
            var sb = new System.Text.StringBuilder();
            bool quoted = false;
            while (i < text.Length && (quoted || !char.IsWhiteSpace(text[i])))
            {
                if (text[i] == '"')
                {
                    quoted = !quoted;
                }
                else
                {
                    sb.Append(text[i]);
                }
                i++;
            }
            string tok = sb.ToString();
            if (tok == "--")
            {
                yield break; // the rest goes to init, not to the kernel
            }
            int eq = tok.IndexOf('=');
            string name = (eq < 0 ? tok : tok[..eq]).Replace('-', '_');
            string? value = eq < 0 ? null : tok[(eq + 1)..];
            yield return (name, value);
        }
    }

    private void Apply(string name, string? value)
    {
        switch (name)
        {
            case "kernelcore":
                ParseKernelcore(value);
                break;
            case "movablecore":
                if (Features.DesignatedMovableBlocks)
                {
                    ParseMovablecoreDmb(value);
                }
                else if (ParseCore("movablecore", value, out ulong mp, out ulong mpct))
                {
                    RequiredMovablecorePages = mp;
                    RequiredMovablecorePercent = mpct;
                }
                break;
            case "movable_node":
                MovableNode = true;
                break;
            case "mem":
                ParseMem(value);
                break;
            case "memmap":
                ParseMemmap(value);
                break;
            case "numa":
                // mirrors numa_setup(): "off" disables NUMA, "fake=" is NUMA emulation (x86, NumaEmulation); other
                // options (noacpi, nohmat) are not modelled.
                if (value != null && value.StartsWith("off", StringComparison.Ordinal))
                {
                    NumaOff = true;
                }
                else if (value != null && value.StartsWith("fake=", StringComparison.Ordinal))
                {
                    NumaFake = value[5..];
                }
                else
                {
                    _warnings.Add($"numa={value}: only numa=off is modelled; ignored");
                }
                break;
            default:
                if (!s_harmless.Contains(name) && !name.Contains('.'))
                {
                    _unknown.Add(value == null ? name : $"{name}={value}");
                }
                break;
        }
    }

    // mirrors cmdline_parse_kernelcore() (mm/page_alloc.c, 6.1)
    private void ParseKernelcore(string? value)
    {
        if (value != null && value.Split(',').Contains("mirror"))
        {
            // parse_option_str(p, "mirror")
            MirroredKernelcore = true;
            return;
        }
        if (ParseCore("kernelcore", value, out ulong pages, out ulong pct))
        {
            RequiredKernelcorePages = pages;
            RequiredKernelcorePercent = pct;
        }
    }

    // mirrors cmdline_parse_core(): a percentage if the number is followed by '%', else memparse() bytes >> PAGE_SHIFT.
    private bool ParseCore(string name, string? p, out ulong pages, out ulong percent)
    {
        pages = 0;
        percent = 0;
        if (p == null)
        {
            _warnings.Add($"{name}: no value; the kernel rejects it (\"Malformed early option '{name}'\") and keeps the previous setting");
            return false;
        }
        int pos = 0;
        ulong v = KernelNumber.SimpleStrtoull(p, ref pos);
        if (pos < p.Length && p[pos] == '%')
        {
            if (v > 100)
            {
                _warnings.Add($"{name}={p}: percentage above 100; the kernel warns (WARN_ON) and uses it anyway");
            }
            percent = v;
            return true;
        }
        pos = 0;
        ulong bytes = KernelNumber.Memparse(p, ref pos);
        if (pos != p.Length)
        {
            _warnings.Add($"{name}={p}: memparse() stops at '{p[pos..]}'; the kernel uses {bytes} bytes ({bytes >> Page.Shift} pages)");
        }
        pages = bytes >> Page.Shift;
        return true;
    }

    // mirrors cmdline_parse_movablecore() of the DMB series (v4 9/9 "mm/page_alloc: allow base for movablecore"):
    // a comma list; each entry is nn%, nn[KMG] or nn[KMG]@ss[KMG]; the first invalid entry stops the list (-EINVAL).
    private void ParseMovablecoreDmb(string? value)
    {
        if (value == null)
        {
            _warnings.Add("movablecore: no value; the kernel rejects it (\"Malformed early option 'movablecore'\")");
            return;
        }
        foreach (string entry in value.Split(','))
        {
            int pos = 0;
            ulong v = KernelNumber.SimpleStrtoull(entry, ref pos);
            if (pos < entry.Length && entry[pos] == '%')
            {
                RequiredMovablecorePercent = v;
                continue;
            }
            pos = 0;
            ulong bytes = KernelNumber.Memparse(entry, ref pos);
            if (pos < entry.Length && entry[pos] == '@')
            {
                pos++;
                ulong address = KernelNumber.Memparse(entry, ref pos);
                if (pos != entry.Length)
                {
                    _warnings.Add($"movablecore={value}: trailing '{entry[pos..]}' in '{entry}'; the kernel returns -EINVAL (\"Malformed early option 'movablecore'\") and ignores the rest of the list");
                    return;
                }
                _dmb.Add(new DmbRequest(bytes, address, entry));
                continue;
            }
            if (pos != entry.Length)
            {
                _warnings.Add($"movablecore={value}: '{entry}' is not a size; the kernel returns -EINVAL and ignores the rest of the list");
                return;
            }
            RequiredMovablecorePages = bytes >> Page.Shift;
            RequiredMovablecorePercent = 0;
        }
    }

    // mirrors parse_memopt() (arch/x86/kernel/e820.c)
    private void ParseMem(string? p)
    {
        if (p == null)
        {
            _warnings.Add("mem: no value; the kernel rejects it (-EINVAL)");
            return;
        }
        if (p == "nopentium")
        {
            _warnings.Add("mem=nopentium ignored! (only supported on x86_32)");
            return;
        }
        UserDefinedMap = true;
        int pos = 0;
        ulong size = KernelNumber.Memparse(p, ref pos);
        if (size == 0)
        {
            // "Don't remove all memory when getting mem={invalid} parameter"
            _warnings.Add($"mem={p}: size 0; the kernel rejects it (-EINVAL) and keeps all memory");
            return;
        }
        if (pos != p.Length)
        {
            _warnings.Add($"mem={p}: memparse() stops at '{p[pos..]}'; the kernel uses {size} bytes");
        }
        _memmap.Add(new MemmapOp('m', size, 0, 0, 0, "mem=" + p));
    }

    // mirrors parse_memmap_opt() / parse_memmap_one() (arch/x86/kernel/e820.c)
    private void ParseMemmap(string? value)
    {
        if (value == null)
        {
            _warnings.Add("memmap: no value; the kernel rejects it (-EINVAL)");
            return;
        }
        foreach (string one in value.Split(','))
        {
            if (one.StartsWith("exactmap", StringComparison.Ordinal))
            {
                UserDefinedMap = true;
                _memmap.Add(new MemmapOp('x', 0, 0, 0, 0, "memmap=" + one));
                continue;
            }
            int pos = 0;
            ulong size = KernelNumber.Memparse(one, ref pos);
            if (pos == 0)
            {
                _warnings.Add($"memmap={one}: no size; the kernel rejects this element (-EINVAL)");
                continue;
            }
            UserDefinedMap = true;
            char kind = pos < one.Length ? one[pos] : ' ';
            switch (kind)
            {
                case '@':
                case '#':
                case '$':
                case '!':
                    {
                        pos++;
                        ulong start = KernelNumber.Memparse(one, ref pos);
                        _memmap.Add(new MemmapOp(kind, size, start, 0, 0, "memmap=" + one));
                        break;
                    }
                case '%':
                    {
                        pos++;
                        ulong start = KernelNumber.Memparse(one, ref pos);
                        uint oldType = 0;
                        if (pos < one.Length && one[pos] == '-')
                        {
                            pos++;
                            oldType = (uint)KernelNumber.SimpleStrtoull(one, ref pos);
                        }
                        if (pos >= one.Length || one[pos] != '+')
                        {
                            _warnings.Add($"memmap={one}: expected '+newtype' after the range; the kernel rejects this element (-EINVAL)");
                            continue;
                        }
                        pos++;
                        uint newType = (uint)KernelNumber.SimpleStrtoull(one, ref pos);
                        _memmap.Add(new MemmapOp('%', size, start, oldType, newType, "memmap=" + one));
                        break;
                    }
                default:
                    // memmap=nn without a start acts like mem=nn
                    _memmap.Add(new MemmapOp('m', size, 0, 0, 0, "memmap=" + one));
                    break;
            }
            if (pos < one.Length && kind is '@' or '#' or '$' or '!' or '%')
            {
                _warnings.Add($"memmap={one}: trailing '{one[pos..]}'; the kernel applies the range, then returns -EINVAL");
            }
        }
    }

    /// <summary>
    /// Applies mem=/memmap= to an e820 table in command-line order (parse_early_param), then sanitizes it as
    /// e820__finish_early_params() does when the map was user-defined.
    /// </summary>
    public void ApplyE820Edits(E820Table table)
    {
        foreach (MemmapOp op in _memmap)
        {
            switch (op.Kind)
            {
                case 'x':
                    table.Clear();
                    break;
                case 'm':
                    table.RangeRemove(op.Size, ulong.MaxValue - op.Size, E820Type.Ram, true);
                    break;
                case '@':
                    table.RangeAdd(op.Start, op.Size, E820Type.Ram);
                    break;
                case '#':
                    table.RangeAdd(op.Start, op.Size, E820Type.Acpi);
                    break;
                case '$':
                    table.RangeAdd(op.Start, op.Size, E820Type.Reserved);
                    break;
                case '!':
                    table.RangeAdd(op.Start, op.Size, E820Type.Pram);
                    break;
                case '%':
                    if (op.OldType == 0)
                    {
                        table.RangeAdd(op.Start, op.Size, (E820Type)op.NewType);
                    }
                    else
                    {
                        table.RangeUpdate(op.Start, op.Size, (E820Type)op.OldType, (E820Type)op.NewType);
                    }
                    break;
            }
        }
        if (UserDefinedMap)
        {
            table.UpdateTable();
        }
    }
}
