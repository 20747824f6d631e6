using System.Globalization;
using System.Text;
using ZoneLab.Allocator;

namespace ZoneLab.Procfs;

/// <summary>
/// Writes <c>/proc/meminfo</c> (fs/proc/meminfo.c, 6.1 field order) from the model's counters. Kernel allocations
/// of the model count as unreclaimable slab unless counted under a <see cref="KernelPageStat"/> (kernel stacks, page
/// tables, unevictable and other kernel memory of a device state); shmem is in Cached and Shmem; fields the model has
/// no notion of print 0; the arch-specific DirectMap lines are omitted.
/// </summary>
public static class MeminfoWriter
{
    /// <summary>The file's text.</summary>
    public static string Write(Machine m)
    {
        long totalram = 0, free = 0, cmaTotal = 0, cmaFree = 0, wmarkLow = 0;
        foreach (Zone z in m.Zones)
        {
            totalram += (long)z.ManagedPages;
            free += z.NrFreePages;
            cmaTotal += (long)z.CmaPages;
            cmaFree += z.NrFreeCmaPages;
            wmarkLow += (long)z.Watermarks.Low;
        }

        long Sum(Func<int, long> f)
        {
            long s = 0;
            for (int n = 0; n < m.NodeCount; n++)
            {
                s += f(n);
            }

            return s;
        }

        long activeAnon = Sum(n => m.LruPages(n, LruList.ActiveAnon));
        long inactiveAnon = Sum(n => m.LruPages(n, LruList.InactiveAnon));
        long activeFile = Sum(n => m.LruPages(n, LruList.ActiveFile));
        long inactiveFile = Sum(n => m.LruPages(n, LruList.InactiveFile));
        long unevictable = Sum(n => m.LruPages(n, LruList.Unevictable));
        long fileDirty = Sum(n => m.UsePages(n, PageUse.FileDirty));
        long shmem = Sum(n => m.UsePages(n, PageUse.Shmem));
        long file = Sum(n => m.UsePages(n, PageUse.File)) + fileDirty + shmem;
        long anon = Sum(n => m.UsePages(n, PageUse.Anon));
        long sreclaimable = Sum(n => m.UsePages(n, PageUse.SlabReclaimable));
        long sunreclaim = Sum(m.SlabUnreclaimablePages);
        long kernelStack = Sum(n => m.KernelStatPages(n, KernelPageStat.KernelStack));
        long pageTables = Sum(n => m.KernelStatPages(n, KernelPageStat.PageTables));
        unevictable += Sum(n => m.KernelStatPages(n, KernelPageStat.Unevictable));
        long swapTotal = m.Spec.SwapPages;
        long swapFree = Math.Max(0, swapTotal - m.SwapUsedPages);

        // mirrors si_mem_available
        long available = free - (long)m.WatermarkCalculator.TotalReservePages;
        long pagecache = activeFile + inactiveFile;
        pagecache -= Math.Min(pagecache / 2, wmarkLow);
        available += pagecache;
        long reclaimable = sreclaimable;
        available += reclaimable - Math.Min(reclaimable / 2, wmarkLow);
        available = Math.Max(0, available);

        var sb = new StringBuilder();
        void Kb(string label, long pages) => sb.Append(CultureInfo.InvariantCulture, $"{label + ":",-16}{pages * 4,8} kB\n");
        void Num(string label, long n) => sb.Append(CultureInfo.InvariantCulture, $"{label + ":",-16}{n,8}\n");

        Kb("MemTotal", totalram);
        Kb("MemFree", free);
        Kb("MemAvailable", available);
        Kb("Buffers", 0);
        Kb("Cached", file);
        Kb("SwapCached", 0);
        Kb("Active", activeAnon + activeFile);
        Kb("Inactive", inactiveAnon + inactiveFile);
        Kb("Active(anon)", activeAnon);
        Kb("Inactive(anon)", inactiveAnon);
        Kb("Active(file)", activeFile);
        Kb("Inactive(file)", inactiveFile);
        Kb("Unevictable", unevictable);
        Kb("Mlocked", 0);
        Kb("SwapTotal", swapTotal);
        Kb("SwapFree", swapFree);
        Kb("Zswap", 0);
        Kb("Zswapped", 0);
        Kb("Dirty", fileDirty);
        Kb("Writeback", 0);
        Kb("AnonPages", anon);
        Kb("Mapped", 0);
        Kb("Shmem", shmem);
        Kb("KReclaimable", sreclaimable);
        Kb("Slab", sreclaimable + sunreclaim);
        Kb("SReclaimable", sreclaimable);
        Kb("SUnreclaim", sunreclaim);
        Kb("KernelStack", kernelStack);
        Kb("PageTables", pageTables);
        Kb("SecPageTables", 0);
        Kb("NFS_Unstable", 0);
        Kb("Bounce", 0);
        Kb("WritebackTmp", 0);
        Kb("CommitLimit", totalram * 50 / 100 + swapTotal); // vm.overcommit_ratio = 50, no hugetlb
        Kb("Committed_AS", anon);
        sb.Append("VmallocTotal:   34359738367 kB\n");
        Kb("VmallocUsed", 0);
        Kb("VmallocChunk", 0);
        Kb("Percpu", 0);
        sb.Append("HardwareCorrupted:     0 kB\n"); // its own "%5lu kB" format (mm/memory-failure.c counter)
        Kb("AnonHugePages", 0);
        Kb("ShmemHugePages", 0);
        Kb("ShmemPmdMapped", 0);
        Kb("FileHugePages", 0);
        Kb("FilePmdMapped", 0);
        if (m.Spec.ConfigCma)
        {
            Kb("CmaTotal", cmaTotal);
            Kb("CmaFree", cmaFree);
        }

        Num("HugePages_Total", 0);
        Num("HugePages_Free", 0);
        Num("HugePages_Rsvd", 0);
        Num("HugePages_Surp", 0);
        Kb("Hugepagesize", 512);
        Kb("Hugetlb", 0);
        return sb.ToString();
    }
}
