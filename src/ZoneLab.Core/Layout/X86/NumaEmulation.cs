using System.Globalization;

namespace ZoneLab.Layout;

/// <summary>
/// <c>numa=fake=</c> on x86-64: mirrors arch/x86/mm/numa_emulation.c of Linux 6.1 (numa_emulation,
/// split_nodes_interleave, split_nodes_size_interleave_uniform, emu_setup_memblk, mem_hole_size). numa_init() calls
/// it after numa_cleanup_meminfo() with the physical numa_meminfo (the SRAT's, or dummy_numa_init()'s one block
/// [0, max_pfn)); the emulated meminfo then goes through numa_cleanup_meminfo() again. The forms are
/// <c>numa=fake=N</c> (N nodes interleaved over the physical ones), <c>numa=fake=SIZE</c> with an upper-case M or G
/// (nodes of at least SIZE) and, since v4.19, <c>numa=fake=NU</c> (each physical node split into N); an optional
/// <c>:d,d,...</c> tail gives the emulated distance table (6.1 also has it). Arm64 has no NUMA emulation in 6.1
/// (drivers/base/arch_numa.c parses only <c>numa=off</c>).
/// </summary>
public static class NumaEmulation
{
    /// <summary>FAKE_NODE_MIN_SIZE (arch/x86/include/asm/numa.h): 32 MiB.</summary>
    public const ulong FakeNodeMinSize = 32UL << 20;

    /// <summary>MAX_NUMNODES of Debian's amd64 build (CONFIG_NODES_SHIFT=10 under CONFIG_MAXSMP), the largest there is.</summary>
    private const int MaxNumNodes = KernelLimits.MaxNumNodes;

    private const int NrNodeMemblks = MaxNumNodes * 2;
    private const ulong FakeNodeMinHashMask = ~(FakeNodeMinSize - 1);
    private const int NumaNoNode = -1;

    /// <summary>The emulated node layout, or null when emulation failed or was not asked for (no_emu:).</summary>
    /// <param name="Blocks">The emulated numa_meminfo (before numa_cleanup_meminfo).</param>
    /// <param name="EmuNidToPhys">emu_nid_to_phys[] for the emulated nodes 0..max_emu_nid.</param>
    /// <param name="Topology">The transformed distance table and the emulated nodes with CPUs.</param>
    public sealed record Result(IReadOnlyList<NumaMemBlock> Blocks, int[] EmuNidToPhys, NumaTopology Topology);

