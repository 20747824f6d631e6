using System.Globalization;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// The memory-controller bandwidth table when the scenario models the kernel's own traffic (machine.kernel_traffic):
/// the same rows with a column of the kernel's load per controller and its share on the first controller.
/// </summary>
internal static class KernelTrafficTable
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public static ReportTable WithKernelColumn(List<DesignReport> ran, List<string[]> rows)
    {
        var withKernel = new List<string[]>(rows.Count);
        int i = 0;
        foreach (DesignReport d in ran)
        {
            if (d.Bandwidth is not BandwidthReport b)
            {
                continue;
            }
            double total = b.Controllers.Sum(c => c.KernelBytesPerSecond);
            string kernel = string.Join(", ", b.Controllers.Select(c =>
                $"{c.Name} {(c.KernelBytesPerSecond / 1e9).ToString("0.00", s_inv)} ({(total > 0 ? c.KernelBytesPerSecond / total * 100 : 0).ToString("0", s_inv)} %)"));
            string[] r = rows[i++];
            withKernel.Add([r[0], r[1], kernel, r[2], r[3], r[4]]);
        }

        return new ReportTable("memory-controller bandwidth (GB/s)",
            "docs/bandwidth.md: each actor's accesses go to the controllers holding its pages (time-weighted), device traffic to the "
            + "controller holding its buffers, the kernel's own traffic (machine.kernel_traffic: slab, page tables, struct pages) to the "
            + "controllers holding those pages in the engine; load includes all three; the workload achieves demand x min(1, min over "
            + "controllers of bandwidth/load); balance = lowest / highest controller share.",
            ["design", "controllers: load (share)", "kernel's own (share)", "demand", "achieved", "balance"], withKernel);
    }
}