    /// <summary>
    /// mirrors numa_emulation(): <paramref name="physical"/> is numa_meminfo after numa_cleanup_meminfo(),
    /// <paramref name="memory"/> memblock.memory as pfn ranges (what absent_pages_in_range() sees),
    /// <paramref name="parsed"/> numa_nodes_parsed.
    /// Kernel messages are appended to <paramref name="log"/>.
    /// </summary>
    public static Result? Apply(string emuCmdline, IReadOnlyList<NumaMemBlock> physical, IReadOnlyList<(ulong S, ulong E)> memory,
        ulong maxPfn, IReadOnlyCollection<int> parsed, List<string> log)
    {
        var ei = new List<NumaMemBlock>();
        var pi = new List<NumaMemBlock>(physical);
        var emuNidToPhys = new int[MaxNumNodes];
        Array.Fill(emuNidToPhys, NumaNoNode);
        ulong maxAddr = maxPfn << Page.Shift;
        var hole = new HoleSize(memory);
        string s = emuCmdline;
        int pos = 0;
        int ret;
        int[] physMask = parsed.Distinct().OrderBy(n => n).ToArray();

        if (s.Contains('U', StringComparison.Ordinal))
        {
            ulong n = KernelNumber.SimpleStrtoull(s, ref pos);
            ret = -1;
            int nid = 0;
            foreach (int i in physMask)
            {
                // "The reason we pass in blk[0] is due to numa_remove_memblk_from() ... we should always be looking at blk[0]."
                NumaMemBlock b0 = pi.Count > 0 ? pi[0] : new NumaMemBlock(0, 0, 0); // a zeroed blk[0] once pi is empty
                ret = SplitUniform(ei, pi, emuNidToPhys, hole, b0.Start, b0.End, 0, unchecked((int)n), b0.Nid, nid, log);
                if (ret < 0)
                {
                    break;
                }
                if ((ulong)ret < n)
                {
                    log.Add($"numa_emulation: phys: {i} only got {ret} of {n} nodes, failing");
                    ret = -1;
                    break;
                }
                nid = ret;
            }
        }
        else if (s.Contains('M', StringComparison.Ordinal) || s.Contains('G', StringComparison.Ordinal))
        {
            ulong size = KernelNumber.Memparse(s, ref pos);
            ret = SplitUniform(ei, pi, emuNidToPhys, hole, 0, maxAddr, size, 0, NumaNoNode, 0, log, physMask);
        }
        else
        {
            ulong n = KernelNumber.SimpleStrtoull(s, ref pos);
            ret = SplitInterleave(ei, pi, emuNidToPhys, hole, 0, maxAddr, unchecked((int)n), physMask, log);
        }
        if (pos < s.Length && s[pos] == ':')
        {
            pos++;
        }
        if (ret < 0)
        {
            return null;
        }

        // setup_emu2phys_nid(): the highest emulated nid and the default physical node of unmapped ones
        int maxEmuNid = 0, dflPhysNid = NumaNoNode;
        for (int i = 0; i < MaxNumNodes; i++)
        {
            if (emuNidToPhys[i] != NumaNoNode)
            {
                maxEmuNid = i;
                if (dflPhysNid == NumaNoNode)
                {
                    dflPhysNid = emuNidToPhys[i];
                }
            }
        }
        for (int i = 0; i < MaxNumNodes; i++)
        {
            if (emuNidToPhys[i] == NumaNoNode)
            {
                emuNidToPhys[i] = dflPhysNid;
            }
        }

        // transform distance table: QEMU gives no SLIT (numa_dist_cnt 0), so LOCAL between emulated nodes of one
        // physical node and REMOTE otherwise, unless the ':' tail gives the value (get_option() == 2: only a number
        // followed by a comma counts).
        int count = maxEmuNid + 1;
        var dist = new int[count, count];
        var cpus = new bool[count];
        for (int i = 0; i < count; i++)
        {
            // numa_add_cpu() later maps a CPU to every emulated node of its physical node; at the boot-time
            // build_zonelists() no node has CPUs yet (NumaTopology.Uniform)
            cpus[i] = false;
            for (int j = 0; j < count; j++)
            {
                int physi = emuNidToPhys[i], physj = emuNidToPhys[j];
                dist[i, j] = GetOption(s, ref pos, out int d) == 2 ? d
                    : physi == physj ? NumaTopology.LocalDistance : NumaTopology.RemoteDistance;
            }
        }
        return new Result(ei, emuNidToPhys[..count], new NumaTopology(dist, cpus, "numa=fake"));
    }

    // mirrors split_nodes_interleave()
    private static int SplitInterleave(List<NumaMemBlock> ei, List<NumaMemBlock> pi, int[] emuNidToPhys, HoleSize hole,
        ulong addr, ulong maxAddr, int nrNodes, int[] physMask, List<string> log)
    {
        if (nrNodes <= 0)
        {
            return -1;
        }
        if (nrNodes > MaxNumNodes)
        {
            log.Add($"numa=fake={nrNodes} too large, reducing to {MaxNumNodes}");
            nrNodes = MaxNumNodes;
        }

        ulong size = maxAddr - addr - hole.Of(addr, maxAddr);
        size = ((size >> Page.Shift) / (ulong)nrNodes) << Page.Shift;
        // the number of big nodes that can be allocated as a result of consolidating the remainder
        ulong big = (size & ~FakeNodeMinHashMask) * (ulong)nrNodes / FakeNodeMinSize;
        size &= FakeNodeMinHashMask;
        if (size == 0)
        {
            log.Add("Not enough memory for each node.  NUMA emulation disabled.");
            return -1;
        }

        int nid = 0;
        var mask = new SortedSet<int>(physMask);
        while (mask.Count > 0)
        {
            foreach (int i in mask.ToArray())
            {
                int physBlk = pi.FindIndex(b => b.Nid == i);
                if (physBlk < 0)
                {
                    mask.Remove(i);
                    continue;
                }
                ulong start = pi[physBlk].Start, limit = pi[physBlk].End;
                ulong end = start + size;
                if ((ulong)nid < big)
                {
                    end += FakeNodeMinSize;
                }
                // continue to add memory to this fake node if its non-reserved memory is less than the per-node size
                while (end - start - hole.Of(start, end) < size)
                {
                    end += FakeNodeMinSize;
                    if (end > limit)
                    {
                        end = limit;
                        break;
                    }
                }
                end = ExtendToBoundaries(end, limit, size, hole, uniform: false);
                if (SetupMemblk(ei, pi, emuNidToPhys, nid++ % nrNodes, physBlk, Math.Min(end, limit) - start, log) < 0)
                {
                    return -1;
                }
            }
        }
        return 0;
    }

    // mirrors split_nodes_size_interleave_uniform(): nrNodes 0 is the size form (numa=fake=SIZE), otherwise the
    // physical node pblkNid is split into nrNodes nodes numbered from nid
    private static int SplitUniform(List<NumaMemBlock> ei, List<NumaMemBlock> pi, int[] emuNidToPhys, HoleSize hole,
        ulong addr, ulong maxAddr, ulong size, int nrNodes, int pblkNid, int nid, List<string> log, int[]? physMask = null)
    {
        if ((size == 0 && nrNodes == 0) || (nrNodes != 0 && pblkNid == NumaNoNode))
        {
            return -1;
        }
        bool uniform = nrNodes != 0;
        if (nrNodes < 0)
        {
            return -1; // a count that does not fit an int: uniform_size() would divide by a negative number
        }
        var mask = uniform ? new SortedSet<int> { pblkNid } : new SortedSet<int>(physMask!);
        if (!uniform)
        {
            nrNodes = MaxNumNodes;
        }

        ulong minSize;
        if (uniform)
        {
            minSize = UniformSize(maxAddr, addr, 0, nrNodes);
            size = minSize;
        }
        else
        {
            minSize = UniformSize(maxAddr, addr, hole.Of(addr, maxAddr), nrNodes);
        }
        minSize = AlignUp(Math.Max(minSize, FakeNodeMinSize), FakeNodeMinSize);
        if (size < minSize)
        {
            log.Add($"Fake node size {size >> 20}MB too small, increasing to {minSize >> 20}MB");
            size = minSize;
        }
        size &= FakeNodeMinHashMask;

        while (mask.Count > 0)
        {
            foreach (int i in mask.ToArray())
            {
                int physBlk = pi.FindIndex(b => b.Nid == i);
                if (physBlk < 0)
                {
                    mask.Remove(i);
                    continue;
                }
                ulong start = pi[physBlk].Start, limit = pi[physBlk].End;
                ulong end = uniform ? start + size : FindEndOfNode(start, limit, size, hole);
                end = ExtendToBoundaries(end, limit, size, hole, uniform);
                if (SetupMemblk(ei, pi, emuNidToPhys, nid++ % MaxNumNodes, physBlk, Math.Min(end, limit) - start, log) < 0)
                {
                    return -1;
                }
            }
        }
        return nid;
    }

    // The two "if there won't be enough" rules shared by both splitters: a node ends at 4 GiB when less than
    // FAKE_NODE_MIN_SIZE of RAM would be left below it in ZONE_DMA32, and (not in the uniform split) at the end of
    // the physical node when the rest would be smaller than size.
    private static ulong ExtendToBoundaries(ulong end, ulong limit, ulong size, HoleSize hole, bool uniform)
    {
        ulong dma32End = X86Boot.MaxDma32Pfn << Page.Shift;
        if (end < dma32End && dma32End - end - hole.Of(end, dma32End) < FakeNodeMinSize)
        {
            end = dma32End;
        }
        // the kernel computes limit - end unsigned; once end passed limit the difference wraps and the test fails
        if (!uniform && unchecked(limit - end - hole.Of(end, limit)) < size)
        {
            end = limit;
        }
        return end;
    }

    // mirrors find_end_of_node()
    private static ulong FindEndOfNode(ulong start, ulong maxAddr, ulong size, HoleSize hole)
    {
        ulong end = start + size;
        while (end - start - hole.Of(start, end) < size)
        {
            end += FakeNodeMinSize;
            if (end > maxAddr)
            {
                end = maxAddr;
                break;
            }
        }
        return end;
    }

    // mirrors uniform_size()
    private static ulong UniformSize(ulong maxAddr, ulong b, ulong hole, int nrNodes)
        => ((maxAddr >> Page.Shift) - (b >> Page.Shift) - (hole >> Page.Shift)) / (ulong)nrNodes << Page.Shift;

    private static ulong AlignUp(ulong v, ulong a) => (v + a - 1) & ~(a - 1);

    // mirrors emu_setup_memblk()
    private static int SetupMemblk(List<NumaMemBlock> ei, List<NumaMemBlock> pi, int[] emuNidToPhys, int nid, int physBlk, ulong size, List<string> log)
    {
        if (ei.Count >= NrNodeMemblks)
        {
            log.Add("NUMA: Too many emulated memblks, failing emulation");
            return -1;
        }
        NumaMemBlock pb = pi[physBlk];
        var eb = new NumaMemBlock(pb.Start, pb.Start + size, nid);
        ei.Add(eb);
        if (emuNidToPhys[nid] == NumaNoNode)
        {
            emuNidToPhys[nid] = pb.Nid;
        }
        pb = pb with { Start = pb.Start + size };
        if (pb.Start >= pb.End)
        {
            pi.RemoveAt(physBlk); // numa_remove_memblk_from()
        }
        else
        {
            pi[physBlk] = pb;
        }
        log.Add(string.Create(CultureInfo.InvariantCulture,
            $"Faking node {nid} at [mem {KernelNumber.Hex18(eb.Start)}-{KernelNumber.Hex18(eb.End - 1)}] ({(eb.End - eb.Start) >> 20}MB)"));
        return 0;
    }

    // mirrors get_option() (lib/cmdline.c): 0 no number, 1 a number at the end, 2 a number followed by a comma
    private static int GetOption(string s, ref int pos, out int value)
    {
        value = 0;
        if (pos >= s.Length)
        {
            return 0;
        }
        bool neg = s[pos] == '-';
        int p = neg ? pos + 1 : pos;
        int start = p;
        ulong v = KernelNumber.SimpleStrtoull(s, ref p);
        if (p == start)
        {
            return 0;
        }
        value = unchecked(neg ? -(int)v : (int)v);
        pos = p;
        if (pos < s.Length && s[pos] == ',')
        {
            pos++;
            return 2;
        }
        return pos < s.Length && s[pos] == '-' ? 3 : 1;
    }

    // mem_hole_size(): absent_pages_in_range() over memblock.memory, in bytes
    private sealed class HoleSize(IReadOnlyList<(ulong S, ulong E)> memory)
    {
        public ulong Of(ulong start, ulong end)
        {
            ulong s = Page.PfnUp(start), e = Page.PfnDown(end);
            if (s >= e)
            {
                return 0;
            }
            ulong present = 0;
            foreach ((ulong rs, ulong re) in memory)
            {
                ulong a = Math.Max(rs, s), z = Math.Min(re, e);
                if (z > a)
                {
                    present += z - a;
                }
            }
            return (e - s - present) << Page.Shift;
        }
    }
}
